-- Keystone's other attributes of users and projects (a user's email or description, any
-- attribute a client adds) as a JSON object, and a project's tags as a JSON list; NULL is
-- none. Keystone returns them with the resource and filters projects on tags.

-- +goose Up
ALTER TABLE users ADD COLUMN extra TEXT;
ALTER TABLE projects ADD COLUMN extra TEXT;
ALTER TABLE projects ADD COLUMN tags TEXT;

-- +goose Down
ALTER TABLE projects DROP COLUMN tags;
ALTER TABLE projects DROP COLUMN extra;
ALTER TABLE users DROP COLUMN extra;
