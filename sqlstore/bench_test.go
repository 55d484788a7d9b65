package sqlstore

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/glimpse-image/glimpse"
)

func benchDB(b *testing.B, images int) (*DB, []string) {
	b.Helper()
	db, err := Open(ctx, "sqlite://"+filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	ids := make([]string, images)
	for i := range images {
		img := &glimpse.Image{Name: ptr(fmt.Sprintf("image-%05d", i%500)), Owner: fmt.Sprint("p", i%10),
			Visibility: []string{"public", "private", "shared", "community"}[i%4],
			Tags:       []string{"a", fmt.Sprint("t", i%7)}, Properties: map[string]string{"os_distro": "cirros"}}
		if err := db.CreateImage(ctx, img); err != nil {
			b.Fatal(err)
		}
		ids[i] = img.ID
	}
	return db, ids
}

// BenchmarkFindImagesPage lists a page of 25 after a marker, sorted by name, as project p1.
func BenchmarkFindImagesPage(b *testing.B) {
	db, ids := benchDB(b, 2000)
	f := glimpse.ImageFilter{Viewer: &glimpse.Viewer{ProjectID: "p1"}, Sort: []glimpse.SortKey{{Field: "name"}},
		Limit: 25, Marker: ids[1]}
	for b.Loop() {
		if _, err := db.FindImages(ctx, f); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateImageParallel updates one image from parallel goroutines.
func BenchmarkUpdateImageParallel(b *testing.B) {
	db, ids := benchDB(b, 1)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.UpdateImage(ctx, ids[0], func(img *glimpse.Image) error { img.MinRAM++; return nil }); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
