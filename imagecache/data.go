package imagecache

import (
	"context"
	"io"

	"github.com/glimpse-image/glimpse"
)

// DataService is a glimpse.ImageDataService that serves downloads from the cache when
// the image is cached, and caches the images it reads whole from the underlying service.
type DataService struct {
	glimpse.ImageDataService // the uncached service: uploads go straight to it
	cache                    *Cache
}

var _ glimpse.ImageDataService = (*DataService)(nil)

// Wrap returns data with c in front of its downloads.
func (c *Cache) Wrap(data glimpse.ImageDataService) *DataService {
	return &DataService{ImageDataService: data, cache: c}
}

// Download serves the range from the cached copy when there is a valid one; otherwise it
// reads the store through the wrapped service and, for a read of the whole image,
// copies the data into the cache as it streams (committed only if read to the end).
func (d *DataService) Download(ctx context.Context, img *glimpse.Image, offset, length int64) (io.ReadCloser, error) {
	rc, ok, err := d.cache.Open(img, offset, length)
	if err != nil {
		d.cache.logger.WarnContext(ctx, "image cache: cannot read a cached copy, using the store",
			"image_id", img.ID, "error", err.Error())
	} else if ok {
		return rc, nil
	}
	rc, err = d.ImageDataService.Download(ctx, img, offset, length)
	if err != nil {
		return nil, err
	}
	if offset == 0 && img.Size != nil && (length < 0 || length == *img.Size) {
		return d.cache.Tee(img, rc), nil
	}
	return rc, nil
}

// DeleteData removes the image's cached copy and queue entry, then its stored data.
func (d *DataService) DeleteData(ctx context.Context, img *glimpse.Image) error {
	if err := d.cache.Delete(img.ID); err != nil {
		d.cache.logger.WarnContext(ctx, "image cache: delete", "image_id", img.ID, "error", err.Error())
	}
	return d.ImageDataService.DeleteData(detached(ctx), img)
}
