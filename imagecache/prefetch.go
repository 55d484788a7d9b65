package imagecache

import (
	"context"
	"io"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Run is the prefetcher: until ctx ends it fetches the images queued with Queue into the
// cache, reading them through data (the uncached data service), PrefetchDelay after
// the queue last grew. It returns when ctx is done.
func (c *Cache) Run(ctx context.Context, images glimpse.ImageService, data glimpse.ImageDataService) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		if c.prefetchDelay > 0 {
			t := time.NewTimer(c.prefetchDelay)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		c.Prefetch(ctx, images, data)
	}
}

// Prefetch fetches every queued image into the cache, oldest first, and returns when the
// queue is empty (images queued meanwhile included). An image that is gone, not
// active, or fails to read is dropped from the queue and logged.
func (c *Cache) Prefetch(ctx context.Context, images glimpse.ImageService, data glimpse.ImageDataService) {
	tried := map[string]bool{}
	for ctx.Err() == nil {
		id := ""
		c.mu.Lock()
		for _, q := range c.queued {
			if !tried[q] {
				id = q
				break
			}
		}
		c.mu.Unlock()
		if id == "" {
			return
		}
		tried[id] = true
		if reason := c.prefetchOne(ctx, images, data, id); reason != "" {
			c.logger.Warn("image cache: dropping queued image", "image_id", id, "reason", reason)
		}
		c.mu.Lock()
		err := c.dequeueLocked(id) // committed copies dequeue themselves; failures end here
		c.mu.Unlock()
		if err != nil {
			c.logger.Warn("image cache: dequeue", "image_id", id, "error", err.Error())
		}
	}
}

// prefetchOne copies one image into the cache; it returns why it could not, or "".
func (c *Cache) prefetchOne(ctx context.Context, images glimpse.ImageService, data glimpse.ImageDataService, id string) string {
	img, err := images.FindImageByID(ctx, id)
	if err != nil {
		return "find image: " + err.Error()
	}
	if img.Status != glimpse.ImageStatusActive {
		return "image status is " + img.Status
	}
	if img.Checksum == nil || img.Size == nil {
		return "image has no checksum"
	}
	if *img.Size > c.maxSize {
		return "image is larger than the cache"
	}
	if c.cached(img) {
		return ""
	}
	rc, err := data.Download(ctx, img, 0, -1)
	if err != nil {
		return "read image data: " + err.Error()
	}
	t := c.Tee(img, rc)
	_, err = io.Copy(io.Discard, t)
	t.Close()
	if err != nil {
		return "read image data: " + err.Error()
	}
	if !c.cached(img) {
		return "the copy was not committed (see the log)"
	}
	return ""
}

// cached reports whether img has a valid cached copy.
func (c *Cache) cached(img *glimpse.Image) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[img.ID]
	return ok && img.Checksum != nil && e.Checksum == *img.Checksum
}
