package glimpse

import (
	"context"
	"io"
)

// Store is one configured backend for image bytes, as listed by GET /v2/info/stores.
// Drivers only move bytes; hashing and status changes happen above them (imagedata).
// Implementations are safe for concurrent use.
type Store interface {
	// ID is the store's id as configured ("file" by default).
	ID() string
	// Put streams r into a new object for imageID and returns its location URL and the
	// number of bytes written. size is -1 when unknown. Put is atomic: on any error,
	// including ctx cancellation or a failing reader, nothing is left behind and no existing
	// object is changed.
	Put(ctx context.Context, imageID string, r io.Reader, size int64) (url string, n int64, err error)
	// Open reads the object at url from offset; length < 0 means to the end.
	// A missing object returns an error wrapping fs.ErrNotExist.
	Open(ctx context.Context, url string, offset, length int64) (io.ReadCloser, error)
	// Stat returns the object's size in bytes; a missing object wraps fs.ErrNotExist.
	Stat(ctx context.Context, url string) (size int64, err error)
	// Delete removes the object. Deleting a missing object is not an error.
	Delete(ctx context.Context, url string) error
}

// ImageDataService moves image data between clients and stores
// (Glance API reference, "Image data": upload and download).
type ImageDataService interface {
	// Upload streams r into the default store, computing size, md5 checksum and the sha512
	// multihash in one pass, and moves the image queued → saving → active. size is the
	// Content-Length, or -1. Errors: ENOTFOUND; ECONFLICT when the image is not queued;
	// ETOOLARGE over the size cap; any read or store error returns the image to queued with
	// no bytes left behind.
	Upload(ctx context.Context, imageID string, r io.Reader, size int64) (*Image, error)
	// Download opens the image's data from offset; length < 0 means to the end.
	// Errors: ENOTFOUND when the image has no data (the API answers 204 then), EUNAVAILABLE
	// when no location can be read.
	Download(ctx context.Context, img *Image, offset, length int64) (io.ReadCloser, error)
	// DeleteData removes every location's bytes of a deleted image.
	DeleteData(ctx context.Context, img *Image) error
}
