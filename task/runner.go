package task

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Defaults of Runner.
const (
	DefaultWorkers = 2
	DefaultLease   = time.Minute
	DefaultPoll    = 2 * time.Second
)

// Executor runs claimed tasks; *Importer is one.
type Executor interface {
	// Execute runs t, leased to worker, to its end and records its outcome.
	Execute(ctx context.Context, t *glimpse.Task, worker string)
	// Abandon fails t, whose worker stopped, taking it over as worker.
	Abandon(ctx context.Context, t *glimpse.Task, worker string)
}

// Runner executes pending tasks in the background: at most Workers at once, each claimed
// in the database with a lease that it renews every Lease/3 while it runs. It looks for
// pending tasks when notified and every Poll (tasks recorded by other nodes), and fails
// tasks whose lease ran out (their worker died) at start and then every Lease/2. At start
// it also fails the tasks still leased to its own ID, which a stable ID (one per node,
// e.g. host and listen address) makes the tasks of this node's previous, crashed process.
type Runner struct {
	Tasks   glimpse.TaskService
	Exec    Executor
	Workers int           // 0: DefaultWorkers
	Lease   time.Duration // 0: DefaultLease
	Poll    time.Duration // 0: DefaultPoll
	// ID names this runner in task leases; it should be stable across restarts of one
	// node and unique among nodes. Empty: host name, pid and a random suffix.
	ID     string
	Logger *slog.Logger

	once sync.Once
	wake chan struct{}
}

func (r *Runner) init() {
	r.once.Do(func() {
		r.wake = make(chan struct{}, 1)
		if r.Workers <= 0 {
			r.Workers = DefaultWorkers
		}
		if r.Lease <= 0 {
			r.Lease = DefaultLease
		}
		if r.Poll <= 0 {
			r.Poll = DefaultPoll
		}
		if r.ID == "" {
			host, _ := os.Hostname()
			b := make([]byte, 4)
			rand.Read(b)
			r.ID = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
		}
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
	})
}

// Notify wakes the runner to look for pending tasks now. It never blocks.
func (r *Runner) Notify() {
	r.init()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run executes tasks until ctx is done, then waits for the running ones: they see ctx
// cancelled, fail, and roll their images back before Run returns.
func (r *Runner) Run(ctx context.Context) {
	r.init()
	log := r.Logger.With(slog.String("worker", r.ID))
	log.InfoContext(ctx, "task runner started", slog.Int("workers", r.Workers))
	slots := make(chan struct{}, r.Workers)
	var wg sync.WaitGroup
	defer wg.Wait()

	r.recoverOwn(ctx, log)
	r.recoverExpired(ctx, log)
	lastRecovery := time.Now()
	poll := time.NewTicker(r.Poll)
	defer poll.Stop()
	for {
		// Claim while there are free workers and pending tasks.
		for len(slots) < cap(slots) && ctx.Err() == nil {
			t, err := r.Tasks.ClaimTask(ctx, r.ID, r.Lease)
			if err != nil {
				if ctx.Err() == nil {
					log.ErrorContext(ctx, "cannot claim a task", slog.Any("error", err))
				}
				break
			}
			if t == nil {
				break
			}
			slots <- struct{}{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots; r.Notify() }()
				r.runOne(ctx, t, log)
			}()
		}
		select {
		case <-ctx.Done():
			log.Info("task runner stopping: waiting for running tasks")
			return
		case <-r.wake:
		case <-poll.C:
		}
		if time.Since(lastRecovery) > r.Lease/2 {
			r.recoverExpired(ctx, log)
			lastRecovery = time.Now()
		}
	}
}

// runOne executes t while renewing its lease; losing the lease cancels the execution.
func (r *Runner) runOne(ctx context.Context, t *glimpse.Task, log *slog.Logger) {
	tctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(r.Lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tctx.Done():
				return
			case <-tick.C:
				err := r.Tasks.RenewLease(context.WithoutCancel(tctx), t.ID, r.ID, r.Lease)
				if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
					log.WarnContext(tctx, "task lease lost; stopping it", slog.String("task_id", t.ID))
					cancel()
					return
				} else if err != nil {
					log.ErrorContext(tctx, "cannot renew a task lease", slog.String("task_id", t.ID), slog.Any("error", err))
				}
			}
		}
	}()
	r.Exec.Execute(tctx, t, r.ID)
	close(done)
}

// recoverExpired fails the tasks whose worker's lease ran out.
func (r *Runner) recoverExpired(ctx context.Context, log *slog.Logger) {
	expired, err := r.Tasks.FindExpiredTasks(ctx)
	if err != nil {
		if ctx.Err() == nil {
			log.ErrorContext(ctx, "cannot look for abandoned tasks", slog.Any("error", err))
		}
		return
	}
	for _, t := range expired {
		log.WarnContext(ctx, "failing an import task abandoned by a stopped worker", slog.String("task_id", t.ID),
			slog.String("image_id", t.ImageID), slog.String("lease_owner", t.LeaseOwner))
		r.Exec.Abandon(ctx, t, r.ID)
	}
}

// recoverOwn fails the tasks leased to this runner's ID at start: their worker was this
// node's previous process, which stopped without finishing them.
func (r *Runner) recoverOwn(ctx context.Context, log *slog.Logger) {
	processing, err := r.Tasks.FindTasks(ctx, glimpse.TaskFilter{Status: glimpse.TaskStatusProcessing})
	if err != nil {
		log.ErrorContext(ctx, "cannot look for this node's interrupted tasks", slog.Any("error", err))
		return
	}
	for _, t := range processing {
		if t.LeaseOwner == r.ID {
			log.WarnContext(ctx, "failing an import task interrupted by this node's previous process",
				slog.String("task_id", t.ID), slog.String("image_id", t.ImageID))
			r.Exec.Abandon(ctx, t, r.ID)
		}
	}
}
