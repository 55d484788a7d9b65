package sqlstore

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// runTaskSuite runs the task store tests against databases from open.
func runTaskSuite(t *testing.T, open opener) {
	t.Run("TaskRoundTrip", func(t *testing.T) { testTaskRoundTrip(t, open) })
	t.Run("TaskClaimOnce", func(t *testing.T) { testTaskClaimOnce(t, open) })
	t.Run("TaskLease", func(t *testing.T) { testTaskLease(t, open) })
}

func TestTasksSQLite(t *testing.T) {
	runTaskSuite(t, func(t *testing.T) *DB {
		return openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "glimpse.db"))
	})
}

func TestTasksPostgres(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.PostgresEnv)
	runTaskSuite(t, func(t *testing.T) *DB { return openTestDB(t, sqltest.NewDatabase(t, sqltest.PostgresEnv)) })
}

func TestTasksMySQL(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.MySQLEnv)
	runTaskSuite(t, func(t *testing.T) *DB { return openTestDB(t, sqltest.NewDatabase(t, sqltest.MySQLEnv)) })
}

func newTask(imageID string) *glimpse.Task {
	return &glimpse.Task{
		Type: glimpse.TaskTypeImageImport, Status: glimpse.TaskStatusPending,
		Input: map[string]any{"image_id": imageID, "import_req": map[string]any{"method": map[string]any{"name": "glance-direct"}},
			"backend": []any{"file"}},
		Owner: "owner-1", ImageID: imageID, RequestID: "req-1", UserID: "user-1",
	}
}

func testTaskRoundTrip(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	a := newTask("image-a")
	must(t, db.CreateTask(ctx, a))
	if a.ID == "" || !a.CreatedAt.Equal(t0.Truncate(time.Microsecond)) {
		t.Fatalf("created task: id %q created_at %v", a.ID, a.CreatedAt)
	}
	got, err := db.FindTaskByID(ctx, a.ID)
	must(t, err)
	if !reflect.DeepEqual(got.Input, a.Input) || got.Result != nil || got.RequestID != "req-1" || got.Status != "pending" || got.ExpiresAt != nil {
		t.Fatalf("FindTaskByID = %+v, want %+v", got, a)
	}
	c.Set(t0.Add(time.Second))
	b := newTask("image-b")
	must(t, db.CreateTask(ctx, b))
	c.Set(t0.Add(2 * time.Second))
	a2 := newTask("image-a")
	must(t, db.CreateTask(ctx, a2))
	wantCode(t, db.CreateTask(ctx, &glimpse.Task{ID: a.ID, Type: "x", Status: "pending"}), glimpse.ECONFLICT)

	taskIDs := func(ts []*glimpse.Task) []string {
		var out []string
		for _, t := range ts {
			out = append(out, t.ID)
		}
		return out
	}
	list, err := db.FindTasks(ctx, glimpse.TaskFilter{ImageID: "image-a"})
	must(t, err)
	if want := []string{a2.ID, a.ID}; !reflect.DeepEqual(taskIDs(list), want) {
		t.Fatalf("tasks of image-a = %v, want %v (newest first)", taskIDs(list), want)
	}
	page, err := db.FindTasks(ctx, glimpse.TaskFilter{Limit: 2, Marker: a2.ID})
	must(t, err)
	if want := []string{b.ID, a.ID}; !reflect.DeepEqual(taskIDs(page), want) {
		t.Fatalf("page after %s = %v, want %v", a2.ID, taskIDs(page), want)
	}
	_, err = db.FindTasks(ctx, glimpse.TaskFilter{Marker: "nope"})
	wantCode(t, err, glimpse.EINVALID)

	exp := t0.Add(48 * time.Hour).Truncate(time.Microsecond)
	upd, err := db.UpdateTask(ctx, a.ID, func(t *glimpse.Task) error {
		t.Status = glimpse.TaskStatusFailure
		t.Message = "boom"
		t.Result = map[string]any{"image_id": "image-a"}
		t.ExpiresAt = &exp
		return nil
	})
	must(t, err)
	got, err = db.FindTaskByID(ctx, a.ID)
	must(t, err)
	if got.Status != "failure" || got.Message != "boom" || got.Result["image_id"] != "image-a" ||
		got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("after update: %+v", got)
	}
	_, err = db.UpdateTask(ctx, "nope", func(*glimpse.Task) error { return nil })
	wantCode(t, err, glimpse.ENOTFOUND)
	_, err = db.FindTaskByID(ctx, "nope")
	wantCode(t, err, glimpse.ENOTFOUND)
}

