-- Tasks (Glance's api_image_import tasks): the import worker claims a pending task by
-- moving it to processing with a lease (lease_owner, lease_until); input and result are
-- JSON text.

-- +goose Up
CREATE TABLE tasks (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    type        TEXT COLLATE "C" NOT NULL,
    status      TEXT COLLATE "C" NOT NULL,
    input       TEXT NOT NULL DEFAULT '{}',
    result      TEXT,
    message     TEXT NOT NULL DEFAULT '',
    owner       TEXT COLLATE "C" NOT NULL DEFAULT '',
    image_id    TEXT COLLATE "C" NOT NULL DEFAULT '',
    request_id  TEXT COLLATE "C" NOT NULL DEFAULT '',
    user_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    lease_owner TEXT COLLATE "C" NOT NULL DEFAULT '',
    lease_until TIMESTAMPTZ
);
CREATE INDEX tasks_image_id ON tasks (image_id, created_at);
CREATE INDEX tasks_status ON tasks (status, created_at);
CREATE INDEX tasks_created_at ON tasks (created_at, id);

-- +goose Down
DROP TABLE tasks;
