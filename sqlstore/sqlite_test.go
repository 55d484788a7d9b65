package sqlstore

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/glimpse-image/glimpse"
)

// TestSQLiteOpenDSN opens every DSN form, and reopens a database: migrations run once and
// the data stays.
func TestSQLiteOpenDSN(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{
		"sqlite://" + filepath.Join(dir, "abs", "a.db"), // sqlite:///abs/path
		"sqlite://rel/b.db",
		filepath.Join(dir, "c.db"),
		"d.db",
	} {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		img := mustCreateImage(t, db, &glimpse.Image{Name: ptr(dsn)})
		must(t, db.Close())

		db, err = Open(ctx, dsn)
		if err != nil {
			t.Fatalf("reopen %q: %v", dsn, err)
		}
		got, err := db.FindImageByID(ctx, img.ID)
		if err != nil || *got.Name != dsn {
			t.Errorf("%q after reopen: %+v, %v", dsn, got, err)
		}
		must(t, db.Close())
	}
	for _, f := range []string{"abs/a.db", "rel/b.db", "c.db", "d.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("database file %s: %v", f, err)
		}
	}
	for _, dsn := range []string{"", "oracle://u@127.0.0.1/db", "sqlite://", "mysql://u@127.0.0.1:1/"} {
		if db, err := Open(ctx, dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
}

// TestSQLiteTwoHandles updates one image from two DB handles on one file, as two glimpse
// processes sharing a database would: writers wait for each other, none fails or is lost.
func TestSQLiteTwoHandles(t *testing.T) {
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "shared.db")
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	img := mustCreateImage(t, dbs[0], &glimpse.Image{})
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := dbs[i%2].UpdateImage(ctx, img.ID, func(u *glimpse.Image) error {
				u.Tags = append(u.Tags, fmt.Sprint("t", i))
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	got, err := dbs[1].FindImageByID(ctx, img.ID)
	must(t, err)
	if len(got.Tags) != n {
		t.Errorf("%d tags after %d updates from two handles: %q", len(got.Tags), n, got.Tags)
	}
}