// testTaskClaimOnce has several workers claim from the same database at once: every task
// is claimed exactly once, and then nothing is left.
func testTaskClaimOnce(t *testing.T, open opener) {
	db := open(t)
	const tasks, workers = 12, 4
	for i := range tasks {
		must(t, db.CreateTask(ctx, newTask(fmt.Sprintf("image-%d", i))))
	}
	var mu sync.Mutex
	claimed := map[string]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("worker-%d", w)
			for {
				task, err := db.ClaimTask(ctx, name, time.Minute)
				if err != nil {
					errs <- err
					return
				}
				if task == nil {
					return
				}
				mu.Lock()
				if prev, dup := claimed[task.ID]; dup {
					errs <- fmt.Errorf("task %s claimed by %s and %s", task.ID, prev, name)
				}
				claimed[task.ID] = name
				mu.Unlock()
				if task.Status != glimpse.TaskStatusProcessing || task.LeaseOwner != name || task.LeaseUntil == nil {
					errs <- fmt.Errorf("claimed task %+v", task)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(claimed) != tasks {
		t.Fatalf("claimed %d tasks, want %d", len(claimed), tasks)
	}
	left, err := db.FindTasks(ctx, glimpse.TaskFilter{Status: glimpse.TaskStatusPending})
	must(t, err)
	if len(left) != 0 {
		t.Fatalf("%d tasks still pending", len(left))
	}
}

func testTaskLease(t *testing.T, open opener) {
	db := open(t)
	c := useClock(db, t0)
	task := newTask("image-a")
	must(t, db.CreateTask(ctx, task))
	got, err := db.ClaimTask(ctx, "w1", time.Minute)
	must(t, err)
	if got == nil || got.ID != task.ID {
		t.Fatalf("claim = %+v", got)
	}
	none, err := db.ClaimTask(ctx, "w2", time.Minute)
	must(t, err)
	if none != nil {
		t.Fatalf("second claim got %s, want none", none.ID)
	}
	c.Set(t0.Add(50 * time.Second))
	must(t, db.RenewLease(ctx, task.ID, "w1", time.Minute)) // now until t0+110s
	wantCode(t, db.RenewLease(ctx, task.ID, "w2", time.Minute), glimpse.ECONFLICT)
	c.Set(t0.Add(100 * time.Second))
	expired, err := db.FindExpiredTasks(ctx)
	must(t, err)
	if len(expired) != 0 {
		t.Fatalf("expired before the lease ended: %d", len(expired))
	}
	c.Set(t0.Add(111 * time.Second))
	expired, err = db.FindExpiredTasks(ctx)
	must(t, err)
	if len(expired) != 1 || expired[0].ID != task.ID {
		t.Fatalf("expired = %v, want the task", expired)
	}
	_, err = db.UpdateTask(ctx, task.ID, func(t *glimpse.Task) error {
		t.Status = glimpse.TaskStatusFailure
		return nil
	})
	must(t, err)
	wantCode(t, db.RenewLease(ctx, task.ID, "w1", time.Minute), glimpse.ECONFLICT)
	expired, err = db.FindExpiredTasks(ctx)
	must(t, err)
	if len(expired) != 0 {
		t.Fatalf("a failed task is still expired: %d", len(expired))
	}
}
