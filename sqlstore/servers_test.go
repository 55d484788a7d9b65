package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// TestOpenConcurrentMigrations opens one fresh PostgreSQL and one fresh MySQL database
// from several handles at once, as nodes starting together do: the migration lock lets
// exactly one migrate and the others find the schema ready; all of them work.
func TestOpenConcurrentMigrations(t *testing.T) {
	for _, env := range []string{sqltest.PostgresEnv, sqltest.MySQLEnv} {
		t.Run(env, func(t *testing.T) {
			dsn := sqltest.NewDatabase(t, env)
			const n = 4
			dbs := make([]*DB, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					dbs[i], errs[i] = Open(ctx, dsn)
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Open %d of %d at once: %v", i, n, err)
				}
				t.Cleanup(func() { dbs[i].Close() })
			}
			img := mustCreateImage(t, dbs[0], &glimpse.Image{Name: ptr("shared")})
			for i, db := range dbs {
				got, err := db.FindImageByID(ctx, img.ID)
				if err != nil || *got.Name != "shared" {
					t.Errorf("handle %d: %+v, %v", i, got, err)
				}
			}
		})
	}
}

// TestMySQLDriverDSN translates mysql:// URLs into the driver's form with the parameters
// the store depends on.
func TestMySQLDriverDSN(t *testing.T) {
	for dsn, want := range map[string][]string{
		"mysql://root@127.0.0.1/glimpse":                         {"root@tcp(127.0.0.1:3306)/glimpse?", "parseTime=true", "clientFoundRows=true", "charset=utf8mb4"},
		"mysql://u:p%40ss@db.example:3307/g?timeout=5s":          {"u:p@ss@tcp(db.example:3307)/g?", "timeout=5s", "parseTime=true"},
		"mysql://u@[::1]:3306/g?charset=utf8mb4&parseTime=false": {"u@tcp([::1]:3306)/g?", "parseTime=true"},
	} {
		got, err := mysqlDriverDSN(dsn)
		if err != nil {
			t.Errorf("%s: %v", dsn, err)
			continue
		}
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s → %s, want it to contain %q", dsn, got, w)
			}
		}
		if strings.Contains(got, "loc=") && !strings.Contains(got, "loc=UTC") {
			t.Errorf("%s → %s: times not read in UTC", dsn, got)
		}
	}
	for _, bad := range []string{"mysql://u@h/", "mysql://u@h", "mysql://u@h/db?bogus_param=%zz"} {
		if got, err := mysqlDriverDSN(bad); err == nil {
			t.Errorf("%s → %s, want an error", bad, got)
		}
	}
}

// TestLocked runs fn under one lock name from two handles of one database at once, each
// holding it a while: the runs never overlap, and a second name is not blocked by the first.
func TestLocked(t *testing.T) {
	dsns := map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "lock.db") },
		"postgres": func(t *testing.T) string { return sqltest.NewDatabase(t, sqltest.PostgresEnv) },
		"mysql":    func(t *testing.T) string { return sqltest.NewDatabase(t, sqltest.MySQLEnv) },
	}
	for name, newDSN := range dsns {
		t.Run(name, func(t *testing.T) {
			dsn := newDSN(t)
			a, b := openTestDB(t, dsn), openTestDB(t, dsn)
			var inside, overlaps, runs atomic.Int32
			var wg sync.WaitGroup
			for i := range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db := []*DB{a, b}[i%2]
					err := db.Locked(ctx, "bootstrap", func(context.Context) error {
						if inside.Add(1) > 1 {
							overlaps.Add(1)
						}
						// The other name is free meanwhile.
						if err := db.Locked(ctx, "other", func(context.Context) error { return nil }); err != nil {
							t.Error(err)
						}
						time.Sleep(20 * time.Millisecond)
						runs.Add(1)
						inside.Add(-1)
						return nil
					})
					if err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if overlaps.Load() != 0 || runs.Load() != 6 {
				t.Errorf("%d runs, %d overlapping under one lock", runs.Load(), overlaps.Load())
			}
		})
	}
}
