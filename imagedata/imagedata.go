// Package imagedata moves image data between clients and stores: it implements
// glimpse.ImageDataService (Glance API reference, "Image data": upload and download).
//
// An upload is one streaming pass: the bytes flow from the client through the md5 and
// sha512 hashes, a size counter with the size cap and a header sniffer (for virtual_size)
// straight into Store.Put, so memory does not grow with the image. The image moves
// queued → saving before the first byte and saving → active after the last; any failure in
// between removes the stored bytes and puts the image back to queued, as Glance does.
package imagedata

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/glimpse-image/glimpse"
)

// DefaultMaxSize is Glance's default image_size_cap: 1 TiB.
const DefaultMaxSize int64 = 1 << 40

// Service implements glimpse.ImageDataService over an ImageService and the configured
// stores. It is safe for concurrent use.
type Service struct {
	images  glimpse.ImageService
	stores  []glimpse.Store
	byID    map[string]glimpse.Store
	logger  *slog.Logger
	maxSize int64
	staging glimpse.Store // hidden store of staged data; nil when imports are off
	// external reads external locations (StoreID ""); nil: they cannot be read
	external glimpse.Store
}

var _ glimpse.ImageDataService = (*Service)(nil)

// New returns the service. Uploads go to stores[0] (Glance's default_backend); downloads
// and deletes find a location's store by its StoreID. maxSize caps one image in bytes
// (Glance's image_size_cap); 0 or less means DefaultMaxSize. A nil logger is slog.Default().
func New(images glimpse.ImageService, stores []glimpse.Store, logger *slog.Logger, maxSize int64) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	byID := make(map[string]glimpse.Store, len(stores))
	for _, s := range stores {
		if _, dup := byID[s.ID()]; !dup {
			byID[s.ID()] = s
		}
	}
	return &Service{images: images, stores: stores, byID: byID, logger: logger, maxSize: maxSize}
}

// tooLargeMessage is Glance's answer when the data passes image_size_cap
// (ImageSizeLimitExceeded inside "The incoming image is too large: %s").
const tooLargeMessage = "The incoming image is too large: The provided image is too large."

// storageFullMessage is Glance's answer when the store runs out of space (StorageFull).
const storageFullMessage = "Image storage media is full: There is not enough disk space on the image storage media."

// unavailableMessage is glance_store's RemoteServiceUnavailable message, sent with 503.
const unavailableMessage = "Remote server where the image is present is unavailable."

// goneMessage is what Glance says when the image was deleted while its data was uploading.
func goneMessage(imageID string) string {
	return fmt.Sprintf("Image %s could not be found after upload. The image may have been "+
		"deleted during the upload, cleaning up the chunks uploaded.", imageID)
}

// SetExternal sets the reader of external locations (httpstore.Store), the locations with
// StoreID "" that users add with show_multiple_locations. Call it before serving.
func (s *Service) SetExternal(st glimpse.Store) { s.external = st }

// storeOf returns the configured store with the given id, the external reader for "", or nil.
func (s *Service) storeOf(id string) glimpse.Store {
	if id == "" {
		return s.external
	}
	if st, ok := s.byID[id]; ok {
		return st
	}
	if s.staging != nil && s.staging.ID() == id {
		return s.staging
	}
	return nil
}

// detached is used for cleanup work that must run even when the request's ctx is cancelled.
func detached(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }
