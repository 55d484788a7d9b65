// Package imagecache is the image cache of one API node: copies of image data on local
// disk, served instead of the store on download (Glance's image cache and its cache
// management API, "Cache Manage" in the Glance Image API v2 reference).
//
// The cache is filled two ways: a full download that reads an image to the end is
// copied into the cache while it streams to the client (Tee), and images queued
// through the API (PUT /v2/cache/{image_id}) are fetched by a background prefetcher
// (Run). A copy is committed (renamed into place) only when the whole image was read and
// its size and md5 checksum match the image record, so a cut-off download or a damaged
// read never leaves a partial file behind. The total size is bounded: after each commit
// the least recently used copies are evicted until the cache fits its maximum size.
//
// Layout under the cache directory:
//
//	data/<image id>_<md5 hex>   committed copies (the checksum ties a copy to its image)
//	incomplete/<image id>.*     copies being written; removed on start
//	queue/<image id>            queued images (empty files; their mtime orders the queue)
//
// Hit counts and access times live in memory; after a restart committed copies are found
// again with zero hits and their file time as last access.
package imagecache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/glimpse-image/glimpse"
)

// DefaultMaxSize is Glance's default image_cache_max_size: 10 GiB.
const DefaultMaxSize int64 = 10 << 30

// Entry describes one cached image, as GET /v2/cache lists it.
type Entry struct {
	ImageID      string
	Checksum     string // hex md5 of the data
	Size         int64  // bytes
	Hits         int64  // downloads served from the cache
	LastAccessed time.Time
	LastModified time.Time // when the copy was committed
}

// Cache is the image cache of this node. It is safe for concurrent use.
type Cache struct {
	dir     string
	maxSize int64
	logger  *slog.Logger

	mu      sync.Mutex
	entries map[string]*Entry // committed copies by image id
	size    int64             // total bytes of entries
	filling map[string]*fill  // copies being written now, by image id
	queued  []string          // image ids waiting for the prefetcher, oldest first
	wake    chan struct{}     // signalled when the queue grows

	prefetchDelay time.Duration
}

// Options configure a Cache.
type Options struct {
	// MaxSize bounds the total size of the cached copies in bytes; 0 or less means
	// DefaultMaxSize. An image larger than MaxSize is never cached.
	MaxSize int64
	// PrefetchDelay is how long the prefetcher waits after an image is queued before it
	// fetches the queue (Glance's prefetcher runs periodically; tempest lists the queue
	// right after queueing and expects to find the image there). 0 fetches at once.
	PrefetchDelay time.Duration
	Logger        *slog.Logger // nil: slog.Default()
}

// Open opens (creating it if needed) the cache in dir: committed copies found there are
// listed again, copies left incomplete by a crash are removed, and the queue is reloaded.
// If the copies found exceed the maximum size, the oldest are evicted.
func Open(dir string, opts Options) (*Cache, error) {
	if opts.MaxSize <= 0 {
		opts.MaxSize = DefaultMaxSize
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	c := &Cache{
		dir: dir, maxSize: opts.MaxSize, logger: opts.Logger, prefetchDelay: opts.PrefetchDelay,
		entries: map[string]*Entry{}, filling: map[string]*fill{}, wake: make(chan struct{}, 1),
	}
	for _, sub := range []string{"data", "incomplete", "queue"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, fmt.Errorf("imagecache: %w", err)
		}
	}
	if err := c.removeIncomplete(); err != nil {
		return nil, err
	}
	if err := c.loadEntries(); err != nil {
		return nil, err
	}
	if err := c.loadQueue(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.evictLocked("")
	c.mu.Unlock()
	return c, nil
}

// MaxSize returns the bound on the cache's total size in bytes.
func (c *Cache) MaxSize() int64 { return c.maxSize }

// Size returns the total size of the cached copies in bytes.
func (c *Cache) Size() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.size
}

func (c *Cache) removeIncomplete() error {
	dir := filepath.Join(c.dir, "incomplete")
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("imagecache: %w", err)
	}
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("imagecache: remove incomplete copy: %w", err)
		}
	}
	return nil
}

func (c *Cache) loadEntries() error {
	dir := filepath.Join(c.dir, "data")
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("imagecache: %w", err)
	}
	for _, n := range names {
		id, sum, ok := strings.Cut(n.Name(), "_")
		info, err := n.Info()
		if !ok || !validID(id) || err != nil || !info.Mode().IsRegular() {
			c.logger.Warn("image cache: ignoring unexpected file", "file", filepath.Join(dir, n.Name()))
			continue
		}
		if old, dup := c.entries[id]; dup {
			// Two copies of one image (a crash between commit and cleanup): keep the newer.
			if old.LastModified.After(info.ModTime()) {
				os.Remove(filepath.Join(dir, n.Name()))
				continue
			}
			os.Remove(c.dataPath(old))
			c.size -= old.Size
		}
		c.entries[id] = &Entry{ImageID: id, Checksum: sum, Size: info.Size(),
			LastAccessed: info.ModTime(), LastModified: info.ModTime()}
		c.size += info.Size()
	}
	return nil
}

func (c *Cache) loadQueue() error {
	dir := filepath.Join(c.dir, "queue")
	names, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("imagecache: %w", err)
	}
	type queued struct {
		id    string
		mtime time.Time
	}
	var q []queued
	for _, n := range names {
		info, err := n.Info()
		if err != nil || !validID(n.Name()) {
			continue
		}
		q = append(q, queued{n.Name(), info.ModTime()})
	}
	slices.SortFunc(q, func(a, b queued) int { return a.mtime.Compare(b.mtime) })
	for _, e := range q {
		c.queued = append(c.queued, e.id)
	}
	if len(c.queued) > 0 {
		c.signal()
	}
	return nil
}

