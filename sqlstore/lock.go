package sqlstore

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"
)

// Locked runs fn while holding the database-wide lock called name, so that nodes sharing
// the database run fn one at a time: for work that reads and then creates several rows
// whose absence it checked first, such as the first-start bootstrap of the identity
// objects, which two nodes starting together would otherwise both create.
//
// PostgreSQL uses a session advisory lock (pg_advisory_lock on a 64-bit hash of name),
// MySQL GET_LOCK(name); both are released if the process dies. On SQLite the lock only
// excludes the handles of this process. Waiting is bounded by ctx and, on MySQL, by 300 s.
// fn's own queries run on other connections of the pool, as usual.
func (db *DB) Locked(ctx context.Context, name string, fn func(ctx context.Context) error) error {
	if db.dialect == dialectSQLite {
		mu := processLock(name)
		mu.Lock()
		defer mu.Unlock()
		return fn(ctx)
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Close()
	var held bool
	switch db.dialect {
	case dialectPostgres:
		err = conn.QueryRowContext(ctx, "SELECT true FROM pg_advisory_lock($1)", lockKey(name)).Scan(&held)
	case dialectMySQL:
		err = conn.QueryRowContext(ctx, "SELECT COALESCE(GET_LOCK(?, 300), 0) = 1", name).Scan(&held)
	}
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	} else if !held {
		return fmt.Errorf("lock %s: not acquired in 300 s", name)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx is done. Closing the
		// connection would release it too, but it goes back to the pool instead.
		switch db.dialect {
		case dialectPostgres:
			conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", lockKey(name))
		case dialectMySQL:
			conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK(?)", name)
		}
	}()
	return fn(ctx)
}

// lockKey is the PostgreSQL advisory-lock key of a lock name.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte("glimpse:" + name))
	return int64(h.Sum64())
}

var processLocks sync.Map // name → *sync.Mutex

func processLock(name string) *sync.Mutex {
	mu, _ := processLocks.LoadOrStore(name, &sync.Mutex{})
	return mu.(*sync.Mutex)
}
