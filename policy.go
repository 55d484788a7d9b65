package glimpse

// PolicyTarget is the object of a policy check, as oslo.policy's target dict: the values a
// rule's "%(name)s" substitutions read, e.g. "project_id" and "owner" (the image owner),
// "visibility", "member_id" (the caller's project when it sees a shared image it does not
// own). A value that Glance would have as None is the string "None", as Python formats it;
// a missing key fails the check that reads it.
type PolicyTarget map[string]string

// Authorizer decides who may do what, as Glance's policy enforcer (oslo.policy with
// Glance's default rules, glance/policies/*.py, and the operator's policy file).
//
// Authorize returns nil when p may perform action (a Glance policy name such as
// "get_image", "modify_image", "add_member") on target, and otherwise a *Error with code
// EFORBIDDEN and Glance's message "You are not authorized to complete <action> action."
// (also when the token's scope is not one the rule allows). An unknown action is
// EFORBIDDEN too (oslo.policy's PolicyNotRegistered never grants).
//
// IsAdmin is Glance's context.is_admin (the "context_is_admin" rule, role:admin by default):
// such a caller sees every image, as the database layer of Glance does.
//
// SecureRBAC reports whether Glance's [DEFAULT] enforce_secure_rbac is on: when it is
// off, Glance adds its legacy owner checks after the policy ("You do not own this image")
// and its legacy member ownership checks.
type Authorizer interface {
	Authorize(p *Principal, action string, target PolicyTarget) error
	IsAdmin(p *Principal) bool
	SecureRBAC() bool
}

// ImagePolicyTarget returns the target Glance builds for an existing image
// (glance.api.policy.ImageTarget): project_id and owner are the image owner, member_id is
// the caller's project for a shared image the caller does not own (how Glance's image
// repository marks an image found through membership), "None" otherwise.
func ImagePolicyTarget(p *Principal, img *Image) PolicyTarget {
	owner := pyNone(img.Owner)
	member := "None"
	if img.Visibility == ImageVisibilityShared && p.ProjectID != img.Owner {
		member = pyNone(p.ProjectID)
	}
	t := PolicyTarget{
		"project_id": owner,
		"owner":      owner,
		"visibility": img.Visibility,
		"member_id":  member,
		"member":     member,
		"id":         img.ID,
		"image_id":   img.ID,
		"status":     img.Status,
	}
	for k, v := range img.Properties {
		if _, core := t[k]; !core {
			t[k] = v
		}
	}
	return t
}

// NewImagePolicyTarget returns the target Glance builds for an image not created yet
// (POST /v2/images): project_id and owner are the requested owner or the caller's project,
// visibility the requested one or "private" (what Glance's policy sees, whatever the
// image's eventual default).
func NewImagePolicyTarget(p *Principal, owner *string, visibility string) PolicyTarget {
	o := pyNone(p.ProjectID)
	if owner != nil {
		o = pyNone(*owner)
	}
	if visibility == "" {
		visibility = ImageVisibilityPrivate
	}
	return PolicyTarget{"project_id": o, "owner": o, "visibility": visibility}
}

// pyNone is s, or "None" (Python's str(None)) when s is empty.
func pyNone(s string) string {
	if s == "" {
		return "None"
	}
	return s
}