// validID reports whether id can name a cache file: image ids are UUIDs, but nothing
// that could leave the directory or hide a file is ever used as a name.
func validID(id string) bool {
	if id == "" || len(id) > 255 || id[0] == '.' {
		return false
	}
	for _, r := range id {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

func (c *Cache) dataPath(e *Entry) string {
	return filepath.Join(c.dir, "data", e.ImageID+"_"+e.Checksum)
}

// Entries returns the cached images ordered by image id (as Glance lists them).
func (c *Cache) Entries() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Entry, 0, len(c.entries))
	for _, e := range c.entries {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.ImageID, b.ImageID) })
	return out
}

// Queued returns the ids of the images waiting to be cached, oldest first.
func (c *Cache) Queued() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.queued)
}

// Contains reports whether imageID is cached or queued.
func (c *Cache) Contains(imageID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, cached := c.entries[imageID]
	return cached || slices.Contains(c.queued, imageID)
}

// Queue adds imageID to the prefetch queue (PUT /v2/cache/{image_id}); queueing an
// image that is queued or cached already does nothing. The caller checks that the image
// exists and is active. Errors: EINVALID for an id that cannot be an image id.
func (c *Cache) Queue(imageID string) error {
	if !validID(imageID) {
		return glimpse.Errorf(glimpse.EINVALID, "Image %s cannot be cached.", imageID)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, cached := c.entries[imageID]; cached || slices.Contains(c.queued, imageID) {
		return nil
	}
	f, err := os.Create(filepath.Join(c.dir, "queue", imageID))
	if err != nil {
		return fmt.Errorf("imagecache: queue %s: %w", imageID, err)
	}
	f.Close()
	c.queued = append(c.queued, imageID)
	c.signal()
	return nil
}

func (c *Cache) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Delete removes imageID's cached copy and its queue entry; an image in neither is no
// error (DELETE /v2/cache/{image_id}, and when an image is deleted).
func (c *Cache) Delete(imageID string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return errors.Join(c.deleteEntryLocked(imageID), c.dequeueLocked(imageID))
}

func (c *Cache) deleteEntryLocked(imageID string) error {
	if f := c.filling[imageID]; f != nil {
		f.cancelled = true // a copy being written now is not committed
	}
	e, ok := c.entries[imageID]
	if !ok {
		return nil
	}
	delete(c.entries, imageID)
	c.size -= e.Size
	if err := os.Remove(c.dataPath(e)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("imagecache: delete %s: %w", imageID, err)
	}
	return nil
}

func (c *Cache) dequeueLocked(imageID string) error {
	i := slices.Index(c.queued, imageID)
	if i < 0 {
		return nil
	}
	c.queued = slices.Delete(c.queued, i, i+1)
	if err := os.Remove(filepath.Join(c.dir, "queue", imageID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("imagecache: dequeue %s: %w", imageID, err)
	}
	return nil
}

// ClearCached removes every cached copy and returns how many there were.
func (c *Cache) ClearCached() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	n := len(c.entries)
	for id := range c.entries {
		errs = append(errs, c.deleteEntryLocked(id))
	}
	for _, f := range c.filling {
		f.cancelled = true
	}
	return n, errors.Join(errs...)
}

// ClearQueued empties the queue and returns how many images it held.
func (c *Cache) ClearQueued() (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	n := len(c.queued)
	for _, id := range slices.Clone(c.queued) {
		errs = append(errs, c.dequeueLocked(id))
	}
	return n, errors.Join(errs...)
}

// Open returns the cached copy of img from offset, length bytes (length < 0: to the
// end), or ok false when img has no valid cached copy: none, or one whose checksum or
// size is not img's. A hit counts when the read starts at offset 0.
func (c *Cache) Open(img *glimpse.Image, offset, length int64) (rc io.ReadCloser, ok bool, err error) {
	if img.Checksum == nil || img.Size == nil {
		return nil, false, nil
	}
	c.mu.Lock()
	e, cached := c.entries[img.ID]
	if !cached || e.Checksum != *img.Checksum || e.Size != *img.Size {
		c.mu.Unlock()
		return nil, false, nil
	}
	path := c.dataPath(e)
	// Opened under the lock so that an eviction cannot remove the file in between; an
	// eviction after this only unlinks it, and the open file stays readable.
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			// Removed behind the cache's back: forget the entry.
			delete(c.entries, img.ID)
			c.size -= e.Size
			c.mu.Unlock()
			return nil, false, nil
		}
		c.mu.Unlock()
		return nil, false, fmt.Errorf("imagecache: open %s: %w", img.ID, err)
	}
	e.LastAccessed = time.Now()
	if offset == 0 {
		e.Hits++
	}
	c.mu.Unlock()
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			f.Close()
			return nil, false, fmt.Errorf("imagecache: seek %s: %w", img.ID, err)
		}
	}
	if length < 0 {
		return f, true, nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, length), f}, true, nil
}

// evictLocked removes the least recently used copies, never keep, until the cache fits
// its maximum size.
func (c *Cache) evictLocked(keep string) {
	for c.size > c.maxSize {
		var lru *Entry
		for _, e := range c.entries {
			if e.ImageID != keep && (lru == nil || e.LastAccessed.Before(lru.LastAccessed)) {
				lru = e
			}
		}
		if lru == nil {
			return
		}
		c.logger.Info("image cache: evicting least recently used image", "image_id", lru.ImageID,
			"size", lru.Size, "cache_size", c.size, "cache_max_size", c.maxSize)
		if err := c.deleteEntryLocked(lru.ImageID); err != nil {
			c.logger.Error("image cache: evict", "image_id", lru.ImageID, "error", err.Error())
		}
	}
}

// detached is used for work that must outlive a request's ctx.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
