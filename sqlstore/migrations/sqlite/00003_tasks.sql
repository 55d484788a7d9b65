-- Tasks (Glance's api_image_import tasks): the import worker claims a pending task by
-- moving it to processing with a lease (lease_owner, lease_until); input and result are
-- JSON text.

-- +goose Up
CREATE TABLE tasks (
    id          TEXT NOT NULL PRIMARY KEY,
    type        TEXT NOT NULL,
    status      TEXT NOT NULL,
    input       TEXT NOT NULL DEFAULT '{}',
    result      TEXT,
    message     TEXT NOT NULL DEFAULT '',
    owner       TEXT NOT NULL DEFAULT '',
    image_id    TEXT NOT NULL DEFAULT '',
    request_id  TEXT NOT NULL DEFAULT '',
    user_id     TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    expires_at  TEXT,
    lease_owner TEXT NOT NULL DEFAULT '',
    lease_until TEXT
);
CREATE INDEX tasks_image_id ON tasks (image_id, created_at);
CREATE INDEX tasks_status ON tasks (status, created_at);
CREATE INDEX tasks_created_at ON tasks (created_at, id);

-- +goose Down
DROP TABLE tasks;
