-- Free-text columns that hold user-supplied values of any length become LONGTEXT, as
-- unbounded as text on PostgreSQL and SQLite: TEXT holds at most 65,535 bytes (and
-- MEDIUMTEXT 16 MiB), and Glance accepts longer image property values, location
-- metadata and task input. The index on image_properties (name, value(255)) keeps its
-- prefix. MySQL only: the other dialects skip version 5.

-- +goose Up
ALTER TABLE image_properties MODIFY value LONGTEXT NOT NULL;
ALTER TABLE image_locations MODIFY url LONGTEXT NOT NULL, MODIFY metadata LONGTEXT NOT NULL;
ALTER TABLE domains MODIFY description LONGTEXT NOT NULL;
ALTER TABLE projects MODIFY description LONGTEXT NOT NULL;
ALTER TABLE roles MODIFY description LONGTEXT NOT NULL;
ALTER TABLE regions MODIFY description LONGTEXT NOT NULL;
ALTER TABLE services MODIFY description LONGTEXT NOT NULL;
ALTER TABLE endpoints MODIFY url LONGTEXT NOT NULL;
ALTER TABLE tasks MODIFY input LONGTEXT NOT NULL, MODIFY result LONGTEXT, MODIFY message LONGTEXT NOT NULL;
ALTER TABLE metadef_namespaces MODIFY description LONGTEXT;
ALTER TABLE metadef_objects MODIFY description LONGTEXT, MODIFY required LONGTEXT,
    MODIFY properties LONGTEXT NOT NULL;
ALTER TABLE metadef_properties MODIFY json_schema LONGTEXT NOT NULL;

-- +goose Down
ALTER TABLE metadef_properties MODIFY json_schema MEDIUMTEXT NOT NULL;
ALTER TABLE metadef_objects MODIFY description TEXT, MODIFY required TEXT,
    MODIFY properties MEDIUMTEXT NOT NULL;
ALTER TABLE metadef_namespaces MODIFY description TEXT;
ALTER TABLE tasks MODIFY input MEDIUMTEXT NOT NULL, MODIFY result MEDIUMTEXT, MODIFY message TEXT NOT NULL;
ALTER TABLE endpoints MODIFY url TEXT NOT NULL;
ALTER TABLE services MODIFY description TEXT NOT NULL;
ALTER TABLE regions MODIFY description TEXT NOT NULL;
ALTER TABLE roles MODIFY description TEXT NOT NULL;
ALTER TABLE projects MODIFY description TEXT NOT NULL;
ALTER TABLE domains MODIFY description TEXT NOT NULL;
ALTER TABLE image_locations MODIFY url TEXT NOT NULL, MODIFY metadata TEXT NOT NULL;
ALTER TABLE image_properties MODIFY value TEXT NOT NULL;
