// Package sqlstore implements glimpse.ImageService, glimpse.MemberService,
// glimpse.IdentityStore and glimpse.RevocationStore on database/sql.
//
// SQLite (modernc.org/sqlite, pure Go) is the only dialect implemented; everything that
// differs between databases lives in dialect.go, and each dialect has its own embedded
// goose migrations (migrations/<dialect>/). Every service method runs in one transaction:
// beginTx; defer rollback; …; commit.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// DB is a glimpse metadata database. It implements glimpse.ImageService,
// glimpse.MemberService, glimpse.IdentityStore and glimpse.RevocationStore and is safe for
// concurrent use.
type DB struct {
	db      *sql.DB
	dialect dialect
	now     func() time.Time // the clock; tests may replace it
}

// Open opens (creating it when missing) and migrates the database at dsn:
//
//	sqlite:///abs/path/glimpse.db   absolute path
//	sqlite://relative/path.db       path relative to the working directory
//	/any/path.db, path.db           a bare file path (SQLite)
//
// Anything after a "?" is passed on to the driver as extra DSN parameters.
// An unknown scheme is an error.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d, driverDSN, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open(d.driverName(), driverDSN)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	db := &DB{db: sqldb, dialect: d, now: time.Now}
	if err := sqldb.PingContext(ctx); err != nil {
		sqldb.Close()
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if err := db.migrate(ctx); err != nil {
		sqldb.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error { return db.db.Close() }

// parseDSN returns the dialect and the driver DSN of a glimpse DSN.
func parseDSN(dsn string) (dialect, string, error) {
	if dsn == "" {
		return 0, "", fmt.Errorf("sqlstore: empty database dsn")
	}
	rest := dsn
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		rest = strings.TrimPrefix(dsn, "sqlite://")
	case strings.HasPrefix(dsn, "sqlite:"):
		rest = strings.TrimPrefix(dsn, "sqlite:")
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return 0, "", fmt.Errorf("sqlstore: database scheme %q is not supported (only sqlite)", scheme)
	}
	path, query, _ := strings.Cut(rest, "?")
	if path == "" {
		return 0, "", fmt.Errorf("sqlstore: no database file in dsn %q", dsn)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return 0, "", fmt.Errorf("create database directory: %w", err)
		}
	}
	return dialectSQLite, sqliteDriverDSN(path, query), nil
}
