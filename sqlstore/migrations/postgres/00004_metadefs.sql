-- Metadata definitions catalog ("Metadata definitions" in the Glance API reference), in
-- Glance's own shape: namespaces own objects, properties and tags, and are associated with
-- resource types. Integer ids order rows created in the same microsecond as Glance's do.
-- Property definitions and object property maps are JSON text.

-- +goose Up
CREATE TABLE metadef_namespaces (
    id           BIGSERIAL PRIMARY KEY,
    namespace    TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT COLLATE "C",
    description  TEXT,
    visibility   TEXT COLLATE "C" NOT NULL,
    protected    BOOLEAN NOT NULL DEFAULT false,
    owner        TEXT COLLATE "C" NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ
);
CREATE INDEX metadef_namespaces_owner ON metadef_namespaces (owner);

CREATE TABLE metadef_resource_types (
    id         BIGSERIAL PRIMARY KEY,
    name       TEXT COLLATE "C" NOT NULL UNIQUE,
    protected  BOOLEAN NOT NULL DEFAULT false,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ
);

CREATE TABLE metadef_namespace_resource_types (
    id                BIGSERIAL PRIMARY KEY,
    namespace_id      BIGINT NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    resource_type_id  BIGINT NOT NULL REFERENCES metadef_resource_types (id),
    prefix            TEXT COLLATE "C",
    properties_target TEXT COLLATE "C",
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ,
    UNIQUE (namespace_id, resource_type_id)
);
CREATE INDEX metadef_namespace_resource_types_rt ON metadef_namespace_resource_types (resource_type_id);

CREATE TABLE metadef_objects (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    description  TEXT,
    required     TEXT,
    properties   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ,
    UNIQUE (namespace_id, name)
);

CREATE TABLE metadef_properties (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    json_schema  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ,
    UNIQUE (namespace_id, name)
);

CREATE TABLE metadef_tags (
    id           BIGSERIAL PRIMARY KEY,
    namespace_id BIGINT NOT NULL REFERENCES metadef_namespaces (id) ON DELETE CASCADE,
    name         TEXT COLLATE "C" NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ,
    UNIQUE (namespace_id, name)
);

-- One row per seeded catalog: the standard set is loaded once per database.
CREATE TABLE metadef_seeds (
    name      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    seeded_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE metadef_seeds;
DROP TABLE metadef_tags;
DROP TABLE metadef_properties;
DROP TABLE metadef_objects;
DROP TABLE metadef_namespace_resource_types;
DROP TABLE metadef_resource_types;
DROP TABLE metadef_namespaces;
