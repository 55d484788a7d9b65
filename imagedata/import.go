package imagedata

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// ImportOptions say where an interoperable import writes ("Import an image": the stores,
// all_stores and all_stores_must_succeed of the request, resolved to store ids).
type ImportOptions struct {
	Stores []string // target store ids, in the order they are written
	// AllMustSucceed: one failing store fails the whole import and removes what the
	// import wrote to the others; otherwise the import succeeds when any store does.
	AllMustSucceed bool
}

// ImportResult tells what an import wrote.
type ImportResult struct {
	Image  *glimpse.Image
	Bytes  int64    // bytes written to each store
	Failed []string // stores that failed (only when AllMustSucceed is false)
}

// ImportStaged moves the staged data of an image in status importing into opts.Stores
// (the glance-direct import, and the second half of web-download). Each store gets one
// streaming pass over the staged object with the same hashing as Upload; the first store
// written sets size, checksum, os_hash_value and virtual_size, and every later copy must
// match them. After each store the image's os_glance_importing_to_stores loses it (or
// os_glance_failed_import gains it); the image becomes active after the first store when
// not every store must succeed, else after the last. The staged data is removed at the end.
// Errors: ENOTFOUND when the image was deleted meanwhile; an error naming the failed
// stores when none (or, with AllMustSucceed, not all) succeeded. The caller then calls
// FailImport.
func (s *Service) ImportStaged(ctx context.Context, imageID string, opts ImportOptions) (*ImportResult, error) {
	img, err := s.images.FindImageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	staged := StagedLocation(img)
	if staged == nil || s.staging == nil {
		return nil, glimpse.Errorf(glimpse.ECONFLICT, "Image %s has no staged data to import.", imageID)
	}
	url := staged.URL
	open := func(ctx context.Context) (io.ReadCloser, error) { return s.staging.Open(ctx, url, 0, -1) }
	res, err := s.importToStores(ctx, imageID, open, opts, nil)
	if err != nil {
		return nil, err
	}
	if err := s.DiscardStaged(ctx, imageID); err != nil {
		s.logger.WarnContext(ctx, "cannot remove staged data", slog.String("image_id", imageID), slog.Any("error", err))
	}
	res.Image, err = s.endImport(ctx, imageID)
	return res, err
}

// CopyToStores copies the data of an active image into more stores (the copy-image
// import). Each copy is hashed on the way and must match the image's size and checksums.
// The image stays active whatever happens; os_glance_importing_to_stores and
// os_glance_failed_import follow the progress as in ImportStaged.
func (s *Service) CopyToStores(ctx context.Context, imageID string, opts ImportOptions) (*ImportResult, error) {
	img, err := s.images.FindImageByID(ctx, imageID)
	if err != nil {
		return nil, err
	}
	if img.Size == nil || len(img.ActiveLocations()) == 0 {
		return nil, glimpse.Errorf(glimpse.ECONFLICT, "Image %s has no data to copy.", imageID)
	}
	ref := &digest{n: *img.Size, checksum: deref(img.Checksum), multihash: deref(img.OSHashValue)}
	open := func(ctx context.Context) (io.ReadCloser, error) { return s.Download(ctx, img, 0, -1) }
	res, err := s.importToStores(ctx, imageID, open, opts, ref)
	if err != nil {
		return nil, err
	}
	res.Image, err = s.endImport(ctx, imageID)
	return res, err
}

// digest is what one pass over the data computed.
type digest struct {
	n                   int64
	checksum, multihash string
	head                []byte
	vhdxSize            uint64 // what the stream's vhdxSizer found
}

func (d *digest) matches(o *digest) bool {
	return d.n == o.n && (o.checksum == "" || d.checksum == o.checksum) && (o.multihash == "" || d.multihash == o.multihash)
}

