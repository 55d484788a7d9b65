-- Metadata definitions catalog ("Metadata definitions" in the Glance API reference), in
-- Glance's own shape: namespaces own objects, properties and tags, and are associated with
-- resource types. Integer ids order rows created in the same microsecond as Glance's do.
-- Property definitions and object property maps are JSON text.

-- +goose Up
CREATE TABLE metadef_namespaces (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace    TEXT    NOT NULL UNIQUE,
    display_name TEXT,
    description  TEXT,
    visibility   TEXT    NOT NULL,
    protected    INTEGER NOT NULL DEFAULT 0,
    owner        TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT
);
CREATE INDEX metadef_namespaces_owner ON metadef_namespaces (owner);

CREATE TABLE metadef_resource_types (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL UNIQUE,
    protected  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL,
    updated_at TEXT
);

CREATE TABLE metadef_namespace_resource_types (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id      INTEGER NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    resource_type_id  INTEGER NOT NULL REFERENCES metadef_resource_types (id),
    prefix            TEXT,
    properties_target TEXT,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT,
    UNIQUE (namespace_id, resource_type_id)
);
CREATE INDEX metadef_namespace_resource_types_rt ON metadef_namespace_resource_types (resource_type_id);

CREATE TABLE metadef_objects (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    description  TEXT,
    required     TEXT,
    properties   TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT,
    UNIQUE (namespace_id, name)
);

CREATE TABLE metadef_properties (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    json_schema  TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT,
    UNIQUE (namespace_id, name)
);

CREATE TABLE metadef_tags (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    namespace_id INTEGER NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    created_at   TEXT    NOT NULL,
    updated_at   TEXT,
    UNIQUE (namespace_id, name)
);

-- One row per seeded catalog: the standard set is loaded once per database.
CREATE TABLE metadef_seeds (
    name      TEXT NOT NULL PRIMARY KEY,
    seeded_at TEXT NOT NULL
);

-- +goose Down
DROP TABLE metadef_seeds;
DROP TABLE metadef_tags;
DROP TABLE metadef_properties;
DROP TABLE metadef_objects;
DROP TABLE metadef_namespace_resource_types;
DROP TABLE metadef_resource_types;
DROP TABLE metadef_namespaces;
