package imagedata_test

import (
	"context"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
)

// env is one test's real metadata database, real filesystem store and the service.
type env struct {
	t     testing.TB
	db    *sqlstore.DB
	store *filesystem.Store
	svc   *imagedata.Service
}

func newEnv(t testing.TB, maxSize int64, extra ...glimpse.Store) *env {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store, err := filesystem.New("file", filepath.Join(t.TempDir(), "images"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	stores := append([]glimpse.Store{store}, extra...)
	return &env{t: t, db: db, store: store, svc: imagedata.New(db, stores, logger, maxSize)}
}

// createImage creates a queued image with the given formats ("" leaves one unset).
func (e *env) createImage(diskFormat, containerFormat string) string {
	e.t.Helper()
	img := &glimpse.Image{Owner: "project-1"}
	if diskFormat != "" {
		img.DiskFormat = &diskFormat
	}
	if containerFormat != "" {
		img.ContainerFormat = &containerFormat
	}
	if err := e.db.CreateImage(context.Background(), img); err != nil {
		e.t.Fatal(err)
	}
	return img.ID
}

func (e *env) image(id string) *glimpse.Image {
	e.t.Helper()
	img, err := e.db.FindImageByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return img
}

// storeFiles lists every entry of the store's directory, temporary files included.
func (e *env) storeFiles() []string {
	e.t.Helper()
	entries, err := os.ReadDir(e.store.Dir())
	if err != nil {
		e.t.Fatal(err)
	}
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
	}
	return names
}

// checkRolledBack fails unless the image is queued without data and the store is empty.
func (e *env) checkRolledBack(id string) {
	e.t.Helper()
	img := e.image(id)
	if img.Status != glimpse.ImageStatusQueued || img.Size != nil || img.Checksum != nil ||
		img.OSHashValue != nil || len(img.Locations) != 0 {
		e.t.Errorf("after a failed upload: status %s, size %v, checksum %v, locations %v; want queued without data",
			img.Status, img.Size, img.Checksum, img.Locations)
	}
	if files := e.storeFiles(); len(files) != 0 {
		e.t.Errorf("after a failed upload the store holds %q, want nothing", files)
	}
}

// generated returns n deterministic pseudo-random bytes as a plain stream.
func generated(seed uint64, n int64) io.Reader {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return struct{ io.Reader }{io.LimitReader(rand.NewChaCha8(s), n)}
}

func content(seed uint64, n int64) []byte {
	b, _ := io.ReadAll(generated(seed, n))
	return b
}

func md5Hex(b []byte) string    { s := md5.Sum(b); return hex.EncodeToString(s[:]) }
func sha512Hex(b []byte) string { s := sha512.Sum512(b); return hex.EncodeToString(s[:]) }

var errClientGone = errors.New("client went away")

// failingReader yields `after` bytes of r and then fails with errClientGone.
type failingReader struct {
	r     io.Reader
	after int64
	n     int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n >= f.after {
		return 0, errClientGone
	}
	p = p[:min(int64(len(p)), f.after-f.n)]
	n, err := f.r.Read(p)
	f.n += int64(n)
	return n, err
}

// hookReader runs hook once, when `after` bytes of r were read, then goes on reading r.
type hookReader struct {
	r     io.Reader
	after int64
	n     int64
	once  sync.Once
	hook  func()
}

func (h *hookReader) Read(p []byte) (int, error) {
	if h.n >= h.after {
		h.once.Do(h.hook)
	}
	n, err := h.r.Read(p)
	h.n += int64(n)
	return n, err
}

func code(err error) string { return glimpse.ErrorCode(err) }

func ptrInt64(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// newServiceWithStores returns a service over e's database whose default store is s.
func newServiceWithStores(e *env, stores ...glimpse.Store) *imagedata.Service {
	return imagedata.New(e.db, stores, slog.New(slog.NewTextHandler(io.Discard, nil)), 0)
}