// importToStores writes the data open gives into each store of opts. ref, for a copy of
// an active image, is the digest every copy must match; nil for an import, where the first
// copy sets the image's digest.
func (s *Service) importToStores(ctx context.Context, imageID string, open func(context.Context) (io.ReadCloser, error), opts ImportOptions, ref *digest) (*ImportResult, error) {
	copying := ref != nil
	res := &ImportResult{}
	var written []glimpse.Location
	for i, storeID := range opts.Stores {
		log := s.logger.With(slog.String("image_id", imageID), slog.String("store", storeID))
		loc, dg, err := s.copyInto(ctx, imageID, storeID, open)
		if err == nil && ref != nil && !dg.matches(ref) {
			s.deleteObject(ctx, s.byID[storeID], loc.URL, log)
			err = fmt.Errorf("imagedata: data written to store %s does not match the image (size %d, checksum %s)", storeID, dg.n, dg.checksum)
		}
		if err != nil {
			log.WarnContext(ctx, "import to store failed", slog.Any("error", err))
			if ctx.Err() != nil || opts.AllMustSucceed {
				s.removeWritten(ctx, imageID, written)
				return nil, fmt.Errorf("imagedata: import %s to store %s: %w", imageID, storeID, err)
			}
			res.Failed = append(res.Failed, storeID)
			if _, uerr := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
				moveStore(img, storeID, true)
				return nil
			}); uerr != nil {
				return nil, uerr
			}
			continue
		}
		first := ref == nil
		if first {
			ref = dg
		}
		activate := !copying && (!opts.AllMustSucceed || i == len(opts.Stores)-1)
		_, err = s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
			switch {
			case copying && img.Status == glimpse.ImageStatusDeleted,
				!copying && img.Status != glimpse.ImageStatusImporting && img.Status != glimpse.ImageStatusActive:
				return glimpse.Errorf(glimpse.ECONFLICT, "Image status transition from %s to active is not allowed", img.Status)
			}
			if first && !copying {
				n, checksum, multihash, algo := dg.n, dg.checksum, dg.multihash, "sha512"
				img.Size, img.Checksum, img.OSHashValue, img.OSHashAlgo = &n, &checksum, &multihash, &algo
				img.VirtualSize = virtualSize(deref(img.DiskFormat), deref(img.ContainerFormat), dg.head, dg.vhdxSize, n)
			}
			img.Locations = append(img.Locations, loc)
			moveStore(img, storeID, false)
			if activate {
				img.Status = glimpse.ImageStatusActive
			}
			return nil
		})
		if err != nil {
			s.deleteObject(ctx, s.byID[storeID], loc.URL, log)
			s.removeWritten(ctx, imageID, written)
			if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
				return nil, glimpse.Errorf(glimpse.ENOTFOUND, "%s", goneMessage(imageID))
			}
			return nil, err
		}
		written = append(written, loc)
		res.Bytes = dg.n
		log.InfoContext(ctx, "image imported to store", slog.Int64("bytes", dg.n))
	}
	if len(written) == 0 {
		return nil, fmt.Errorf("imagedata: import %s failed on every store (%s)", imageID, strings.Join(opts.Stores, ","))
	}
	return res, nil
}

// copyInto streams the data from open into one store, hashing it.
func (s *Service) copyInto(ctx context.Context, imageID, storeID string, open func(context.Context) (io.ReadCloser, error)) (glimpse.Location, *digest, error) {
	store := s.byID[storeID]
	if store == nil {
		return glimpse.Location{}, nil, fmt.Errorf("imagedata: store %q is not configured", storeID)
	}
	rc, err := open(ctx)
	if err != nil {
		return glimpse.Location{}, nil, fmt.Errorf("imagedata: open the source data: %w", err)
	}
	defer rc.Close()
	st := newStream(rc, -1, s.maxSize)
	defer st.close()
	url, n, err := store.Put(ctx, imageID, st, -1)
	if err != nil {
		if url != "" {
			s.deleteObject(ctx, store, url, s.logger)
		}
		return glimpse.Location{}, nil, uploadError(imageID, st, err)
	}
	dg := &digest{n: n, checksum: st.checksum(), multihash: st.multihash(), head: slices.Clone(st.head()), vhdxSize: st.vhdx.size}
	return glimpse.Location{URL: url, StoreID: storeID, Status: "active"}, dg, nil
}

