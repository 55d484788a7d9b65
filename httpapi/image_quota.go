package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// Glance's default per-image quotas (glance-api.conf image_tag_quota,
// image_property_quota, image_member_quota).
const (
	imageTagQuota      = 128
	imagePropertyQuota = 128
	imageMemberQuota   = 128
)

// checkImageQuotas refuses an image with more tags or custom properties than Glance
// allows: 413 with Glance's message.
func checkImageQuotas(img *glimpse.Image) error {
	if n := len(img.Tags); n > imageTagQuota {
		return errExplained(http.StatusRequestEntityTooLarge,
			"The limit has been exceeded on the number of allowed image tags. Attempted: %d, Maximum: %d", n, imageTagQuota)
	}
	if n := len(img.Properties); n > imagePropertyQuota {
		return errExplained(http.StatusRequestEntityTooLarge,
			"The limit has been exceeded on the number of allowed image properties. Attempted: %d, Maximum: %d", n, imagePropertyQuota)
	}
	return nil
}

// errMemberQuota is Glance's 413 for one member too many.
func errMemberQuota(attempted int) error {
	return errExplained(http.StatusRequestEntityTooLarge,
		"The limit has been exceeded on the number of allowed image members for this image. Attempted: %d, Maximum: %d", attempted, imageMemberQuota)
}
