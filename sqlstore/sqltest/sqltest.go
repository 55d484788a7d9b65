// Package sqltest gives tests a throwaway PostgreSQL or MySQL/MariaDB database on a
// server named by an environment variable, and skips them (naming the variable) when it is
// unset. It is for tests only.
package sqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// The variables that name the test servers, as glimpse DSNs with any existing database:
//
//	GLIMPSE_TEST_POSTGRES_DSN=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
//	GLIMPSE_TEST_MYSQL_DSN=mysql://root@127.0.0.1:3306/mysql
const (
	PostgresEnv = "GLIMPSE_TEST_POSTGRES_DSN"
	MySQLEnv    = "GLIMPSE_TEST_MYSQL_DSN"
)

// ServerDSN returns the value of env, or skips the test naming the variable when it is
// unset.
func ServerDSN(t testing.TB, env string) string {
	t.Helper()
	dsn := os.Getenv(env)
	if dsn == "" {
		t.Skipf("set %s to run this test against a real server", env)
	}
	return dsn
}

// NewDatabase creates an empty database with a random name on the server of env (see
// ServerDSN, which skips when it is unset) and returns its glimpse DSN; the database is
// dropped when the test ends.
func NewDatabase(t testing.TB, env string) string {
	t.Helper()
	dsn, drop, err := CreateDatabase(context.Background(), ServerDSN(t, env), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return dsn
}

// CreateDatabase creates database name (a random "glimpse_test_…" when empty) on the
// server of serverDSN (postgres:// or mysql://) and returns its DSN and a function that
// drops it.
func CreateDatabase(ctx context.Context, serverDSN, name string) (dsn string, drop func() error, err error) {
	if name == "" {
		var b [6]byte
		rand.Read(b[:])
		name = "glimpse_test_" + hex.EncodeToString(b[:])
	}
	s, err := openServer(serverDSN, name)
	if err != nil {
		return "", nil, err
	}
	if _, err := s.db.ExecContext(ctx, s.create); err != nil {
		s.db.Close()
		return "", nil, fmt.Errorf("sqltest: create database %s: %w", name, err)
	}
	drop = func() error {
		defer s.db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := s.db.ExecContext(ctx, s.drop)
		return err
	}
	return s.dsn, drop, nil
}

// DropDatabase drops database name on the server of serverDSN if it exists.
func DropDatabase(ctx context.Context, serverDSN, name string) error {
	s, err := openServer(serverDSN, name)
	if err != nil {
		return err
	}
	defer s.db.Close()
	_, err = s.db.ExecContext(ctx, s.drop)
	return err
}

// DatabaseDSN returns the DSN of database name on the server of serverDSN.
func DatabaseDSN(serverDSN, name string) (string, error) {
	u, err := url.Parse(serverDSN)
	if err != nil {
		return "", fmt.Errorf("sqltest: bad server dsn: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// server is an administrative connection to a database server and the statements that
// create and drop one database on it.
type server struct {
	db                *sql.DB
	dsn, create, drop string
}

func openServer(serverDSN, name string) (*server, error) {
	u, err := url.Parse(serverDSN)
	if err != nil {
		return nil, fmt.Errorf("sqltest: bad server dsn: %w", err)
	}
	s := &server{}
	var driver, driverDSN string
	switch u.Scheme {
	case "postgres", "postgresql":
		driver, driverDSN = "pgx", serverDSN
		s.create = `CREATE DATABASE "` + name + `"`
		s.drop = `DROP DATABASE IF EXISTS "` + name + `" WITH (FORCE)`
	case "mysql":
		cfg := mysql.NewConfig()
		cfg.Net, cfg.Addr = "tcp", u.Host
		if u.Port() == "" {
			cfg.Addr += ":3306"
		}
		if u.User != nil {
			cfg.User = u.User.Username()
			cfg.Passwd, _ = u.User.Password()
		}
		driver, driverDSN = "mysql", cfg.FormatDSN()
		s.create = "CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		s.drop = "DROP DATABASE IF EXISTS `" + name + "`"
	default:
		return nil, fmt.Errorf("sqltest: server dsn scheme %q is neither postgres nor mysql", u.Scheme)
	}
	if s.db, err = sql.Open(driver, driverDSN); err != nil {
		return nil, fmt.Errorf("sqltest: %w", err)
	}
	u.Path = "/" + name
	s.dsn = u.String()
	return s, nil
}
