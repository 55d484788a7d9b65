package imagecache

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/store/memory"
)

// images is a map-backed glimpse.ImageService, enough for the prefetcher's lookups.
type images struct {
	mu sync.Mutex
	m  map[string]*glimpse.Image
}

func (s *images) CreateImage(ctx context.Context, img *glimpse.Image) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[img.ID] = img
	return nil
}

func (s *images) FindImageByID(ctx context.Context, id string) (*glimpse.Image, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img, ok := s.m[id]; ok {
		c := *img
		return &c, nil
	}
	return nil, glimpse.Errorf(glimpse.ENOTFOUND, "no image %s", id)
}

func (s *images) FindImages(context.Context, glimpse.ImageFilter) ([]*glimpse.Image, error) {
	return nil, nil
}

func (s *images) UpdateImage(ctx context.Context, id string, fn func(*glimpse.Image) error) (*glimpse.Image, error) {
	return nil, glimpse.Errorf(glimpse.EINTERNAL, "not used")
}

func (s *images) DeleteImage(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, id)
	return nil
}

// env is a cache in a temporary directory in front of imagedata over a memory store.
type env struct {
	t      *testing.T
	dir    string
	store  *memory.Store
	images *images
	data   glimpse.ImageDataService
	cache  *Cache
	cached *DataService
}

func newEnv(t *testing.T, maxSize int64) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), store: memory.New("file"), images: &images{m: map[string]*glimpse.Image{}}}
	e.data = imagedata.New(e.images, []glimpse.Store{e.store}, quiet(), 0)
	e.reopen(maxSize)
	return e
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func (e *env) reopen(maxSize int64) {
	e.t.Helper()
	c, err := Open(e.dir, Options{MaxSize: maxSize, Logger: quiet()})
	if err != nil {
		e.t.Fatalf("open cache: %v", err)
	}
	e.cache, e.cached = c, c.Wrap(e.data)
}

// addImage stores data as an active image with its size and md5.
func (e *env) addImage(id string, data []byte) *glimpse.Image {
	e.t.Helper()
	url, _, err := e.store.Put(context.Background(), id, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		e.t.Fatal(err)
	}
	sum := md5.Sum(data)
	checksum := hex.EncodeToString(sum[:])
	size := int64(len(data))
	img := &glimpse.Image{ID: id, Status: glimpse.ImageStatusActive, Size: &size, Checksum: &checksum,
		Locations: []glimpse.Location{{URL: url, StoreID: "file", Status: "active"}}}
	e.images.CreateImage(context.Background(), img)
	return img
}

// download reads [offset, offset+length) of img through the caching data service.
func (e *env) download(img *glimpse.Image, offset, length int64) []byte {
	e.t.Helper()
	rc, err := e.cached.Download(context.Background(), img, offset, length)
	if err != nil {
		e.t.Fatalf("download %s: %v", img.ID, err)
	}
	b, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := rc.Close(); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) cachedIDs() []string {
	var ids []string
	for _, en := range e.cache.Entries() {
		ids = append(ids, en.ImageID)
	}
	return ids
}

// dropFromStore removes img's bytes from the store, so only the cache can serve them.
func (e *env) dropFromStore(img *glimpse.Image) {
	e.t.Helper()
	if err := e.store.Delete(context.Background(), img.Locations[0].URL); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) incompleteFiles() []string {
	names, err := os.ReadDir(filepath.Join(e.dir, "incomplete"))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		out = append(out, n.Name())
	}
	return out
}

func blob(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i*7)
	}
	return b
}

func TestFullDownloadIsCachedAndServedFromTheCache(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(300_000, 1)
	img := e.addImage("11111111-1111-1111-1111-111111111111", data)

	if got := e.download(img, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("first download: wrong bytes")
	}
	entries := e.cache.Entries()
	if len(entries) != 1 || entries[0].ImageID != img.ID || entries[0].Size != int64(len(data)) || entries[0].Hits != 0 {
		t.Fatalf("entries after one download = %+v", entries)
	}
	e.dropFromStore(img)
	if got := e.download(img, 0, int64(len(data))); !bytes.Equal(got, data) {
		t.Fatal("download from the cache: wrong bytes")
	}
	if got := e.download(img, 1000, 500); !bytes.Equal(got, data[1000:1500]) {
		t.Fatal("range from the cache: wrong bytes")
	}
	if hits := e.cache.Entries()[0].Hits; hits != 1 {
		t.Errorf("hits = %d, want 1 (ranges not at offset 0 do not count)", hits)
	}
	if e.cache.Size() != int64(len(data)) {
		t.Errorf("size = %d", e.cache.Size())
	}
}

