package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/glimpse-image/glimpse"
)

// The image members API ("Sharing" in the Image API reference), as Glance's
// ImageMembersController: the image must be visible (404 "Image <id> not found.") and
// shared; then Glance's policies (MemberAPIPolicy: get_image, then add_member, get_member,
// get_members, modify_member or delete_member) decide, and with secure RBAC off also
// Glance's legacy ownership checks (the owner adds and removes, only the member sets its
// status). Members are those the caller's database view shows: an admin or the owner sees
// every member, anyone else only its own membership.

// memberImage returns the visible image of a members request (404 "Image <id> not found."
// otherwise) and the message of the error Glance's _check_visibility_and_ownership raises
// for it: "Only shared images have members." or the legacy ownership message, which each
// handler answers in its own way ("" when the checks pass).
func (s *Server) memberImage(r *http.Request, ownership string) (*glimpse.Image, string, error) {
	id := r.PathValue("image_id")
	p := imageCaller(r)
	img, err := s.findVisibleImage(r.Context(), p, id)
	if err != nil {
		return nil, "", err
	}
	if img == nil {
		return nil, "", errMemberImageNotFound(id)
	}
	if img.Visibility != glimpse.ImageVisibilityShared {
		return img, "Only shared images have members.", nil
	}
	if !s.authz().SecureRBAC() && !s.isAdmin(p) {
		switch {
		case ownership == "create" && (img.Owner == "" || img.Owner != p.ProjectID):
			return img, "You are not permitted to create image members for the image.", nil
		case ownership == "update" && p.ProjectID == img.Owner:
			return img, "You are not permitted to modify 'status' on this image member.", nil
		case ownership == "delete" && p.ProjectID != img.Owner:
			return img, "You cannot delete image member.", nil
		}
	}
	return img, "", nil
}

// enforceMember is MemberAPIPolicy._enforce: get_image (404 with webob's default body when
// denied, as ImageAPIPolicy), then action (403 with the policy's message).
func (s *Server) enforceMember(p *glimpse.Principal, action string, img *glimpse.Image) error {
	if err := s.enforceImage(p, "get_image", img); err != nil {
		return err
	}
	if err := s.authz().Authorize(p, action, glimpse.ImagePolicyTarget(p, img)); err != nil {
		return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
	}
	return nil
}

// memberVisible is glance.db's member visibility: admins and the image owner see every
// member, anyone else only its own membership.
func (s *Server) memberVisible(p *glimpse.Principal, img *glimpse.Image, memberID string) bool {
	return s.isAdmin(p) || (p.ProjectID != "" && (p.ProjectID == img.Owner || p.ProjectID == memberID))
}

// lookupMember is Glance's _lookup_member: the get_member policy, then the member as the
// caller's database view has it (404 "<member> not found in the member list of the image
// <image>." otherwise).
func (s *Server) lookupMember(r *http.Request, img *glimpse.Image, memberID string) (*glimpse.Member, error) {
	p := imageCaller(r)
	if err := s.enforceMember(p, "get_member", img); err != nil {
		return nil, err
	}
	if !s.memberVisible(p, img, memberID) {
		return nil, errMemberNotFound(memberID, img.ID)
	}
	m, err := s.Members.FindMember(r.Context(), img.ID, memberID)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return nil, errMemberNotFound(memberID, img.ID)
	}
	return m, err
}

func errMemberImageNotFound(id string) error {
	return errExplained(http.StatusNotFound, "Image %s not found.", id)
}

func errMemberNotFound(memberID, imageID string) error {
	return errExplained(http.StatusNotFound, "%s not found in the member list of the image %s.", memberID, imageID)
}

// handleMemberList answers GET /v2/images/{image_id}/members ("List image members").
func (s *Server) handleMemberList(w http.ResponseWriter, r *http.Request) error {
	img, check, err := s.memberImage(r, "")
	if err != nil {
		return err
	}
	if check != "" {
		return errExplained(http.StatusForbidden, "Not allowed to list members for image %s: %s", img.ID, check)
	}
	p := imageCaller(r)
	if err := s.enforceMember(p, "get_members", img); err != nil {
		return err
	}
	members, err := s.Members.FindMembers(r.Context(), img.ID)
	if err != nil {
		return err
	}
	views := make([]pyObject, 0, len(members))
	if s.allowed(p, "get_member", img) {
		for _, m := range members {
			if s.memberVisible(p, img, m.MemberID) {
				views = append(views, memberView(m))
			}
		}
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"members", views}, {"schema", "/v2/schemas/members"}})
	return nil
}

// handleMemberCreate answers POST /v2/images/{image_id}/members ("Create image member"):
// 200 (not 201, as Glance) with the new member, pending.
func (s *Server) handleMemberCreate(w http.ResponseWriter, r *http.Request) error {
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
	img, check, err := s.memberImage(r, "create")
	if err != nil {
		return err
	}
	if check != "" {
		return errExplained(http.StatusForbidden, "Not allowed to create members for image %s.", img.ID)
	}
	if err := s.enforceMember(imageCaller(r), "add_member", img); err != nil {
		return err
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
// member details"). Glance answers every refusal here with 404.
func (s *Server) handleMemberShow(w http.ResponseWriter, r *http.Request) error {
	img, check, err := s.memberImage(r, "")
	if err != nil {
		return err
	}
	if check != "" {
		return errExplained(http.StatusNotFound, "%s", check)
	}
	m, err := s.lookupMember(r, img, r.PathValue("member_id"))
	if err != nil {
		if we := asWebob(err); we.status == http.StatusForbidden {
			return errExplained(http.StatusNotFound, "%s", we.segments[1]) // the policy message
		}
		return err
	}
	writePyJSONResponse(w, http.StatusOK, memberView(m))
	return nil
}

// handleMemberUpdate answers PUT /v2/images/{image_id}/members/{member_id} ("Update image
// member"): the member project sets its status (pending, accepted, rejected); policy
// modify_member.
func (s *Server) handleMemberUpdate(w http.ResponseWriter, r *http.Request) error {
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
	img, check, err := s.memberImage(r, "update")
	if err != nil {
		return err
	}
	if check != "" {
		return errExplained(http.StatusForbidden, "Not allowed to update members for image %s.", img.ID)
	}
	memberID := r.PathValue("member_id")
	m, err := s.lookupMember(r, img, memberID)
	if err != nil {
		return err
	}
	if err := s.enforceMember(imageCaller(r), "modify_member", img); err != nil {
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
// image member"): policy delete_member; 204 without a body or Content-Type, as Glance.
func (s *Server) handleMemberDelete(w http.ResponseWriter, r *http.Request) error {
	img, check, err := s.memberImage(r, "delete")
	if err != nil {
		return err
	}
	if check != "" {
		return errExplained(http.StatusForbidden, "Not allowed to delete members for image %s.", img.ID)
	}
	memberID := r.PathValue("member_id")
	if _, err := s.lookupMember(r, img, memberID); err != nil {
		return err
	}
	if err := s.enforceMember(imageCaller(r), "delete_member", img); err != nil {
		return err
	}
	if err := s.Members.DeleteMember(r.Context(), img.ID, memberID); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return errMemberNotFound(memberID, img.ID)
		}
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
