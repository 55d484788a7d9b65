package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// handleImageDeactivate answers POST /v2/images/{image_id}/actions/deactivate
// ("Deactivate image"): 204; an active image becomes deactivated (its data is then for
// admins only), a deactivated one stays so; any other status is 403. Owner or admin only.
func (s *Server) handleImageDeactivate(w http.ResponseWriter, r *http.Request) error {
	return s.imageAction(w, r, "deactivate", glimpse.ImageStatusActive, glimpse.ImageStatusDeactivated)
}

// handleImageReactivate answers POST /v2/images/{image_id}/actions/reactivate
// ("Reactivate image"): the reverse of deactivate.
func (s *Server) handleImageReactivate(w http.ResponseWriter, r *http.Request) error {
	return s.imageAction(w, r, "reactivate", glimpse.ImageStatusDeactivated, glimpse.ImageStatusActive)
}

func (s *Server) imageAction(w http.ResponseWriter, r *http.Request, action, from, to string) error {
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.imageOr404(r, id)
	if err != nil {
		return err
	}
	if err := s.enforceMutation(p, action, img, errNotOwner()); err != nil {
		return err
	}
	_, err = s.Images.UpdateImage(r.Context(), id, func(img *glimpse.Image) error {
		switch img.Status {
		case to:
			return nil
		case from:
			img.Status = to
			return nil
		}
		return errExplained(http.StatusForbidden, "Not allowed to %s image in status '%s'", action, img.Status)
	})
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errImageNotFound(id)
	} else if err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
