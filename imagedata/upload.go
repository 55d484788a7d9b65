package imagedata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"syscall"

	"github.com/glimpse-image/glimpse"
)

// Upload streams r into the default store and makes the image active
// (PUT /v2/images/{image_id}/file, "Upload binary image data").
//
// size is the Content-Length, or -1. The image must be queued (ECONFLICT "Image status
// transition from <status> to saving is not allowed" otherwise) and have disk_format and
// container_format (EINVALID). While the data streams the image is saving. Data over the
// size cap is ETOOLARGE; data whose length differs from size is EINVALID; a full store is
// ETOOLARGE; an image deleted during the upload is ENOTFOUND. On every failure, including a
// reader error (the client went away) and ctx cancellation, the stored bytes are removed
// and the image is back to queued. On success it returns the active image with size,
// checksum (md5), os_hash_algo sha512, os_hash_value, virtual_size and one location.
func (s *Service) Upload(ctx context.Context, imageID string, r io.Reader, size int64) (*glimpse.Image, error) {
	if len(s.stores) == 0 {
		return nil, glimpse.Errorf(glimpse.EUNAVAILABLE, "No image store is configured.")
	}
	store := s.stores[0]
	if _, err := s.images.UpdateImage(ctx, imageID, startSaving); err != nil {
		return nil, err
	}
	log := s.logger.With(slog.String("image_id", imageID), slog.String("store", store.ID()))

	if size > s.maxSize {
		s.restoreQueued(ctx, imageID, log)
		return nil, glimpse.Errorf(glimpse.ETOOLARGE, tooLargeMessage)
	}
	st := newStream(r, size, s.maxSize)
	defer st.close()
	url, n, err := store.Put(ctx, imageID, st, size)
	if err != nil {
		if url != "" { // stored, but the store still reported a failure: do not keep it
			s.deleteObject(ctx, store, url, log)
		}
		s.restoreQueued(ctx, imageID, log)
		err = uploadError(imageID, st, err)
		log.LogAttrs(ctx, levelOf(ctx, st, err), "image upload failed", slog.Int64("bytes", st.n), slog.Any("error", err))
		return nil, err
	}

	loc := glimpse.Location{URL: url, StoreID: store.ID(), Status: "active"}
	checksum, multihash, algo := st.checksum(), st.multihash(), "sha512"
	finished, err := s.images.UpdateImage(detached(ctx), imageID, func(cur *glimpse.Image) error {
		if cur.Status != glimpse.ImageStatusSaving {
			return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to active is not allowed", cur.Status)
		}
		cur.Status = glimpse.ImageStatusActive
		cur.Size = &n
		cur.Checksum = &checksum
		cur.OSHashAlgo = &algo
		cur.OSHashValue = &multihash
		cur.VirtualSize = virtualSize(deref(cur.DiskFormat), deref(cur.ContainerFormat), st.head(), st.vhdx.size, n)
		cur.Locations = append(cur.Locations, loc)
		return nil
	})
	if err != nil {
		s.deleteObject(ctx, store, url, log)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			log.WarnContext(ctx, "image deleted during upload; stored data removed")
			return nil, glimpse.Errorf(glimpse.EGONE, "%s", goneMessage(imageID))
		}
		s.restoreQueued(ctx, imageID, log)
		log.ErrorContext(ctx, "image upload: cannot activate the image", slog.Any("error", err))
		return nil, err
	}
	log.InfoContext(ctx, "image uploaded", slog.Int64("bytes", n))
	return finished, nil
}

// startSaving moves a queued image to saving, as Glance's image status setter does.
func startSaving(img *glimpse.Image) error {
	if img.Status != glimpse.ImageStatusQueued {
		return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to saving is not allowed", img.Status)
	}
	var missing []string
	if deref(img.DiskFormat) == "" {
		missing = append(missing, "disk_format")
	}
	if deref(img.ContainerFormat) == "" {
		missing = append(missing, "container_format")
	}
	switch len(missing) {
	case 1:
		return glimpse.Errorf(glimpse.EINVALID, "Property %s must be set prior to saving data.", missing[0])
	case 2:
		return glimpse.Errorf(glimpse.EINVALID, "Properties %s must be set prior to saving data.", strings.Join(missing, ", "))
	}
	img.Status = glimpse.ImageStatusSaving
	return nil
}

// restoreQueued puts a saving image back to queued after a failed upload (Glance's
// _restore), even when ctx is already cancelled. An image deleted meanwhile stays deleted.
func (s *Service) restoreQueued(ctx context.Context, imageID string, log *slog.Logger) {
	_, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		if img.Status == glimpse.ImageStatusSaving {
			img.Status = glimpse.ImageStatusQueued
		}
		return nil
	})
	if err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		log.ErrorContext(ctx, "cannot restore image to queued", slog.Any("error", err))
	}
}

// deleteObject removes data an upload stored but could not keep, even when ctx is cancelled.
func (s *Service) deleteObject(ctx context.Context, store glimpse.Store, url string, log *slog.Logger) {
	if err := store.Delete(detached(ctx), url); err != nil {
		log.ErrorContext(ctx, "cannot remove the data of a failed upload", slog.String("url", url), slog.Any("error", err))
	}
}

// uploadError turns the error of a failed Put into what Upload returns.
func uploadError(imageID string, st *stream, err error) error {
	switch {
	case errors.Is(err, errTooLarge):
		return glimpse.Errorf(glimpse.ETOOLARGE, tooLargeMessage)
	case errors.Is(err, errSizeMismatch):
		return glimpse.Errorf(glimpse.EINVALID, "Size of the uploaded data (%d bytes so far) does not match the declared size (%d bytes).", st.n, st.size)
	case st.readErr != nil && errors.Is(err, st.readErr), errors.Is(err, context.Canceled):
		// The client went away or stopped sending: its fault, answered like a short body.
		// A chunked body has no length to fall short of: the request's context is
		// cancelled when the client hangs up, often before the read error shows.
		return &wrapped{glimpse.Errorf(glimpse.EINVALID, "Error reading the image data from the request: %d bytes received before it broke off.", st.n),
			fmt.Errorf("imagedata: upload %s: reading data: %w", imageID, err)}
	case errors.Is(err, syscall.ENOSPC):
		return &wrapped{glimpse.Errorf(glimpse.ETOOLARGE, storageFullMessage), err}
	}
	return fmt.Errorf("imagedata: upload %s: %w", imageID, err)
}

// wrapped is an application error that keeps its cause for errors.Is and logs.
type wrapped struct {
	app   *glimpse.Error
	cause error
}

func (w *wrapped) Error() string   { return w.app.Error() + ": " + w.cause.Error() }
func (w *wrapped) Unwrap() []error { return []error{w.app, w.cause} }

// levelOf logs the failures clients cause (a broken body, a cancelled request, a limit)
// as warnings and the store's own failures as errors.
func levelOf(ctx context.Context, st *stream, err error) slog.Level {
	if st.readErr != nil || ctx.Err() != nil || glimpse.ErrorCode(err) != glimpse.EINTERNAL {
		return slog.LevelWarn
	}
	return slog.LevelError
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
