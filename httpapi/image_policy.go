package httpapi

import (
	"net/http"
	"sync"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/policy"
)

// Policy checks of the image API, in the places and with the answers of Glance's
// glance.api.v2.policy (ImageAPIPolicy, MemberAPIPolicy) and its legacy fallbacks.

var (
	defaultAuthorizerOnce sync.Once
	defaultAuthorizer     glimpse.Authorizer
)

// authz returns s.Authorizer, or Glance's secure-RBAC defaults when none is set.
func (s *Server) authz() glimpse.Authorizer {
	if s.Authorizer != nil {
		return s.Authorizer
	}
	defaultAuthorizerOnce.Do(func() {
		e, err := policy.New(policy.Secure, nil)
		if err != nil {
			panic("httpapi: default policies: " + err.Error())
		}
		defaultAuthorizer = e
	})
	return defaultAuthorizer
}

// isAdmin is Glance's context.is_admin for p.
func (s *Server) isAdmin(p *glimpse.Principal) bool { return s.authz().IsAdmin(p) }

// viewer is the listing scope of p, with the policy's idea of an admin.
func (s *Server) viewer(p *glimpse.Principal) *glimpse.Viewer {
	return &glimpse.Viewer{ProjectID: p.ProjectID, Admin: s.isAdmin(p)}
}

// allowed is a soft policy check on an existing image.
func (s *Server) allowed(p *glimpse.Principal, action string, img *glimpse.Image) bool {
	return s.authz().Authorize(p, action, glimpse.ImagePolicyTarget(p, img)) == nil
}

// enforceImage is ImageAPIPolicy._enforce: a denied action is 404 (webob's default body)
// when the caller may not get_image either, and otherwise 403 with the policy's message.
func (s *Server) enforceImage(p *glimpse.Principal, action string, img *glimpse.Image) error {
	err := s.authz().Authorize(p, action, glimpse.ImagePolicyTarget(p, img))
	if err == nil {
		return nil
	}
	if action == "get_image" || !s.allowed(p, "get_image", img) {
		return errDefault(http.StatusNotFound)
	}
	return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
}

// enforceVisibility is Glance's _enforce_image_visibility: publicize_image for public,
// communitize_image for community; 403 (never 404) with the policy's message.
func (s *Server) enforceVisibility(p *glimpse.Principal, visibility string, target glimpse.PolicyTarget) error {
	action := ""
	switch visibility {
	case glimpse.ImageVisibilityPublic:
		action = "publicize_image"
	case glimpse.ImageVisibilityCommunity:
		action = "communitize_image"
	default:
		return nil
	}
	if err := s.authz().Authorize(p, action, target); err != nil {
		return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
	}
	return nil
}

// legacyMutable is Glance's check_is_image_mutable, applied after the policy only when
// secure RBAC is off: admins and the owner may change an image.
func (s *Server) legacyMutable(p *glimpse.Principal, img *glimpse.Image) bool {
	if s.authz().SecureRBAC() || s.isAdmin(p) {
		return true
	}
	return img.Owner != "" && p.ProjectID != "" && img.Owner == p.ProjectID
}

// enforceMutation checks an image change: the policy action (404/403 as enforceImage),
// then the legacy owner check, answered with notOwner.
func (s *Server) enforceMutation(p *glimpse.Principal, action string, img *glimpse.Image, notOwner *webobError) error {
	if err := s.enforceImage(p, action, img); err != nil {
		return err
	}
	if !s.legacyMutable(p, img) {
		return notOwner
	}
	return nil
}

// authorizeNewImage is ImageAPIPolicy.add_image for POST /v2/images: add_image on the
// proposed owner and visibility, the visibility policies, then (legacy only) the owner
// check of check_admin_or_same_owner. owner is nil when the body has none, or points to ""
// for "owner": null.
func (s *Server) authorizeNewImage(p *glimpse.Principal, owner *string, visibility string) error {
	target := glimpse.NewImagePolicyTarget(p, owner, visibility)
	if err := s.authz().Authorize(p, "add_image", target); err != nil {
		if target["owner"] != noneIfEmpty(p.ProjectID) {
			return errExplained(http.StatusForbidden, "You are not permitted to create images owned by '%s'", target["owner"])
		}
		return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
	}
	if err := s.enforceVisibility(p, target["visibility"], target); err != nil {
		return err
	}
	if !s.authz().SecureRBAC() && !s.isAdmin(p) && target["owner"] != noneIfEmpty(p.ProjectID) {
		return errExplained(http.StatusForbidden, "You are not permitted to create images owned by '%s'.", target["owner"])
	}
	return nil
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

// imagePatchPolicy checks each change of a PATCH as Glance's update does, against the
// image as changed so far (Glance's policy target reads the live image).
type imagePatchPolicy struct {
	s *Server
	p *glimpse.Principal
}

// property is ImageAPIPolicy.update_property: the visibility policies for a visibility
// change, then modify_image and the legacy owner check ("You do not own this image").
func (pp imagePatchPolicy) property(img *glimpse.Image, name string, value any) error {
	if name == "visibility" {
		v, _ := value.(string)
		if err := pp.s.enforceVisibility(pp.p, v, glimpse.ImagePolicyTarget(pp.p, img)); err != nil {
			return err
		}
	}
	return pp.s.enforceMutation(pp.p, "modify_image", img, errNotOwner())
}

// locations is update_locations (set_image_location) or delete_locations
// (delete_image_location and, legacy only, the owner check).
func (pp imagePatchPolicy) locations(img *glimpse.Image, remove bool) error {
	if remove {
		return pp.s.enforceMutation(pp.p, "delete_image_location", img, errNotOwner())
	}
	return pp.s.enforceImage(pp.p, "set_image_location", img)
}

func (pp imagePatchPolicy) isAdmin() bool { return pp.s.isAdmin(pp.p) }

// callerAllowed checks a policy whose target is the caller's own project (tasks, stores
// detail: Glance passes no object the default rules read).
func (s *Server) callerAllowed(p *glimpse.Principal, action string) bool {
	return s.authz().Authorize(p, action, glimpse.PolicyTarget{"project_id": noneIfEmpty(p.ProjectID)}) == nil
}

// enforceImport is the policy of POST /v2/images/{id}/import: copy_image for copy-image,
// modify_image for the other methods (404/403 as enforceImage). Glance's legacy owner
// check stays with the importer.
func (s *Server) enforceImport(p *glimpse.Principal, method string, img *glimpse.Image) error {
	action := "modify_image"
	if method == glimpse.ImportCopyImage {
		action = "copy_image"
	}
	return s.enforceImage(p, action, img)
}