// removeWritten deletes what a failed import wrote and drops those locations.
func (s *Service) removeWritten(ctx context.Context, imageID string, written []glimpse.Location) {
	if len(written) == 0 {
		return
	}
	_, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		img.Locations = slices.DeleteFunc(img.Locations, func(l glimpse.Location) bool {
			return slices.ContainsFunc(written, func(w glimpse.Location) bool { return w.URL == l.URL && w.StoreID == l.StoreID })
		})
		return nil
	})
	if err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		s.logger.ErrorContext(ctx, "cannot drop the locations of a failed import", slog.String("image_id", imageID), slog.Any("error", err))
	}
	for _, l := range written {
		if st := s.storeOf(l.StoreID); st != nil {
			s.deleteObject(ctx, st, l.URL, s.logger.With(slog.String("image_id", imageID)))
		}
	}
}

// FailImport ends a failed import of the image: every store still in
// os_glance_importing_to_stores moves to os_glance_failed_import, the import lock
// (os_glance_import_task) is released and the staged data removed. Unless copying (a
// copy-image import, whose image stays active), an image not yet active goes back to
// queued without data: its checksums are cleared and any data the import wrote is
// deleted. A deleted image is left alone.
func (s *Service) FailImport(ctx context.Context, imageID string, copying bool) error {
	var drop []glimpse.Location
	_, err := s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		for _, id := range splitStores(img.Properties[glimpse.PropImportingToStores]) {
			moveStore(img, id, true)
		}
		if img.Properties != nil {
			delete(img.Properties, glimpse.PropImportTask)
		}
		if !copying && img.Status != glimpse.ImageStatusActive && img.Status != glimpse.ImageStatusDeleted &&
			img.Status != glimpse.ImageStatusDeactivated {
			img.Status = glimpse.ImageStatusQueued
			for _, l := range img.Locations {
				if l.Status != locationStaged {
					drop = append(drop, l)
				}
			}
			img.Locations = slices.DeleteFunc(img.Locations, func(l glimpse.Location) bool { return l.Status != locationStaged })
			img.Size, img.VirtualSize, img.Checksum, img.OSHashAlgo, img.OSHashValue = nil, nil, nil, nil, nil
		}
		return nil
	})
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	for _, l := range drop {
		if st := s.storeOf(l.StoreID); st != nil {
			s.deleteObject(ctx, st, l.URL, s.logger.With(slog.String("image_id", imageID)))
		}
	}
	return s.DiscardStaged(ctx, imageID)
}

// endImport releases the import lock after a successful import.
func (s *Service) endImport(ctx context.Context, imageID string) (*glimpse.Image, error) {
	return s.images.UpdateImage(detached(ctx), imageID, func(img *glimpse.Image) error {
		if img.Properties != nil {
			delete(img.Properties, glimpse.PropImportTask)
		}
		return nil
	})
}

// moveStore takes storeID out of os_glance_importing_to_stores and, when failed, adds it
// to os_glance_failed_import.
func moveStore(img *glimpse.Image, storeID string, failed bool) {
	if img.Properties == nil {
		img.Properties = map[string]string{}
	}
	importing := slices.DeleteFunc(splitStores(img.Properties[glimpse.PropImportingToStores]), func(s string) bool { return s == storeID })
	img.Properties[glimpse.PropImportingToStores] = strings.Join(importing, ",")
	if failed {
		f := splitStores(img.Properties[glimpse.PropFailedImport])
		if !slices.Contains(f, storeID) {
			f = append(f, storeID)
		}
		img.Properties[glimpse.PropFailedImport] = strings.Join(f, ",")
	}
}

// splitStores splits a comma-separated store list, dropping empty items.
func splitStores(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
