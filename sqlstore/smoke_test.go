package sqlstore

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/glimpse-image/glimpse"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "a", "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	name := "x"
	img := &glimpse.Image{Name: &name, Owner: "p1", Tags: []string{"a", "b", "a"}, Properties: map[string]string{"k": "v"},
		Locations: []glimpse.Location{{URL: "file:///x", StoreID: "local"}}}
	if err := db.CreateImage(ctx, img); err != nil {
		t.Fatal(err)
	}
	got, err := db.FindImageByID(ctx, img.ID)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", got)
	imgs, err := db.FindImages(ctx, glimpse.ImageFilter{Viewer: &glimpse.Viewer{ProjectID: "p1"}, Marker: img.ID, Sort: []glimpse.SortKey{{Field: "name"}}})
	t.Log(imgs, err)
}
