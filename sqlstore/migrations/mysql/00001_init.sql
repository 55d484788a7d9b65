-- Glimpse schema for MySQL 8 and MariaDB 10.5+. Times are DATETIME(6) holding UTC (the
-- store's connections use loc=UTC); text is utf8mb4 with the binary collation, so that it
-- sorts and compares byte by byte as on SQLite and PostgreSQL (and names differing only in
-- case are distinct); booleans are BOOLEAN (TINYINT(1)). Ids are VARCHAR(64) (Keystone's
-- limit), names and short values VARCHAR(255) (Glance's and Keystone's limits); TEXT
-- columns have no default, the store always writes them.
-- Indexes serve a page of GET /v2/images by keyset, as in the PostgreSQL schema.

-- +goose Up
CREATE TABLE images (
    id               VARCHAR(64)  NOT NULL PRIMARY KEY,
    name             VARCHAR(255),
    status           VARCHAR(32)  NOT NULL,
    visibility       VARCHAR(32)  NOT NULL,
    protected        BOOLEAN      NOT NULL DEFAULT false,
    os_hidden        BOOLEAN      NOT NULL DEFAULT false,
    owner            VARCHAR(64),
    size             BIGINT,
    virtual_size     BIGINT,
    checksum         VARCHAR(32),
    os_hash_algo     VARCHAR(64),
    os_hash_value    VARCHAR(128),
    disk_format      VARCHAR(32),
    container_format VARCHAR(32),
    min_disk         INTEGER      NOT NULL DEFAULT 0,
    min_ram          INTEGER      NOT NULL DEFAULT 0,
    created_at       DATETIME(6)  NOT NULL,
    updated_at       DATETIME(6)  NOT NULL,
    deleted_at       DATETIME(6),
    INDEX images_created_at_id (created_at, id),
    INDEX images_name (name, created_at, id),
    INDEX images_visibility (visibility, created_at, id),
    INDEX images_owner (owner, created_at, id),
    INDEX images_status (status, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE image_tags (
    image_id VARCHAR(64)  NOT NULL,
    value    VARCHAR(255) NOT NULL,
    position INTEGER      NOT NULL,
    PRIMARY KEY (image_id, value),
    INDEX image_tags_value (value),
    FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE image_properties (
    image_id VARCHAR(64)  NOT NULL,
    name     VARCHAR(255) NOT NULL,
    value    TEXT         NOT NULL,
    PRIMARY KEY (image_id, name),
    INDEX image_properties_name_value (name, value(255)),
    FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE image_locations (
    image_id VARCHAR(64)  NOT NULL,
    position INTEGER      NOT NULL,
    url      TEXT         NOT NULL,
    store_id VARCHAR(255) NOT NULL DEFAULT '',
    metadata TEXT         NOT NULL,
    status   VARCHAR(32)  NOT NULL DEFAULT 'active',
    PRIMARY KEY (image_id, position),
    FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE image_members (
    image_id   VARCHAR(64)  NOT NULL,
    member     VARCHAR(255) NOT NULL,
    status     VARCHAR(32)  NOT NULL,
    created_at DATETIME(6)  NOT NULL,
    updated_at DATETIME(6)  NOT NULL,
    PRIMARY KEY (image_id, member),
    INDEX image_members_member_status (member, status),
    FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE domains (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    name        VARCHAR(255) NOT NULL UNIQUE,
    description TEXT         NOT NULL,
    enabled     BOOLEAN      NOT NULL DEFAULT true
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE projects (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    domain_id   VARCHAR(64)  NOT NULL,
    description TEXT         NOT NULL,
    enabled     BOOLEAN      NOT NULL DEFAULT true,
    UNIQUE (domain_id, name),
    FOREIGN KEY (domain_id) REFERENCES domains (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE users (
    id                 VARCHAR(64)  NOT NULL PRIMARY KEY,
    name               VARCHAR(255) NOT NULL,
    domain_id          VARCHAR(64)  NOT NULL,
    default_project_id VARCHAR(64)  NOT NULL DEFAULT '',
    enabled            BOOLEAN      NOT NULL DEFAULT true,
    password_hash      VARCHAR(255) NOT NULL DEFAULT '',
    created_at         DATETIME(6)  NOT NULL,
    UNIQUE (domain_id, name),
    FOREIGN KEY (domain_id) REFERENCES domains (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- domain_id is '' for a global role, so that UNIQUE (name, domain_id) holds for them too.
CREATE TABLE roles (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    name        VARCHAR(255) NOT NULL,
    domain_id   VARCHAR(64)  NOT NULL DEFAULT '',
    description TEXT         NOT NULL,
    UNIQUE (name, domain_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE implied_roles (
    prior_role_id   VARCHAR(64) NOT NULL,
    implied_role_id VARCHAR(64) NOT NULL,
    PRIMARY KEY (prior_role_id, implied_role_id),
    FOREIGN KEY (prior_role_id) REFERENCES roles (id) ON DELETE CASCADE,
    FOREIGN KEY (implied_role_id) REFERENCES roles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- target_type is 'project', 'domain' or 'system'; target_id is the project or domain id,
-- or 'all' for the system.
CREATE TABLE role_assignments (
    user_id     VARCHAR(64) NOT NULL,
    target_type VARCHAR(16) NOT NULL,
    target_id   VARCHAR(64) NOT NULL,
    role_id     VARCHAR(64) NOT NULL,
    PRIMARY KEY (user_id, target_type, target_id, role_id),
    INDEX role_assignments_target (target_type, target_id),
    INDEX role_assignments_role (role_id),
    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    FOREIGN KEY (role_id) REFERENCES roles (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE regions (
    id               VARCHAR(255) NOT NULL PRIMARY KEY,
    description      TEXT         NOT NULL,
    parent_region_id VARCHAR(255) NOT NULL DEFAULT ''
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE services (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    type        VARCHAR(255) NOT NULL,
    name        VARCHAR(255) NOT NULL DEFAULT '',
    description TEXT         NOT NULL,
    enabled     BOOLEAN      NOT NULL DEFAULT true
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE endpoints (
    id         VARCHAR(64)  NOT NULL PRIMARY KEY,
    service_id VARCHAR(64)  NOT NULL,
    region_id  VARCHAR(255) NOT NULL DEFAULT '',
    interface  VARCHAR(16)  NOT NULL,
    url        TEXT         NOT NULL,
    enabled    BOOLEAN      NOT NULL DEFAULT true,
    FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE revocation_events (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    audit_id      VARCHAR(64)  NOT NULL DEFAULT '',
    user_id       VARCHAR(64)  NOT NULL DEFAULT '',
    project_id    VARCHAR(64)  NOT NULL DEFAULT '',
    issued_before DATETIME(6)  NOT NULL,
    expires_at    DATETIME(6)  NOT NULL,
    created_at    DATETIME(6)  NOT NULL,
    INDEX revocation_events_created_at (created_at),
    INDEX revocation_events_expires_at (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
