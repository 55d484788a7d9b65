-- Indexes that serve a page of GET /v2/images by keyset at a million images: a sort on
-- name, and equality filters on visibility, owner and status in the default order
-- (created_at desc, id desc), each read backwards.

-- +goose Up
CREATE INDEX images_name ON images (name, created_at, id);
DROP INDEX images_visibility;
DROP INDEX images_owner;
DROP INDEX images_status;
CREATE INDEX images_visibility ON images (visibility, created_at, id);
CREATE INDEX images_owner ON images (owner, created_at, id);
CREATE INDEX images_status ON images (status, created_at, id);

-- +goose Down
DROP INDEX images_status;
DROP INDEX images_owner;
DROP INDEX images_visibility;
DROP INDEX images_name;
CREATE INDEX images_owner ON images (owner);
CREATE INDEX images_visibility ON images (visibility);
CREATE INDEX images_status ON images (status);
