package imagedata_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/store/memory"
)

func (e *env) download(img *glimpse.Image, offset, length int64) ([]byte, error) {
	e.t.Helper()
	rc, err := e.svc.Download(context.Background(), img, offset, length)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func TestDownloadRanges(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	data := content(10, 1000)
	if _, err := e.svc.Upload(t.Context(), id, bytes.NewReader(data), 1000); err != nil {
		t.Fatal(err)
	}
	img := e.image(id)
	for _, c := range []struct {
		offset, length int64
		want           []byte
	}{
		{0, -1, data},
		{100, -1, data[100:]},
		{100, 50, data[100:150]},
		{990, 50, data[990:]},
		{0, 10, data[:10]}, // golden 016: Range bytes=0-9
	} {
		got, err := e.download(img, c.offset, c.length)
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("Download(%d, %d) = %d bytes, %v; want %d bytes", c.offset, c.length, len(got), err, len(c.want))
		}
	}
}

func TestDownloadWithoutData(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	if _, err := e.download(e.image(id), 0, -1); code(err) != glimpse.ENOTFOUND {
		t.Errorf("Download of a queued image: %v, want ENOTFOUND (the API answers 204)", err)
	}
	if _, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("data")), 4); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(e.store.Dir(), id)); err != nil {
		t.Fatal(err)
	}
	// Glance answers 204 when the store has lost the data (glance_store.NotFound).
	if _, err := e.download(e.image(id), 0, -1); code(err) != glimpse.ENOTFOUND {
		t.Errorf("Download with the data gone: %v, want ENOTFOUND", err)
	}
}

func TestDownloadPicksTheLocationsStore(t *testing.T) {
	backup := memory.New("backup")
	e := newEnv(t, 0, backup)
	url, _, err := backup.Put(t.Context(), "img-1", bytes.NewReader([]byte("from backup")), -1)
	if err != nil {
		t.Fatal(err)
	}
	img := &glimpse.Image{ID: "img-1", Status: "active", Locations: []glimpse.Location{
		{URL: "file:///elsewhere/img-1", StoreID: "gone", Status: "active"},                    // store not configured
		{URL: "file://" + e.store.Dir() + "/img-1", StoreID: "file", Status: "pending_delete"}, // not active
		{URL: url, StoreID: "backup", Status: "active"},
	}}
	got, err := e.download(img, 5, -1)
	if err != nil || string(got) != "backup" {
		t.Errorf("Download = %q, %v; want %q from the backup store", got, err, "backup")
	}
}

func TestDownloadStoreUnavailable(t *testing.T) {
	broken := &brokenStore{id: "broken", err: syscall.EIO}
	e := newEnv(t, 0, broken)
	for name, locs := range map[string][]glimpse.Location{
		"store error":          {{URL: "x://1", StoreID: "broken", Status: "active"}},
		"store not configured": {{URL: "x://1", StoreID: "nowhere", Status: "active"}},
	} {
		img := &glimpse.Image{ID: "img-1", Status: "active", Locations: locs}
		_, err := e.download(img, 0, -1)
		if code(err) != glimpse.EUNAVAILABLE {
			t.Errorf("%s: Download = %v, want EUNAVAILABLE", name, err)
		}
	}
}

func TestDeleteData(t *testing.T) {
	backup := memory.New("backup")
	e := newEnv(t, 0, backup)
	id := e.createImage("raw", "bare")
	if _, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("data")), 4); err != nil {
		t.Fatal(err)
	}
	copyURL, _, err := backup.Put(t.Context(), id, bytes.NewReader([]byte("data")), 4)
	if err != nil {
		t.Fatal(err)
	}
	img := e.image(id)
	img.Locations = append(img.Locations,
		glimpse.Location{URL: copyURL, StoreID: "backup", Status: "active"},
		glimpse.Location{URL: "s3://bucket/" + id, StoreID: "unconfigured", Status: "active"})
	for i := range 2 { // the second time everything is already gone
		if err := e.svc.DeleteData(t.Context(), img); err != nil {
			t.Fatalf("DeleteData #%d: %v", i+1, err)
		}
	}
	if files := e.storeFiles(); len(files) != 0 {
		t.Errorf("file store still holds %q", files)
	}
	if keys := backup.Keys(); len(keys) != 0 {
		t.Errorf("backup store still holds %q", keys)
	}
}

func TestDeleteDataReportsStoreErrors(t *testing.T) {
	broken := &brokenStore{id: "broken", err: syscall.EIO}
	e := newEnv(t, 0, broken)
	img := &glimpse.Image{ID: "img-1", Locations: []glimpse.Location{{URL: "x://1", StoreID: "broken"}}}
	if err := e.svc.DeleteData(t.Context(), img); !errors.Is(err, syscall.EIO) {
		t.Errorf("DeleteData = %v, want the store's error", err)
	}
}

func TestUploadStoreFull(t *testing.T) {
	full := &brokenStore{id: "full", err: fmt.Errorf("write: %w", syscall.ENOSPC)}
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	svc := newServiceWithStores(e, full)
	_, err := svc.Upload(t.Context(), id, bytes.NewReader([]byte("data")), 4)
	if code(err) != glimpse.ETOOLARGE || !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("Upload to a full store = %v, want ETOOLARGE wrapping ENOSPC", err)
	}
	if img := e.image(id); img.Status != glimpse.ImageStatusQueued {
		t.Errorf("status after a store failure = %s, want queued", img.Status)
	}
}

func TestUploadStoreError(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	svc := newServiceWithStores(e, &brokenStore{id: "broken", err: syscall.EIO})
	_, err := svc.Upload(t.Context(), id, bytes.NewReader([]byte("data")), 4)
	if code(err) != glimpse.EINTERNAL || !errors.Is(err, syscall.EIO) {
		t.Errorf("Upload with a failing store = %v, want an internal error wrapping EIO", err)
	}
	if img := e.image(id); img.Status != glimpse.ImageStatusQueued {
		t.Errorf("status after a store failure = %s, want queued", img.Status)
	}
}

// brokenStore fails every operation with err, after reading what Put is given.
type brokenStore struct {
	id  string
	err error
}

func (b *brokenStore) ID() string { return b.id }
func (b *brokenStore) Put(ctx context.Context, imageID string, r io.Reader, size int64) (string, int64, error) {
	n, _ := io.Copy(io.Discard, r)
	return "", n, b.err
}
func (b *brokenStore) Open(context.Context, string, int64, int64) (io.ReadCloser, error) {
	return nil, b.err
}
func (b *brokenStore) Stat(context.Context, string) (int64, error) { return 0, b.err }
func (b *brokenStore) Delete(context.Context, string) error        { return b.err }
