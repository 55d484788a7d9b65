package sqlstore

import (
	"path/filepath"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

func TestImageUsageSQLite(t *testing.T) {
	testImageUsage(t, openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "glimpse.db")))
}

func TestImageUsagePostgres(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.PostgresEnv)
	testImageUsage(t, openTestDB(t, sqltest.NewDatabase(t, sqltest.PostgresEnv)))
}

func TestImageUsageMySQL(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.MySQLEnv)
	testImageUsage(t, openTestDB(t, sqltest.NewDatabase(t, sqltest.MySQLEnv)))
}

func testImageUsage(t *testing.T, db *DB) {
	mk := func(owner, status string, size int64, locations int, props map[string]string) *glimpse.Image {
		t.Helper()
		img := &glimpse.Image{Owner: owner, Status: status, Visibility: glimpse.ImageVisibilityPrivate, Properties: props}
		if size >= 0 {
			img.Size = ptr(size)
		}
		for i := range locations {
			img.Locations = append(img.Locations, glimpse.Location{URL: "file:///x/" + string(rune('a'+i)), StoreID: "file", Status: "active"})
		}
		if err := db.CreateImage(ctx, img); err != nil {
			t.Fatal(err)
		}
		return img
	}
	mk("p1", glimpse.ImageStatusActive, 10<<20, 2, nil)                                                       // in two stores: counts twice
	mk("p1", glimpse.ImageStatusActive, 5<<20, 1, map[string]string{glimpse.PropImportingToStores: "backup"}) // being copied
	mk("p1", glimpse.ImageStatusQueued, -1, 0, nil)
	mk("p1", glimpse.ImageStatusSaving, 0, 0, nil)
	staged := mk("p1", glimpse.ImageStatusUploading, 3<<20, 0, nil)
	if _, err := db.UpdateImage(ctx, staged.ID, func(img *glimpse.Image) error {
		img.Locations = []glimpse.Location{{URL: "file:///staging/x", StoreID: glimpse.StagingStoreID, Status: "staged"}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mk("p1", glimpse.ImageStatusImporting, 4<<20, 0, nil)
	mk("p1", glimpse.ImageStatusKilled, 7<<20, 1, nil)
	gone := mk("p1", glimpse.ImageStatusActive, 8<<20, 1, nil)
	if err := db.DeleteImage(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	mk("p2", glimpse.ImageStatusActive, 1<<20, 1, nil)

	u, err := db.ImageUsage(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	want := glimpse.ImageUsage{
		SizeTotal:      (10<<20)*2 + 5<<20,
		StageTotal:     5<<20 + 3<<20 + 4<<20,
		CountTotal:     6,
		CountUploading: 4, // saving, uploading, importing, and the copy
	}
	if *u != want {
		t.Fatalf("usage = %+v, want %+v", *u, want)
	}
	if u, err := db.ImageUsage(ctx, "nobody"); err != nil || *u != (glimpse.ImageUsage{}) {
		t.Fatalf("usage of an empty project = %+v, %v", u, err)
	}
}
