// Package sqlstore implements glimpse.ImageService, glimpse.MemberService,
// glimpse.IdentityStore and glimpse.RevocationStore on database/sql, over SQLite
// (modernc.org/sqlite, pure Go), PostgreSQL (pgx) and MySQL/MariaDB (go-sql-driver/mysql).
// Everything that differs between databases lives in dialect.go, and each dialect has its
// own embedded goose migrations (migrations/<dialect>/). Every service method runs in one
// transaction: beginTx; defer rollback; …; commit.
//
// Several glimpse nodes may share one PostgreSQL or MySQL database: every write that reads
// before it writes locks the row it read (SELECT … FOR UPDATE), and migrations hold a
// database-wide lock (pg_advisory_lock, GET_LOCK), so nodes that start together do not
// migrate twice.
package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// DB is a glimpse metadata database. It implements glimpse.ImageService,
// glimpse.MemberService, glimpse.IdentityStore and glimpse.RevocationStore and is safe for
// concurrent use.
type DB struct {
	db      *sql.DB
	dialect dialect
	now     func() time.Time // the clock; tests may replace it
}

// Open opens (creating it when missing, for SQLite) and migrates the database at dsn:
//
//	sqlite:///abs/path/glimpse.db   absolute path
//	sqlite://relative/path.db       path relative to the working directory
//	/any/path.db, path.db           a bare file path (SQLite)
//	postgres://user:pass@host:5432/db?sslmode=disable   PostgreSQL (postgresql:// too)
//	mysql://user:pass@host:3306/db                     MySQL or MariaDB
//
// For SQLite, anything after a "?" is passed on to the driver as extra DSN parameters; a
// postgres:// URL goes to pgx as it is (its parameters are libpq's); the query of a
// mysql:// URL holds go-sql-driver/mysql parameters, except that parseTime, loc (UTC) and
// clientFoundRows are always set. The PostgreSQL or MySQL database must exist; Open
// creates its tables. An unknown scheme is an error.
func Open(ctx context.Context, dsn string) (*DB, error) {
	d, driverDSN, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	sqldb, err := sql.Open(d.driverName(), driverDSN)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", d, err)
	}
	if d != dialectSQLite {
		sqldb.SetMaxIdleConns(8)
		sqldb.SetConnMaxIdleTime(time.Minute)
		sqldb.SetConnMaxLifetime(30 * time.Minute)
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
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return dialectPostgres, dsn, nil
	case strings.HasPrefix(dsn, "mysql://"):
		driverDSN, err := mysqlDriverDSN(dsn)
		return dialectMySQL, driverDSN, err
	case strings.HasPrefix(dsn, "sqlite://"):
		rest = strings.TrimPrefix(dsn, "sqlite://")
	case strings.HasPrefix(dsn, "sqlite:"):
		rest = strings.TrimPrefix(dsn, "sqlite:")
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return 0, "", fmt.Errorf("sqlstore: database scheme %q is not supported (sqlite, postgres, mysql)", scheme)
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

// mysqlDriverDSN translates mysql://user:pass@host:port/db?params into the
// go-sql-driver/mysql form user:pass@tcp(host:port)/db?params, with times read as
// time.Time in UTC (parseTime, loc=UTC), RowsAffected counting matched rows
// (clientFoundRows), utf8mb4 and arguments interpolated client-side (interpolateParams).
func mysqlDriverDSN(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("sqlstore: bad mysql dsn: %w", err)
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return "", fmt.Errorf("sqlstore: no database name in mysql dsn")
	}
	params, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("sqlstore: bad mysql dsn parameters: %w", err)
	}
	if params.Get("charset") == "" {
		params.Set("charset", "utf8mb4")
	}
	cfg, err := mysql.ParseDSN("/?" + params.Encode())
	if err != nil {
		return "", fmt.Errorf("sqlstore: bad mysql dsn parameters: %w", err)
	}
	cfg.DBName = db
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = u.Host + ":3306"
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.ClientFoundRows = true
	// One round trip a query instead of prepare, execute and close (safe with utf8mb4).
	cfg.InterpolateParams = true
	return cfg.FormatDSN(), nil
}
