package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestDatabaseFilesArePrivate: the SQLite database and its -wal and -shm files are
// readable by their owner only, for a new database and for one made before with a laxer mode.
func TestDatabaseFilesArePrivate(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old.db")
	for _, path := range []string{filepath.Join(dir, "new.db"), old} {
		if path == old {
			if err := os.WriteFile(old, nil, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		db, err := openDatabase(context.Background(), &Config{Database: "sqlite://" + path})
		if err != nil {
			t.Fatal(err)
		}
		// A write makes SQLite create the -wal and -shm files.
		if _, err := db.FindImageByID(context.Background(), "nope"); err == nil {
			t.Fatal("found an image in an empty database")
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			info, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
				continue
			}
			if mode := info.Mode().Perm(); mode != 0o600 {
				t.Errorf("%s has mode %o, want 600", filepath.Base(p), mode)
			}
		}
		db.Close()
	}
}
