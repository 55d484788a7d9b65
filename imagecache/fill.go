package imagecache

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/glimpse-image/glimpse"
)

// fill is one copy being written into the cache.
type fill struct {
	cancelled bool // set under Cache.mu when the image was deleted or the cache cleared
}

// Tee returns a reader that passes rc through unchanged and copies what it reads into
// the cache. The copy is committed when Close is called after rc was read to its end and
// the bytes read have img's size and md5 checksum; otherwise (a partial read, a read or
// disk error, a mismatch) it is discarded. Failures of the copy never fail the reads.
//
// rc is returned as is when img cannot be cached: no checksum or size, larger than the
// cache, already cached, or being written by another reader.
func (c *Cache) Tee(img *glimpse.Image, rc io.ReadCloser) io.ReadCloser {
	if img.Checksum == nil || img.Size == nil || *img.Size > c.maxSize || !validID(img.ID) {
		return rc
	}
	c.mu.Lock()
	if e, ok := c.entries[img.ID]; (ok && e.Checksum == *img.Checksum) || c.filling[img.ID] != nil {
		c.mu.Unlock()
		return rc
	}
	f := &fill{}
	c.filling[img.ID] = f
	c.mu.Unlock()
	file, err := os.CreateTemp(filepath.Join(c.dir, "incomplete"), img.ID+".*")
	if err != nil {
		c.logger.Warn("image cache: cannot start a copy", "image_id", img.ID, "error", err.Error())
		c.endFill(img.ID)
		return rc
	}
	return &teeReader{c: c, fill: f, img: img, src: rc, file: file, md5: md5.New()}
}

func (c *Cache) endFill(imageID string) {
	c.mu.Lock()
	delete(c.filling, imageID)
	c.mu.Unlock()
}

// teeReader copies what it reads into file; see Cache.Tee.
type teeReader struct {
	c      *Cache
	fill   *fill
	img    *glimpse.Image
	src    io.ReadCloser
	file   *os.File
	md5    hash.Hash
	n      int64
	eof    bool
	failed error // the copy is abandoned; reads go on
	closed bool
}

func (t *teeReader) Read(p []byte) (int, error) {
	n, err := t.src.Read(p)
	if n > 0 && t.failed == nil {
		if _, werr := t.file.Write(p[:n]); werr != nil {
			t.failed = fmt.Errorf("write: %w", werr)
		} else {
			t.md5.Write(p[:n])
			t.n += int64(n)
			if t.n > *t.img.Size {
				t.failed = errors.New("more data than the image's size")
			}
		}
	}
	if err == io.EOF {
		t.eof = true
	} else if err != nil && t.failed == nil {
		t.failed = fmt.Errorf("read: %w", err)
	}
	return n, err
}

// Close closes the source, then commits or discards the copy.
func (t *teeReader) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	err := t.src.Close()
	t.finish()
	return err
}

func (t *teeReader) finish() {
	c, id := t.c, t.img.ID
	defer c.endFill(id)
	path := t.file.Name()
	discard := func(reason string) {
		t.file.Close()
		os.Remove(path)
		if reason != "" {
			c.logger.Warn("image cache: copy discarded", "image_id", id, "reason", reason)
		}
	}
	switch {
	case t.failed != nil:
		discard(t.failed.Error())
		return
	case !t.eof:
		discard("") // the reader stopped early (a client gone): nothing to report
		return
	case t.n != *t.img.Size:
		discard(fmt.Sprintf("read %d bytes, the image has %d", t.n, *t.img.Size))
		return
	}
	sum := hex.EncodeToString(t.md5.Sum(nil))
	if sum != *t.img.Checksum {
		discard(fmt.Sprintf("md5 %s, the image has %s", sum, *t.img.Checksum))
		return
	}
	if err := t.file.Sync(); err != nil {
		discard("sync: " + err.Error())
		return
	}
	if err := t.file.Close(); err != nil {
		discard("close: " + err.Error())
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.fill.cancelled {
		os.Remove(path)
		return
	}
	if old, ok := c.entries[id]; ok {
		// A copy with another checksum (the image was replaced): this one wins.
		if err := c.deleteEntryLocked(id); err != nil {
			c.logger.Warn("image cache: remove old copy", "image_id", id, "checksum", old.Checksum, "error", err.Error())
		}
	}
	now := time.Now()
	e := &Entry{ImageID: id, Checksum: sum, Size: t.n, LastAccessed: now, LastModified: now}
	if err := os.Rename(path, c.dataPath(e)); err != nil {
		os.Remove(path)
		c.logger.Warn("image cache: commit", "image_id", id, "error", err.Error())
		return
	}
	c.entries[id] = e
	c.size += e.Size
	if err := c.dequeueLocked(id); err != nil {
		c.logger.Warn("image cache: dequeue", "image_id", id, "error", err.Error())
	}
	c.logger.Debug("image cache: cached", "image_id", id, "size", e.Size)
	c.evictLocked(id)
}
