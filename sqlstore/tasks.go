package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/google/uuid"
)

var _ glimpse.TaskService = (*DB)(nil)

const taskColumns = "id, type, status, input, result, message, owner, image_id, request_id, user_id, created_at, updated_at, expires_at, lease_owner, lease_until"

// CreateTask stores t, setting ID (a new UUID when empty), CreatedAt and UpdatedAt.
// ECONFLICT for a duplicate id.
func (db *DB) CreateTask(ctx context.Context, t *glimpse.Task) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if t.ID == "" {
		t.ID = uuid.NewString()
	}
	t.CreatedAt, t.UpdatedAt = tx.now, tx.now
	args, err := taskArgs(tx.d, t)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, "INSERT INTO tasks ("+taskColumns+") VALUES ("+placeholders(15)+")", args...)
	if tx.d.isUniqueViolation(err) {
		return glimpse.Errorf(glimpse.ECONFLICT, "Task with identifier %s already exists.", t.ID)
	} else if err != nil {
		return fmt.Errorf("insert task: %w", err)
	}
	return tx.commit()
}

// FindTaskByID returns the task; ENOTFOUND when there is none.
func (db *DB) FindTaskByID(ctx context.Context, id string) (*glimpse.Task, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findTask(ctx, tx, id, false)
}

// FindTasks returns the tasks matching f, newest first (created_at desc, id desc).
// EINVALID when f.Marker names no task.
func (db *DB) FindTasks(ctx context.Context, f glimpse.TaskFilter) ([]*glimpse.Task, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var where []string
	var args []any
	for _, c := range []struct{ col, v string }{{"image_id", f.ImageID}, {"owner", f.Owner}, {"status", f.Status}, {"type", f.Type}} {
		if c.v != "" {
			where = append(where, c.col+" = ?")
			args = append(args, c.v)
		}
	}
	if f.Marker != "" {
		m, err := findTask(ctx, tx, f.Marker, false)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid marker. Task %s could not be found.", f.Marker)
		} else if err != nil {
			return nil, err
		}
		where = append(where, "(created_at < ? OR (created_at = ? AND id < ?))")
		args = append(args, tx.d.timeArg(m.CreatedAt), tx.d.timeArg(m.CreatedAt), m.ID)
	}
	q := "SELECT " + taskColumns + " FROM tasks"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY created_at DESC, id DESC"
	if f.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	out := []*glimpse.Task{}
	err = eachRow(ctx, tx, q, args, func(rows *sql.Rows) error {
		t, err := scanTask(rows)
		if err != nil {
			return err
		}
		out = append(out, t)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select tasks: %w", err)
	}
	return out, nil
}

// UpdateTask reads the task (locking its row), calls fn and writes the result back in the
// same transaction; UpdatedAt is set by the store. ENOTFOUND when there is no such task;
// an error from fn is returned as is.
func (db *DB) UpdateTask(ctx context.Context, id string, fn func(t *glimpse.Task) error) (*glimpse.Task, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	t, err := findTask(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	if err := fn(t); err != nil {
		return nil, err
	}
	t.ID = id
	t.UpdatedAt = tx.now
	if err := writeTask(ctx, tx, t); err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return t, nil
}

// ClaimTask moves the oldest pending task to processing, leased to worker for lease, and
// returns it; nil, nil when no task is pending. The claim is a conditional UPDATE
// (… WHERE status = 'pending'), so of several workers racing for a task, on any node,
// exactly one wins; the losers try the next candidate.
func (db *DB) ClaimTask(ctx context.Context, worker string, lease time.Duration) (*glimpse.Task, error) {
	for attempt := 0; attempt < 5; attempt++ {
		t, err := db.claimOnce(ctx, worker, lease)
		if err != nil || t != nil {
			return t, err
		}
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil, ctx.Err()
		}
	}
	return nil, nil
}

var errLostRace = errors.New("sqlstore: task claimed by another worker")

func (db *DB) claimOnce(ctx context.Context, worker string, lease time.Duration) (*glimpse.Task, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var id string
	err = tx.queryRow(ctx, "SELECT id FROM tasks WHERE status = ? ORDER BY created_at, id LIMIT 1", glimpse.TaskStatusPending).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("select pending task: %w", err)
	}
	until := tx.now.Add(lease)
	n, err := tx.execAffected(ctx, "UPDATE tasks SET status = ?, lease_owner = ?, lease_until = ?, updated_at = ? WHERE id = ? AND status = ?",
		glimpse.TaskStatusProcessing, worker, tx.d.timeArg(until), tx.d.timeArg(tx.now), id, glimpse.TaskStatusPending)
	if err != nil {
		return nil, fmt.Errorf("claim task: %w", err)
	}
	if n == 0 {
		return nil, nil // another worker won; the caller looks again
	}
	t, err := findTask(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return t, nil
}

