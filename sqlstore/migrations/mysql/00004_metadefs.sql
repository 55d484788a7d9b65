-- Metadata definitions catalog ("Metadata definitions" in the Glance API reference), in
-- Glance's own shape: namespaces own objects, properties and tags, and are associated with
-- resource types. Integer ids order rows created in the same microsecond as Glance's do.
-- Property definitions and object property maps are JSON text. Names are VARCHAR(80) and
-- owners VARCHAR(255), Glance's limits.

-- +goose Up
CREATE TABLE metadef_namespaces (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    namespace    VARCHAR(80)  NOT NULL,
    display_name VARCHAR(80),
    description  TEXT,
    visibility   VARCHAR(32)  NOT NULL,
    protected    BOOLEAN      NOT NULL DEFAULT false,
    owner        VARCHAR(255) NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    updated_at   DATETIME(6),
    UNIQUE KEY metadef_namespaces_namespace (namespace),
    INDEX metadef_namespaces_owner (owner)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE metadef_resource_types (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name       VARCHAR(80) NOT NULL,
    protected  BOOLEAN     NOT NULL DEFAULT false,
    created_at DATETIME(6) NOT NULL,
    updated_at DATETIME(6),
    UNIQUE KEY metadef_resource_types_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE metadef_namespace_resource_types (
    id                BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    namespace_id      BIGINT      NOT NULL,
    resource_type_id  BIGINT      NOT NULL,
    prefix            VARCHAR(80),
    properties_target VARCHAR(80),
    created_at        DATETIME(6) NOT NULL,
    updated_at        DATETIME(6),
    UNIQUE KEY metadef_namespace_resource_types_ns_rt (namespace_id, resource_type_id),
    INDEX metadef_namespace_resource_types_rt (resource_type_id),
    FOREIGN KEY (namespace_id) REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    FOREIGN KEY (resource_type_id) REFERENCES metadef_resource_types (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE metadef_objects (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    namespace_id BIGINT      NOT NULL,
    name         VARCHAR(80) NOT NULL,
    description  TEXT,
    required     TEXT,
    properties   MEDIUMTEXT  NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6),
    UNIQUE KEY metadef_objects_namespace_name (namespace_id, name),
    FOREIGN KEY (namespace_id) REFERENCES metadef_namespaces (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE metadef_properties (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    namespace_id BIGINT      NOT NULL,
    name         VARCHAR(80) NOT NULL,
    json_schema  MEDIUMTEXT  NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6),
    UNIQUE KEY metadef_properties_namespace_name (namespace_id, name),
    FOREIGN KEY (namespace_id) REFERENCES metadef_namespaces (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE metadef_tags (
    id           BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    namespace_id BIGINT      NOT NULL,
    name         VARCHAR(80) NOT NULL,
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6),
    UNIQUE KEY metadef_tags_namespace_name (namespace_id, name),
    FOREIGN KEY (namespace_id) REFERENCES metadef_namespaces (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per seeded catalog: the standard set is loaded once per database.
CREATE TABLE metadef_seeds (
    name      VARCHAR(64) NOT NULL PRIMARY KEY,
    seeded_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE metadef_seeds;
DROP TABLE metadef_tags;
DROP TABLE metadef_properties;
DROP TABLE metadef_objects;
DROP TABLE metadef_namespace_resource_types;
DROP TABLE metadef_resource_types;
DROP TABLE metadef_namespaces;
