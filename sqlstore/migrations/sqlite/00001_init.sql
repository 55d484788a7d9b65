-- Glimpse schema for SQLite. Times are fixed-width UTC text "2006-01-02T15:04:05.000000Z"
-- so that they sort as they compare; booleans are 0/1 integers.

-- +goose Up
CREATE TABLE images (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT,
    status           TEXT    NOT NULL,
    visibility       TEXT    NOT NULL,
    protected        INTEGER NOT NULL DEFAULT 0,
    os_hidden        INTEGER NOT NULL DEFAULT 0,
    owner            TEXT,
    size             INTEGER,
    virtual_size     INTEGER,
    checksum         TEXT,
    os_hash_algo     TEXT,
    os_hash_value    TEXT,
    disk_format      TEXT,
    container_format TEXT,
    min_disk         INTEGER NOT NULL DEFAULT 0,
    min_ram          INTEGER NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    deleted_at       TEXT
);
CREATE INDEX images_created_at_id ON images (created_at, id);
CREATE INDEX images_owner ON images (owner);
CREATE INDEX images_visibility ON images (visibility);
CREATE INDEX images_status ON images (status);

CREATE TABLE image_tags (
    image_id TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    value    TEXT    NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (image_id, value)
);
CREATE INDEX image_tags_value ON image_tags (value);

CREATE TABLE image_properties (
    image_id TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    name     TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (image_id, name)
);
CREATE INDEX image_properties_name_value ON image_properties (name, value);

CREATE TABLE image_locations (
    image_id TEXT    NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url      TEXT    NOT NULL,
    store_id TEXT    NOT NULL DEFAULT '',
    metadata TEXT    NOT NULL DEFAULT '{}',
    status   TEXT    NOT NULL DEFAULT 'active',
    PRIMARY KEY (image_id, position)
);

CREATE TABLE image_members (
    image_id   TEXT NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member     TEXT NOT NULL,
    status     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (image_id, member)
);
CREATE INDEX image_members_member_status ON image_members (member, status);

CREATE TABLE domains (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE projects (
    id          TEXT    NOT NULL PRIMARY KEY,
    name        TEXT    NOT NULL,
    domain_id   TEXT    NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (domain_id, name)
);

CREATE TABLE users (
    id                 TEXT    NOT NULL PRIMARY KEY,
    name               TEXT    NOT NULL,
    domain_id          TEXT    NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    default_project_id TEXT    NOT NULL DEFAULT '',
    enabled            INTEGER NOT NULL DEFAULT 1,
    password_hash      TEXT    NOT NULL DEFAULT '',
    created_at         TEXT    NOT NULL,
    UNIQUE (domain_id, name)
);

-- domain_id is '' for a global role, so that UNIQUE (name, domain_id) holds for them too.
CREATE TABLE roles (
    id          TEXT NOT NULL PRIMARY KEY,
    name        TEXT NOT NULL,
    domain_id   TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (name, domain_id)
);

CREATE TABLE implied_roles (
    prior_role_id   TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    implied_role_id TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (prior_role_id, implied_role_id)
);

-- target_type is 'project', 'domain' or 'system'; target_id is the project or domain id,
-- or 'all' for the system.
CREATE TABLE role_assignments (
    user_id     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    role_id     TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, target_type, target_id, role_id)
);
CREATE INDEX role_assignments_target ON role_assignments (target_type, target_id);
CREATE INDEX role_assignments_role ON role_assignments (role_id);

CREATE TABLE regions (
    id               TEXT NOT NULL PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    parent_region_id TEXT NOT NULL DEFAULT ''
);

CREATE TABLE services (
    id          TEXT    NOT NULL PRIMARY KEY,
    type        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    description TEXT    NOT NULL DEFAULT '',
    enabled     INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE endpoints (
    id         TEXT    NOT NULL PRIMARY KEY,
    service_id TEXT    NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    region_id  TEXT    NOT NULL DEFAULT '',
    interface  TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    enabled    INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE revocation_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    audit_id      TEXT NOT NULL DEFAULT '',
    user_id       TEXT NOT NULL DEFAULT '',
    project_id    TEXT NOT NULL DEFAULT '',
    issued_before TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX revocation_events_created_at ON revocation_events (created_at);
CREATE INDEX revocation_events_expires_at ON revocation_events (expires_at);

-- +goose Down
DROP TABLE revocation_events;
DROP TABLE endpoints;
DROP TABLE services;
DROP TABLE regions;
DROP TABLE role_assignments;
DROP TABLE implied_roles;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE projects;
DROP TABLE domains;
DROP TABLE image_members;
DROP TABLE image_locations;
DROP TABLE image_properties;
DROP TABLE image_tags;
DROP TABLE images;