// RenewLease extends the lease of the processing task id held by worker to now+lease.
// ECONFLICT when the task is not processing under that worker any more.
func (db *DB) RenewLease(ctx context.Context, id, worker string, lease time.Duration) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	n, err := tx.execAffected(ctx, "UPDATE tasks SET lease_until = ? WHERE id = ? AND status = ? AND lease_owner = ?",
		tx.d.timeArg(tx.now.Add(lease)), id, glimpse.TaskStatusProcessing, worker)
	if err != nil {
		return fmt.Errorf("renew task lease: %w", err)
	}
	if n == 0 {
		return glimpse.Errorf(glimpse.ECONFLICT, "Task %s is not held by %s.", id, worker)
	}
	return tx.commit()
}

// FindExpiredTasks returns the processing tasks whose lease ended before now, oldest first.
func (db *DB) FindExpiredTasks(ctx context.Context) ([]*glimpse.Task, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := []*glimpse.Task{}
	err = eachRow(ctx, tx, "SELECT "+taskColumns+" FROM tasks WHERE status = ? AND (lease_until IS NULL OR lease_until < ?) ORDER BY created_at, id",
		[]any{glimpse.TaskStatusProcessing, tx.d.timeArg(tx.now)}, func(rows *sql.Rows) error {
			t, err := scanTask(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("select expired tasks: %w", err)
	}
	return out, nil
}

func findTask(ctx context.Context, tx *tx, id string, lock bool) (*glimpse.Task, error) {
	if !tx.d.canStore(id) {
		return nil, taskNotFound(id) // as queryRow does for other lookups
	}
	q := "SELECT " + taskColumns + " FROM tasks WHERE id = ?"
	if lock {
		q += tx.d.forUpdate()
	}
	rows, err := tx.query(ctx, q, id)
	if err != nil {
		return nil, fmt.Errorf("select task: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("select task: %w", err)
		}
		return nil, taskNotFound(id)
	}
	t, err := scanTask(rows)
	if err != nil {
		return nil, fmt.Errorf("select task: %w", err)
	}
	return t, nil
}

func writeTask(ctx context.Context, tx *tx, t *glimpse.Task) error {
	args, err := taskArgs(tx.d, t)
	if err != nil {
		return err
	}
	// args: id first, then the other columns in taskColumns order.
	_, err = tx.exec(ctx, "UPDATE tasks SET type = ?, status = ?, input = ?, result = ?, message = ?, owner = ?, image_id = ?, request_id = ?, user_id = ?, created_at = ?, updated_at = ?, expires_at = ?, lease_owner = ?, lease_until = ? WHERE id = ?",
		append(args[1:], args[0])...)
	if err != nil {
		return fmt.Errorf("update task: %w", err)
	}
	return nil
}

// taskArgs returns the column values of t in taskColumns order.
func taskArgs(d dialect, t *glimpse.Task) ([]any, error) {
	input := t.Input
	if input == nil {
		input = map[string]any{}
	}
	in, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("task input: %w", err)
	}
	var result any
	if t.Result != nil {
		b, err := json.Marshal(t.Result)
		if err != nil {
			return nil, fmt.Errorf("task result: %w", err)
		}
		result = string(b)
	}
	return []any{t.ID, t.Type, t.Status, string(in), result, t.Message, t.Owner, t.ImageID, t.RequestID, t.UserID,
		d.timeArg(t.CreatedAt), d.timeArg(t.UpdatedAt), d.nullTimeArg(t.ExpiresAt), t.LeaseOwner, d.nullTimeArg(t.LeaseUntil)}, nil
}

func scanTask(rows *sql.Rows) (*glimpse.Task, error) {
	var t glimpse.Task
	var input string
	var result sql.NullString
	if err := rows.Scan(&t.ID, &t.Type, &t.Status, &input, &result, &t.Message, &t.Owner, &t.ImageID, &t.RequestID, &t.UserID,
		timeScan{&t.CreatedAt}, timeScan{&t.UpdatedAt}, nullTimeScan{&t.ExpiresAt}, &t.LeaseOwner, nullTimeScan{&t.LeaseUntil}); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(input), &t.Input); err != nil {
		return nil, fmt.Errorf("task %s input: %w", t.ID, err)
	}
	if result.Valid {
		if err := json.Unmarshal([]byte(result.String), &t.Result); err != nil {
			return nil, fmt.Errorf("task %s result: %w", t.ID, err)
		}
	}
	return &t, nil
}

func taskNotFound(id string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "Task with identifier %s not found", id)
}
