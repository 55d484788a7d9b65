package httpapi

import (
	"io"
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// handleImageShow answers GET /v2/images/{image_id} ("Show image").
func (s *Server) handleImageShow(w http.ResponseWriter, r *http.Request) error {
	img, err := s.imageOr404(r, r.PathValue("image_id"))
	if err != nil {
		return err
	}
	if err := s.enforceImage(imageCaller(r), "get_image", img); err != nil {
		return err
	}
	writePyJSONResponse(w, http.StatusOK, s.viewImage(imageCaller(r), img))
	return nil
}

// handleImageUpdate answers PATCH /v2/images/{image_id} ("Update image"): 415 unless the
// body is one of Glance's JSON-patch media types; the operations are checked before the
// image is read, then applied in one store transaction.
func (s *Server) handleImageUpdate(w http.ResponseWriter, r *http.Request) error {
	mediaType := mediaTypeOf(r.Header.Get("Content-Type"))
	if mediaType != mediaPatchV21 && mediaType != mediaPatchV20 {
		return errPatchMediaType(r.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	if len(body) > maxJSONBody {
		return errDefault(http.StatusRequestEntityTooLarge)
	}
	ops, err := parseImagePatch(body, mediaType)
	if err != nil {
		return err
	}
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.imageOr404(r, id)
	if err != nil {
		return err
	}
	// An empty patch is answered with the image, even for a caller who may not change it;
	// each change is checked against the policies as Glance does (imagePatchPolicy).
	if len(ops) > 0 {
		pol := imagePatchPolicy{s, p}
		locs := &locationPatch{show: s.ShowMultipleLocations, external: s.External, ctx: r.Context(), maxSize: s.maxImageSize()}
		// New external locations are sized before the transaction, and only for a caller
		// who may set locations (no request to another server on a refused PATCH).
		if locs.show && s.enforceImage(p, "get_image", img) == nil && pol.locations(img, false) == nil {
			locs.prefetch(img, ops)
		}
		img, err = s.Images.UpdateImage(r.Context(), id, func(img *glimpse.Image) error {
			locs.removed = nil // fn may run again
			if err := applyImagePatch(img, ops, pol, locs); err != nil {
				return err
			}
			if err := checkImage4Byte(img); err != nil {
				return err
			}
			return checkImageQuotas(img)
		})
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errImageNotFound(id)
		} else if err != nil {
			return err
		}
		// A removed location's data goes once the image no longer points at it.
		if len(locs.removed) > 0 && s.ImageData != nil {
			gone := &glimpse.Image{ID: id, Locations: locs.removed}
			if err := s.ImageData.DeleteData(r.Context(), gone); err != nil {
				s.logger().Error("delete removed location", "image_id", id, "request_id", RequestID(r.Context()), "error", err.Error())
			}
		}
	}
	writePyJSONResponse(w, http.StatusOK, s.viewImage(imageCaller(r), img))
	return nil
}

// handleImageDelete answers DELETE /v2/images/{image_id} ("Delete image"): 204, then the
// data is removed from the stores. A protected image is 403, as is another project's image.
func (s *Server) handleImageDelete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.findVisibleImage(r.Context(), p, id)
	if err != nil {
		return err
	}
	if img == nil {
		return errExplained(http.StatusNotFound, "Failed to find image %s to delete", id)
	}
	if err := s.enforceMutation(p, "delete_image", img, errNotOwner()); err != nil {
		return err
	}
	if img.Protected {
		return errExplained(http.StatusForbidden, "Image %s is protected and cannot be deleted.", id)
	}
	if err := s.Images.DeleteImage(r.Context(), id); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errExplained(http.StatusNotFound, "Failed to find image %s to delete", id)
		}
		return err
	}
	if s.ImageData != nil && len(img.Locations) > 0 {
		if err := s.ImageData.DeleteData(r.Context(), img); err != nil {
			s.logger().Error("delete image data", "image_id", id, "request_id", RequestID(r.Context()), "error", err.Error())
		}
	}
	writeNoContent(w)
	return nil
}
