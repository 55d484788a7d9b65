package glimpse

import "context"

// Quota resource names: Glance's keystone unified limits ("Image quotas" in the Glance
// admin guide, GET /v2/info/usage). Size limits are in MiB, counts in images.
const (
	QuotaImageSizeTotal      = "image_size_total"      // MiB of image data in the stores
	QuotaImageStageTotal     = "image_stage_total"     // MiB of data in the staging area
	QuotaImageCountTotal     = "image_count_total"     // images not killed or deleted
	QuotaImageCountUploading = "image_count_uploading" // images being uploaded, staged, imported or copied
)

// ImageUsage is what one project consumes of the resources the quotas limit, counted as
// Glance counts them (glance.db.sqlalchemy.api user_get_*_usage/count).
type ImageUsage struct {
	SizeTotal      int64 // bytes: size × locations, over images not killed or deleted
	StageTotal     int64 // bytes of images uploading or importing, or being copied to stores
	CountTotal     int64 // images not killed or deleted
	CountUploading int64 // images saving, uploading or importing, or being copied to stores
}

// UsageService measures a project's image usage for the quotas.
type UsageService interface {
	// ImageUsage returns the usage of the images owned by project owner.
	ImageUsage(ctx context.Context, owner string) (*ImageUsage, error)
}