func TestPartialReadIsNotCached(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(200_000, 2)
	img := e.addImage("22222222-2222-2222-2222-222222222222", data)
	rc, err := e.cached.Download(context.Background(), img, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	rc.Close() // a client that went away
	if ids := e.cachedIDs(); len(ids) != 0 {
		t.Fatalf("cached after a partial read: %v", ids)
	}
	if files := e.incompleteFiles(); len(files) != 0 {
		t.Fatalf("incomplete files left: %v", files)
	}
	// A range that happens to start at 0 but is shorter is not a fill either.
	e.download(img, 0, 10)
	if ids := e.cachedIDs(); len(ids) != 0 {
		t.Fatalf("cached after a range read: %v", ids)
	}
}

func TestChecksumMismatchIsNotCached(t *testing.T) {
	e := newEnv(t, 0)
	img := e.addImage("33333333-3333-3333-3333-333333333333", blob(1000, 3))
	wrong := strings.Repeat("0", 32)
	img.Checksum = &wrong
	e.download(img, 0, -1)
	if ids := e.cachedIDs(); len(ids) != 0 {
		t.Fatalf("cached with a wrong checksum: %v", ids)
	}
	if files := e.incompleteFiles(); len(files) != 0 {
		t.Fatalf("incomplete files left: %v", files)
	}
}

func TestCachedCopyOfAnotherChecksumIsNotServed(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(1000, 4)
	img := e.addImage("44444444-4444-4444-4444-444444444444", data)
	e.download(img, 0, -1)
	other := *img
	sum := strings.Repeat("a", 32)
	other.Checksum = &sum
	if _, ok, err := e.cache.Open(&other, 0, -1); ok || err != nil {
		t.Fatalf("Open with another checksum: ok=%v err=%v", ok, err)
	}
}

func TestLeastRecentlyUsedIsEvicted(t *testing.T) {
	e := newEnv(t, 250)
	a := e.addImage("aaaaaaaa-0000-0000-0000-000000000000", blob(100, 5))
	b := e.addImage("bbbbbbbb-0000-0000-0000-000000000000", blob(100, 6))
	c := e.addImage("cccccccc-0000-0000-0000-000000000000", blob(100, 7))
	big := e.addImage("dddddddd-0000-0000-0000-000000000000", blob(251, 8))
	e.download(a, 0, -1)
	e.download(b, 0, -1)
	e.download(a, 0, -1) // a is now more recently used than b
	e.download(c, 0, -1)
	if got, want := e.cachedIDs(), []string{a.ID, c.ID}; !slices.Equal(got, want) {
		t.Fatalf("cached = %v, want %v (b evicted)", got, want)
	}
	if e.cache.Size() > 250 {
		t.Fatalf("size %d over the maximum", e.cache.Size())
	}
	e.download(big, 0, -1)
	if got := e.cachedIDs(); slices.Contains(got, big.ID) {
		t.Fatalf("an image larger than the cache was cached: %v", got)
	}
	names, _ := os.ReadDir(filepath.Join(e.dir, "data"))
	if len(names) != 2 {
		t.Fatalf("data files = %d, want 2", len(names))
	}
}

func TestQueueAndPrefetch(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(5000, 9)
	img := e.addImage("55555555-5555-5555-5555-555555555555", data)
	queuedOnly := e.addImage("66666666-6666-6666-6666-666666666666", blob(10, 1))
	queuedOnly.Status = glimpse.ImageStatusDeactivated
	e.images.CreateImage(context.Background(), queuedOnly)
	for _, id := range []string{img.ID, queuedOnly.ID, img.ID, "77777777-7777-7777-7777-777777777777"} {
		if err := e.cache.Queue(id); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{img.ID, queuedOnly.ID, "77777777-7777-7777-7777-777777777777"}
	if got := e.cache.Queued(); !slices.Equal(got, want) {
		t.Fatalf("queued = %v, want %v", got, want)
	}
	// The queue survives a restart.
	e.reopen(0)
	if got := e.cache.Queued(); !slices.Equal(got, want) {
		t.Fatalf("queued after reopen = %v, want %v", got, want)
	}
	e.cache.Prefetch(context.Background(), e.images, e.data)
	if q := e.cache.Queued(); len(q) != 0 {
		t.Fatalf("queue after prefetch = %v", q)
	}
	if got := e.cachedIDs(); !slices.Equal(got, []string{img.ID}) {
		t.Fatalf("cached = %v, want only the active image", got)
	}
	e.dropFromStore(img)
	if got := e.download(img, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("prefetched copy: wrong bytes")
	}
	// Queueing a cached image does nothing.
	e.cache.Queue(img.ID)
	if q := e.cache.Queued(); len(q) != 0 {
		t.Fatalf("queued a cached image: %v", q)
	}
}

func TestReopenFindsCopiesAndRemovesIncomplete(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(4000, 10)
	img := e.addImage("88888888-8888-8888-8888-888888888888", data)
	e.download(img, 0, -1)
	stale := filepath.Join(e.dir, "incomplete", img.ID+".123")
	if err := os.WriteFile(stale, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.reopen(0)
	if files := e.incompleteFiles(); len(files) != 0 {
		t.Fatalf("incomplete files after reopen: %v", files)
	}
	if got := e.cachedIDs(); !slices.Equal(got, []string{img.ID}) {
		t.Fatalf("cached after reopen = %v", got)
	}
	e.dropFromStore(img)
	if got := e.download(img, 0, -1); !bytes.Equal(got, data) {
		t.Fatal("copy after reopen: wrong bytes")
	}
	// Reopening with a smaller maximum evicts down to it.
	e.reopen(100)
	if got := e.cachedIDs(); len(got) != 0 {
		t.Fatalf("cached after reopening smaller = %v", got)
	}
}

func TestDeleteDuringFillDiscardsTheCopy(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(10_000, 11)
	img := e.addImage("99999999-9999-9999-9999-999999999999", data)
	rc, err := e.cached.Download(context.Background(), img, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if n, err := e.cache.ClearCached(); n != 0 || err != nil {
		t.Fatalf("clear = %d, %v", n, err)
	}
	if _, err := io.Copy(io.Discard, rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	if got := e.cachedIDs(); len(got) != 0 {
		t.Fatalf("a copy begun before a clear was committed: %v", got)
	}
}

func TestDeleteDataRemovesTheCopy(t *testing.T) {
	e := newEnv(t, 0)
	img := e.addImage("abababab-0000-0000-0000-000000000000", blob(1000, 12))
	e.download(img, 0, -1)
	if err := e.cached.DeleteData(context.Background(), img); err != nil {
		t.Fatal(err)
	}
	if got := e.cachedIDs(); len(got) != 0 {
		t.Fatalf("cached after DeleteData = %v", got)
	}
	if n := len(e.store.Keys()); n != 0 {
		t.Fatalf("store still holds %d objects", n)
	}
}

func TestUnsafeIDsAreRefused(t *testing.T) {
	e := newEnv(t, 0)
	for _, id := range []string{"../etc", ".hidden", "a/b", ""} {
		if err := e.cache.Queue(id); glimpse.ErrorCode(err) != glimpse.EINVALID {
			t.Errorf("Queue(%q) = %v, want EINVALID", id, err)
		}
	}
	img := e.addImage("x", blob(10, 1))
	img.ID = "../escape"
	e.download(img, 0, -1)
	if got := e.cachedIDs(); len(got) != 0 {
		t.Fatalf("cached %v", got)
	}
}

func TestConcurrentDownloadsFillOnce(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(500_000, 13)
	img := e.addImage("cdcdcdcd-0000-0000-0000-000000000000", data)
	first, err := e.cached.Download(context.Background(), img, 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := first.(*teeReader); !ok {
		t.Fatalf("the first download is not copied into the cache (%T)", first)
	}
	var wg sync.WaitGroup
	results := make([][]byte, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rc, err := e.cached.Download(context.Background(), img, 0, -1)
			if err != nil {
				t.Error(err)
				return
			}
			defer rc.Close()
			if _, tee := rc.(*teeReader); tee {
				t.Error("a second copy of an image being filled was started")
			}
			results[i], _ = io.ReadAll(rc)
		}()
	}
	wg.Wait()
	got, err := io.ReadAll(first)
	if err != nil {
		t.Fatal(err)
	}
	first.Close()
	for i, r := range append(results, got) {
		if !bytes.Equal(r, data) {
			t.Fatalf("download %d: wrong bytes", i)
		}
	}
	if ids := e.cachedIDs(); !slices.Equal(ids, []string{img.ID}) {
		t.Fatalf("cached = %v", ids)
	}
}

// failingReader returns its data, then an error instead of io.EOF.
type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
func (f *failingReader) Close() error { return nil }

func TestReadErrorIsNotCached(t *testing.T) {
	e := newEnv(t, 0)
	data := blob(1000, 14)
	img := e.addImage("efefefef-0000-0000-0000-000000000000", data)
	rc := e.cache.Tee(img, &failingReader{bytes.NewReader(data)})
	if _, err := io.Copy(io.Discard, rc); err == nil {
		t.Fatal("the read error was not passed on")
	}
	rc.Close()
	if ids := e.cachedIDs(); len(ids) != 0 {
		t.Fatalf("cached after a read error: %v", ids)
	}
	if files := e.incompleteFiles(); len(files) != 0 {
		t.Fatalf("incomplete files left: %v", files)
	}
}
