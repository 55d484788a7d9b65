package filesystem_test

import (
	"os"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/store/filesystem"
	"github.com/glimpse-image/glimpse/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (glimpse.Store, func() []string) {
		s, dir := newStore(t)
		return s, func() []string { return dirEntries(t, dir) }
	})
}

func newStore(t *testing.T) (*filesystem.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := newStoreAt(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func newStoreAt(dir string) (*filesystem.Store, error) { return filesystem.New("file", dir) }

// dirEntries lists every name in dir, temporary files included.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
