package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations
var migrationFS embed.FS

// migrate applies the dialect's pending migrations (goose Provider API, table
// goose_db_version). On PostgreSQL and MySQL it holds a database-wide lock meanwhile, so
// that several nodes starting at once migrate one after the other: the first applies the
// migrations, the others find nothing left to do.
func (db *DB) migrate(ctx context.Context) error {
	fsys, err := db.dialect.migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if l := db.dialect.migrationLocker(); l != nil {
		opts = append(opts, goose.WithSessionLocker(l))
	}
	p, err := goose.NewProvider(db.dialect.gooseDialect(), db.db, fsys, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s database: %w", db.dialect, err)
	}
	return nil
}

// migrationLockName names the lock that migrations hold; migrationLockID is its
// PostgreSQL advisory-lock key (a fixed number: "glim" in ASCII).
const (
	migrationLockName = "glimpse_migrate"
	migrationLockID   = 0x676c696d
)

// migrationLocker returns the session lock migrations hold, or nil (SQLite: its write
// transactions already exclude each other). The lock waits up to 5 minutes.
func (d dialect) migrationLocker() lock.SessionLocker {
	switch d {
	case dialectPostgres:
		return sessionLocker{
			// pg_advisory_lock waits as long as it takes; the statement timeout bounds it.
			setup:  "SET statement_timeout = '300s'",
			lock:   "SELECT true FROM pg_advisory_lock($1)",
			reset:  "SET statement_timeout = DEFAULT",
			unlock: "SELECT pg_advisory_unlock($1)",
			arg:    int64(migrationLockID),
		}
	case dialectMySQL:
		return sessionLocker{
			lock:   "SELECT COALESCE(GET_LOCK(?, 300), 0) = 1",
			unlock: "SELECT COALESCE(RELEASE_LOCK(?), 0) = 1",
			arg:    migrationLockName,
		}
	}
	return nil
}

// sessionLocker is a goose lock.SessionLocker that runs one blocking lock query, which
// returns whether it got the lock, and one unlock query.
type sessionLocker struct {
	setup, reset string // optional statements around the lock query
	lock, unlock string
	arg          any
}

func (l sessionLocker) SessionLock(ctx context.Context, conn *sql.Conn) error {
	if l.setup != "" {
		if _, err := conn.ExecContext(ctx, l.setup); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
	}
	var held bool
	if err := conn.QueryRowContext(ctx, l.lock, l.arg).Scan(&held); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	} else if !held {
		return fmt.Errorf("migration lock %s: not acquired in 5 minutes", migrationLockName)
	}
	if l.reset != "" {
		if _, err := conn.ExecContext(ctx, l.reset); err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
	}
	return nil
}

func (l sessionLocker) SessionUnlock(ctx context.Context, conn *sql.Conn) error {
	var released bool
	if err := conn.QueryRowContext(ctx, l.unlock, l.arg).Scan(&released); err != nil {
		return fmt.Errorf("migration unlock: %w", err)
	} else if !released {
		return fmt.Errorf("migration unlock %s: the lock was not held", migrationLockName)
	}
	return nil
}
