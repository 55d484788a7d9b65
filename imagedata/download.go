package imagedata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"

	"github.com/glimpse-image/glimpse"
)

// Download opens the image's data from offset, length bytes (length < 0: to the end)
// (GET /v2/images/{image_id}/file, "Download binary image data").
//
// Like Glance it tries the image's active locations in order and reads the first one that
// opens, skipping locations whose store is not configured here. Errors: ENOTFOUND when the
// image has no location or its data is missing (Glance then answers 204 No Content);
// EUNAVAILABLE when no location can be read for another reason.
func (s *Service) Download(ctx context.Context, img *glimpse.Image, offset, length int64) (io.ReadCloser, error) {
	var lastErr error
	missing := true
	for _, loc := range img.Locations {
		if loc.Status != "" && loc.Status != "active" {
			continue
		}
		store := s.storeOf(loc.StoreID)
		if store == nil {
			missing = false
			lastErr = fmt.Errorf("imagedata: store %q of image %s is not configured", loc.StoreID, img.ID)
			// Say why, or the client's 503 is a mystery: typically the stores were renamed.
			s.logger.WarnContext(ctx, "image data is in a store that is not configured on this node",
				slog.String("image_id", img.ID), slog.String("store", loc.StoreID), slog.String("url", loc.URL))
			continue
		}
		rc, err := store.Open(ctx, loc.URL, offset, length)
		if err == nil {
			return rc, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			missing = false
		}
		lastErr = err
		s.logger.WarnContext(ctx, "cannot read image data", slog.String("image_id", img.ID),
			slog.String("store", loc.StoreID), slog.Any("error", err))
	}
	if missing {
		return nil, &wrapped{glimpse.Errorf(glimpse.ENOTFOUND, "Image %s not found", img.ID), orNoLocation(lastErr)}
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("imagedata: download %s: %w", img.ID, ctx.Err())
	}
	return nil, &wrapped{glimpse.Errorf(glimpse.EUNAVAILABLE, unavailableMessage), lastErr}
}

var errNoLocation = errors.New("imagedata: the image has no data")

func orNoLocation(err error) error {
	if err == nil {
		return errNoLocation
	}
	return err
}

// DeleteData removes the data of every location of img (DELETE /v2/images/{image_id}).
// Data already gone is not an error; external locations are left alone (their data is not
// glimpse's), locations in stores not configured here are logged and skipped. The other
// failures are joined and returned after every location was tried.
func (s *Service) DeleteData(ctx context.Context, img *glimpse.Image) error {
	var errs []error
	for _, loc := range img.Locations {
		if loc.External() {
			continue
		}
		store := s.storeOf(loc.StoreID)
		if store == nil {
			s.logger.WarnContext(ctx, "image data left in a store that is not configured",
				slog.String("image_id", img.ID), slog.String("store", loc.StoreID), slog.String("url", loc.URL))
			continue
		}
		if err := store.Delete(ctx, loc.URL); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("imagedata: delete data of image %s in store %s: %w", img.ID, loc.StoreID, err))
		}
	}
	return errors.Join(errs...)
}
