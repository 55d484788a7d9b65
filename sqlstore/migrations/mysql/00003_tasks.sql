-- Tasks (Glance's api_image_import tasks): the import worker claims a pending task by
-- moving it to processing with a lease (lease_owner, lease_until); input and result are
-- JSON text.

-- +goose Up
CREATE TABLE tasks (
    id          VARCHAR(64)  NOT NULL PRIMARY KEY,
    type        VARCHAR(64)  NOT NULL,
    status      VARCHAR(32)  NOT NULL,
    input       MEDIUMTEXT   NOT NULL,
    result      MEDIUMTEXT,
    message     TEXT         NOT NULL,
    owner       VARCHAR(64)  NOT NULL DEFAULT '',
    image_id    VARCHAR(64)  NOT NULL DEFAULT '',
    request_id  VARCHAR(64)  NOT NULL DEFAULT '',
    user_id     VARCHAR(64)  NOT NULL DEFAULT '',
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL,
    expires_at  DATETIME(6),
    lease_owner VARCHAR(128) NOT NULL DEFAULT '',
    lease_until DATETIME(6),
    INDEX tasks_image_id (image_id, created_at),
    INDEX tasks_status (status, created_at),
    INDEX tasks_created_at (created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE tasks;
