package imagedata

import (
	"context"
	"io"
	"log/slog"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// locationStaged is the Location.Status of staged data: it is not an image location
// (Image.Stores and Download skip it) but records where the staging store holds the data
// until an import moves it into the real stores.
const locationStaged = "staged"

// WithStaging sets the hidden store that holds staged data (glimpse.StagingStoreID,
// Glance's os_glance_staging_store) and returns s. Without one, Stage and imports answer
// EUNAVAILABLE.
func (s *Service) WithStaging(st glimpse.Store) *Service {
	s.staging = st
	return s
}

// StagedLocation returns the staged-data location of img, or nil.
func StagedLocation(img *glimpse.Image) *glimpse.Location {
	for i := range img.Locations {
		if img.Locations[i].Status == locationStaged {
			return &img.Locations[i]
		}
	}
	return nil
}

// Stage streams r into the staging store for a later glance-direct import
// (PUT /v2/images/{image_id}/stage, "Stage binary image data").
//
// The image must be queued (ECONFLICT "Image status transition from <status> to uploading
// is not allowed" otherwise) and moves to uploading before the first byte. The data
// passes the same one-pass stream as Upload (size cap ETOOLARGE, announced size EINVALID);
// on success the image keeps status uploading, gets its size and a staged location (not
// listed in stores). On any failure the staged bytes are removed and the image is back to
// queued.
func (s *Service) Stage(ctx context.Context, imageID string, r io.Reader, size int64) (*glimpse.Image, error) {
	if s.staging == nil {
		return nil, glimpse.Errorf(glimpse.EUNAVAILABLE, "No staging area is configured.")
	}
	_, err := s.images.UpdateImage(ctx, imageID, func(img *glimpse.Image) error {
		if img.Status != glimpse.ImageStatusQueued {
			return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to uploading is not allowed", img.Status)
		}
		img.Status = glimpse.ImageStatusUploading
		return nil
	})
	if err != nil {
		return nil, err
	}
	log := s.logger.With(slog.String("image_id", imageID), slog.String("store", s.staging.ID()))
	restore := func() {
		_, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
			if img.Status == glimpse.ImageStatusUploading {
				img.Status = glimpse.ImageStatusQueued
				img.Locations = withoutStaged(img.Locations)
			}
			return nil
		})
		if err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
			log.ErrorContext(ctx, "cannot restore image to queued", slog.Any("error", err))
		}
	}
	img, err := s.stageData(ctx, imageID, r, size, glimpse.ImageStatusUploading, log)
	if err != nil {
		restore()
		return nil, err
	}
	log.InfoContext(ctx, "image data staged", slog.Int64("bytes", deref64(img.Size)))
	return img, nil
}

// StageImporting streams r into the staging store for an image being imported (status
// importing), as web-download does with the data it fetches. The image's status does not
// change; on failure nothing is left in the staging store and the caller fails the import.
func (s *Service) StageImporting(ctx context.Context, imageID string, r io.Reader, size int64) (*glimpse.Image, error) {
	if s.staging == nil {
		return nil, glimpse.Errorf(glimpse.EUNAVAILABLE, "No staging area is configured.")
	}
	log := s.logger.With(slog.String("image_id", imageID), slog.String("store", s.staging.ID()))
	return s.stageData(ctx, imageID, r, size, glimpse.ImageStatusImporting, log)
}

// stageData puts r into the staging store and records the staged location and size on
// the image, which must still have status want.
func (s *Service) stageData(ctx context.Context, imageID string, r io.Reader, size int64, want string, log *slog.Logger) (*glimpse.Image, error) {
	if size > s.maxSize {
		return nil, glimpse.Errorf(glimpse.ETOOLARGE, tooLargeMessage)
	}
	st := newStream(r, size, s.maxSize)
	defer st.close()
	url, n, err := s.staging.Put(ctx, imageID, st, size)
	if err != nil {
		if url != "" {
			s.deleteObject(ctx, s.staging, url, log)
		}
		err = uploadError(imageID, st, err)
		log.LogAttrs(ctx, levelOf(ctx, st, err), "staging image data failed", slog.Int64("bytes", st.n), slog.Any("error", err))
		return nil, err
	}
	img, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		if img.Status != want {
			return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to uploading is not allowed", img.Status)
		}
		img.Size = &n
		img.Locations = append(withoutStaged(img.Locations),
			glimpse.Location{URL: url, StoreID: s.staging.ID(), Status: locationStaged})
		return nil
	})
	if err != nil {
		s.deleteObject(ctx, s.staging, url, log)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return nil, glimpse.Errorf(glimpse.EGONE, "%s", goneMessage(imageID))
		}
		return nil, err
	}
	return img, nil
}

// DiscardStaged removes the staged data of the image, if any, and its staged location.
// A missing image is not an error.
func (s *Service) DiscardStaged(ctx context.Context, imageID string) error {
	var staged *glimpse.Location
	_, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		if l := StagedLocation(img); l != nil {
			c := *l
			staged = &c
			img.Locations = withoutStaged(img.Locations)
		}
		return nil
	})
	if err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		return err
	}
	if staged != nil && s.staging != nil {
		s.deleteObject(ctx, s.staging, staged.URL, s.logger.With(slog.String("image_id", imageID)))
	}
	return nil
}

func withoutStaged(locs []glimpse.Location) []glimpse.Location {
	return slices.DeleteFunc(slices.Clone(locs), func(l glimpse.Location) bool { return l.Status == locationStaged })
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
