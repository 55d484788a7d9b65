-- Glimpse schema for PostgreSQL. Times are timestamptz (microseconds, UTC on the wire);
-- text columns use the "C" collation, so that they sort and compare byte by byte as on
-- SQLite and MySQL (utf8mb4_bin) whatever the database's locale.
-- Indexes serve a page of GET /v2/images by keyset: the default order (created_at desc,
-- id desc), a sort on name, and equality filters on visibility, owner and status in the
-- default order, each read backwards.

-- +goose Up
CREATE TABLE images (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name             TEXT COLLATE "C",
    status           TEXT COLLATE "C" NOT NULL,
    visibility       TEXT COLLATE "C" NOT NULL,
    protected        BOOLEAN NOT NULL DEFAULT false,
    os_hidden        BOOLEAN NOT NULL DEFAULT false,
    owner            TEXT COLLATE "C",
    size             BIGINT,
    virtual_size     BIGINT,
    checksum         TEXT COLLATE "C",
    os_hash_algo     TEXT COLLATE "C",
    os_hash_value    TEXT COLLATE "C",
    disk_format      TEXT COLLATE "C",
    container_format TEXT COLLATE "C",
    min_disk         INTEGER NOT NULL DEFAULT 0,
    min_ram          INTEGER NOT NULL DEFAULT 0,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    deleted_at       TIMESTAMPTZ
);
CREATE INDEX images_created_at_id ON images (created_at, id);
CREATE INDEX images_name ON images (name NULLS FIRST, created_at, id);
CREATE INDEX images_visibility ON images (visibility, created_at, id);
CREATE INDEX images_owner ON images (owner, created_at, id);
CREATE INDEX images_status ON images (status, created_at, id);

CREATE TABLE image_tags (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    value    TEXT COLLATE "C" NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (image_id, value)
);
CREATE INDEX image_tags_value ON image_tags (value);

CREATE TABLE image_properties (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    name     TEXT COLLATE "C" NOT NULL,
    value    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (image_id, name)
);
CREATE INDEX image_properties_name_value ON image_properties (name, value);

CREATE TABLE image_locations (
    image_id TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    url      TEXT NOT NULL,
    store_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    metadata TEXT NOT NULL DEFAULT '{}',
    status   TEXT COLLATE "C" NOT NULL DEFAULT 'active',
    PRIMARY KEY (image_id, position)
);

CREATE TABLE image_members (
    image_id   TEXT COLLATE "C" NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    member     TEXT COLLATE "C" NOT NULL,
    status     TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (image_id, member)
);
CREATE INDEX image_members_member_status ON image_members (member, status);

CREATE TABLE domains (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE projects (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    domain_id   TEXT COLLATE "C" NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT true,
    UNIQUE (domain_id, name)
);

CREATE TABLE users (
    id                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name               TEXT COLLATE "C" NOT NULL,
    domain_id          TEXT COLLATE "C" NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    default_project_id TEXT COLLATE "C" NOT NULL DEFAULT '',
    enabled            BOOLEAN NOT NULL DEFAULT true,
    password_hash      TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    UNIQUE (domain_id, name)
);

-- domain_id is '' for a global role, so that UNIQUE (name, domain_id) holds for them too.
CREATE TABLE roles (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    domain_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    UNIQUE (name, domain_id)
);

CREATE TABLE implied_roles (
    prior_role_id   TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    implied_role_id TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (prior_role_id, implied_role_id)
);

-- target_type is 'project', 'domain' or 'system'; target_id is the project or domain id,
-- or 'all' for the system.
CREATE TABLE role_assignments (
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    target_type TEXT COLLATE "C" NOT NULL,
    target_id   TEXT COLLATE "C" NOT NULL,
    role_id     TEXT COLLATE "C" NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, target_type, target_id, role_id)
);
CREATE INDEX role_assignments_target ON role_assignments (target_type, target_id);
CREATE INDEX role_assignments_role ON role_assignments (role_id);

CREATE TABLE regions (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    description      TEXT NOT NULL DEFAULT '',
    parent_region_id TEXT COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE services (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    type        TEXT COLLATE "C" NOT NULL,
    name        TEXT COLLATE "C" NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    enabled     BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE endpoints (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    service_id TEXT COLLATE "C" NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    region_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    interface  TEXT COLLATE "C" NOT NULL,
    url        TEXT NOT NULL,
    enabled    BOOLEAN NOT NULL DEFAULT true
);

CREATE TABLE revocation_events (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    audit_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
    user_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
    project_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    issued_before TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
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
