package glimpse

// The rules below are Glance's legacy defaults for who may see and change an image
// (glance.db.is_image_visible and the legacy image policies "get_image", "modify_image",
// "publicize_image", "download_image"), for callers without an Authorizer. The API
// itself asks its Authorizer (policy.go; package policy). Where a caller may not see an
// image the API answers 404, as Glance does; where it may see but not change it, 403.

// CanSeeImage reports whether p may see img. member is p's membership of img (nil if none);
// a member sees a shared image whatever its member status.
func CanSeeImage(p *Principal, img *Image, member *Member) bool {
	return ImageVisible(ViewerOf(p), img, member)
}

// ImageVisible is glance.db's is_image_visible: whether the viewer v may see img at all
// (an admin viewer sees every image; images without owner, public and community images are
// seen by all; the owner sees its images; a member project sees a shared image whatever
// its member status). member is v's membership of img, or nil.
func ImageVisible(v *Viewer, img *Image, member *Member) bool {
	switch {
	case v.Admin:
		return true
	case img.Owner == "":
		return true
	case img.Visibility == ImageVisibilityPublic || img.Visibility == ImageVisibilityCommunity:
		return true
	case v.ProjectID != "" && v.ProjectID == img.Owner:
		return true
	case img.Visibility == ImageVisibilityShared && member != nil && member.MemberID == v.ProjectID:
		return true
	}
	return false
}

// CanModifyImage reports whether p may change, upload to or delete img: its owner or an admin.
func CanModifyImage(p *Principal, img *Image) bool {
	return p.IsAdmin() || (p.ProjectID != "" && p.ProjectID == img.Owner)
}

// CanSetVisibility reports whether p may give an image the visibility v:
// only an admin may publicize (Glance policy "publicize_image").
func CanSetVisibility(p *Principal, v string) bool {
	return v != ImageVisibilityPublic || p.IsAdmin()
}

// CanDownloadImage reports whether p may read the data of an image it can see: a
// deactivated image's data is for admins only.
func CanDownloadImage(p *Principal, img *Image) bool {
	return img.Status != ImageStatusDeactivated || p.IsAdmin()
}

// ViewerOf returns the listing scope of p.
func ViewerOf(p *Principal) *Viewer {
	return &Viewer{ProjectID: p.ProjectID, Admin: p.IsAdmin()}
}
