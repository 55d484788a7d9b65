package httpapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// handleImageStoreDelete answers DELETE /v2/stores/{store_id}/{image_id} ("Delete image
// from store", Image API v2.10): removes the image's copy in one store and keeps the others
// (204). As Glance: an unknown store is 409 "The selected store … is not available on this
// node."; an image the caller cannot see is 404 "Failed to find image …"; the policy is
// delete_image_location (admin); removing the only copy is 403 "Cannot delete image data
// from the only store containing it. Consider deleting the image instead."
func (s *Server) handleImageStoreDelete(w http.ResponseWriter, r *http.Request) error {
	storeID, id := r.PathValue("store_id"), r.PathValue("image_id")
	i := slices.IndexFunc(s.Stores, func(st glimpse.Store) bool { return st.ID() == storeID })
	if i < 0 {
		return errExplained(http.StatusConflict, "The selected store %s is not available on this node.", storeID)
	}
	store := s.Stores[i]
	p := imageCaller(r)
	img, err := s.findVisibleImage(r.Context(), p, id)
	if err != nil {
		return err
	} else if img == nil {
		return errExplained(http.StatusNotFound, "Failed to find image %s", id)
	}
	if err := s.enforceImage(p, "delete_image_location", img); err != nil {
		return err
	}
	var removed glimpse.Location
	_, err = s.Images.UpdateImage(r.Context(), id, func(img *glimpse.Image) error {
		if len(img.ActiveLocations()) <= 1 {
			return errExplained(http.StatusForbidden, "Cannot delete image data from the only store containing it. Consider deleting the image instead.")
		}
		at := slices.IndexFunc(img.Locations, func(l glimpse.Location) bool { return l.StoreID == storeID })
		if at < 0 {
			return errExplained(http.StatusNotFound, "Image %s is not present in store %s", id, storeID)
		}
		removed = img.Locations[at]
		img.Locations = slices.Delete(img.Locations, at, at+1)
		return nil
	})
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errExplained(http.StatusNotFound, "Failed to find image %s", id)
	} else if err != nil {
		return err
	}
	// The record no longer points at the copy; a failure here only leaves an orphan file.
	if err := store.Delete(context.WithoutCancel(r.Context()), removed.URL); err != nil {
		s.logger().Error("cannot delete an image's copy from a store", "image_id", id, "store", storeID, "error", err.Error())
	}
	writeNoContent(w)
	return nil
}
