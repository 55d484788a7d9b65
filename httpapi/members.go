package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/glimpse-image/glimpse"
)

// The image members API ("Sharing" in the Image API reference): the owner (or an admin)
// adds and removes projects on a shared image; only the member itself accepts or rejects.

// memberImage returns the image of a members request, with Glance's errors: 404 when the
// caller may not see it (notFound), 403 when the image is not shared (forbidden).
func (s *Server) memberImage(r *http.Request, notFound func(id string) error, notShared func(id string) error) (*glimpse.Image, error) {
	id := r.PathValue("image_id")
	img, err := s.findVisibleImage(r.Context(), imageCaller(r), id)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, notFound(id)
	}
	if img.Visibility != glimpse.ImageVisibilityShared {
		return nil, notShared(id)
	}
	return img, nil
}

func errMemberImageNotFound(id string) error {
	return errExplained(http.StatusNotFound, "Image %s not found.", id)
}

func errMemberNotFound(memberID, imageID string) error {
	return errExplained(http.StatusNotFound, "%s not found in the member list of the image %s.", memberID, imageID)
}

// handleMemberList answers GET /v2/images/{image_id}/members ("List image members"): all
// members for the owner or an admin, the caller's own membership for a member.
func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request) error {
	img, err := s.memberImage(r, errMemberImageNotFound, func(id string) error {
		return errExplained(http.StatusForbidden, "Not allowed to list members for image %s: Only shared images have members.", id)
	})
	if err != nil {
		return err
	}
	p := imageCaller(r)
	members, err := s.Members.FindMembers(r.Context(), img.ID)
	if err != nil {
		return err
	}
	views := make([]pyObject, 0, len(members))
	for _, m := range members {
		if glimpse.CanModifyImage(p, img) || m.MemberID == p.ProjectID {
			views = append(views, memberView(m))
		}
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"members", views}, {"schema", "/v2/schemas/members"}})
	return nil
}

// handleMemberCreate answers POST /v2/images/{image_id}/members ("Create image member"):
// 200 (not 201, as Glance) with the new member, pending.
func (s *Server) handleMemberCreate(w http.ResponseWriter, r *http.Request) error {
	notAllowed := func(id string) error {
		return errExplained(http.StatusForbidden, "Not allowed to create members for image %s.", id)
	}
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	obj, isObject := body.(map[string]any)
	if !isObject {
		return errExplained(http.StatusBadRequest, `Expected a member in the form: {"member": "image_id"}`)
	}
	raw, ok := obj["member"]
	if !ok || raw == nil {
		return errExplained(http.StatusBadRequest, "Member to be added not specified")
	}
	memberID := pyStr(raw)
	if n, isNumber := raw.(json.Number); isNumber {
		memberID = n.String()
	}
	if memberID == "" {
		return errExplained(http.StatusBadRequest, "Member can't be empty")
	}
	img, err := s.memberImage(r, errMemberImageNotFound, notAllowed)
	if err != nil {
		return err
	}
	if !glimpse.CanModifyImage(imageCaller(r), img) {
		return notAllowed(img.ID)
	}
	existing, err := s.Members.FindMembers(r.Context(), img.ID)
	if err != nil {
		return err
	}
	if len(existing) >= imageMemberQuota {
		return errMemberQuota(len(existing) + 1)
	}
	now := time.Now().UTC()
	m := &glimpse.Member{ImageID: img.ID, MemberID: memberID, Status: glimpse.MemberStatusPending,
		CreatedAt: now, UpdatedAt: now}
	if err := s.Members.CreateMember(r.Context(), m); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return errExplained(http.StatusConflict, "Member %s is duplicated for image %s", memberID, img.ID)
		}
		return err
	}
	writePyJSONResponse(w, http.StatusOK, memberView(m))
	return nil
}

// handleMemberShow answers GET /v2/images/{image_id}/members/{member_id} ("Show image
// member details"): the owner or an admin sees any member, a member only itself.
func (s *Server) handleMemberShow(w http.ResponseWriter, r *http.Request) error {
	img, err := s.memberImage(r, errMemberImageNotFound, func(string) error {
		return errExplained(http.StatusNotFound, "Only shared images have members.")
	})
	if err != nil {
		return err
	}
	p := imageCaller(r)
	memberID := r.PathValue("member_id")
	if !glimpse.CanModifyImage(p, img) && memberID != p.ProjectID {
		return errMemberNotFound(memberID, img.ID)
	}
	m, err := s.Members.FindMember(r.Context(), img.ID, memberID)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errMemberNotFound(memberID, img.ID)
	} else if err != nil {
		return err
	}
	writePyJSONResponse(w, http.StatusOK, memberView(m))
	return nil
}

// handleMemberUpdate answers PUT /v2/images/{image_id}/members/{member_id} ("Update image
// member"): only the member project (or an admin) may set its status (pending, accepted,
// rejected).
func (s *Server) handleMemberUpdate(w http.ResponseWriter, r *http.Request) error {
	notAllowed := func(id string) error {
		return errExplained(http.StatusForbidden, "Not allowed to update members for image %s.", id)
	}
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	obj, _ := body.(map[string]any)
	raw, ok := obj["status"]
	if !ok {
		return errExplained(http.StatusBadRequest, "Status not specified")
	}
	status, _ := raw.(string)
	switch status {
	case glimpse.MemberStatusPending, glimpse.MemberStatusAccepted, glimpse.MemberStatusRejected:
	default:
		return errExplained(http.StatusBadRequest, `Incorrect request: Status must be "pending", "accepted" or "rejected".`)
	}
	img, err := s.memberImage(r, errMemberImageNotFound, notAllowed)
	if err != nil {
		return err
	}
	memberID := r.PathValue("member_id")
	if p := imageCaller(r); !p.IsAdmin() && p.ProjectID != memberID {
		return notAllowed(img.ID)
	}
	m, err := s.Members.FindMember(r.Context(), img.ID, memberID)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errMemberNotFound(memberID, img.ID)
	} else if err != nil {
		return err
	}
	m.Status = status
	if err := s.Members.UpdateMember(r.Context(), m); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errMemberNotFound(memberID, img.ID)
		}
		return err
	}
	writePyJSONResponse(w, http.StatusOK, memberView(m))
	return nil
}

// handleMemberDelete answers DELETE /v2/images/{image_id}/members/{member_id} ("Delete
// image member"): the owner or an admin; 204 without a body or Content-Type, as Glance.
func (s *Server) handleMemberDelete(w http.ResponseWriter, r *http.Request) error {
	notAllowed := func(id string) error {
		return errExplained(http.StatusForbidden, "Not allowed to delete members for image %s.", id)
	}
	img, err := s.memberImage(r, errMemberImageNotFound, notAllowed)
	if err != nil {
		return err
	}
	if !glimpse.CanModifyImage(imageCaller(r), img) {
		return notAllowed(img.ID)
	}
	memberID := r.PathValue("member_id")
	if err := s.Members.DeleteMember(r.Context(), img.ID, memberID); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errMemberNotFound(memberID, img.ID)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
