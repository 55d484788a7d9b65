package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// Quotas are the per-project image quotas, one limit for every project, named as Glance's
// keystone unified limits (glimpse.Quota*). A limit of -1 is no limit. With no Quotas on
// the Server nothing is enforced and GET /v2/info/usage answers {"usage": {}}, as Glance
// without use_keystone_limits.
type Quotas struct {
	ImageSizeTotal      int64 // MiB of image data in the stores
	ImageStageTotal     int64 // MiB of staged data
	ImageCountTotal     int64 // images
	ImageCountUploading int64 // images being uploaded, staged, imported or copied
	Usage               glimpse.UsageService
}

// Enabled reports whether any limit is set.
func (q *Quotas) Enabled() bool {
	return q != nil && q.Usage != nil &&
		(q.ImageSizeTotal >= 0 || q.ImageStageTotal >= 0 || q.ImageCountTotal >= 0 || q.ImageCountUploading >= 0)
}

// quotaValue is one resource's limit and usage in the units of the limit.
type quotaValue struct {
	name         string
	limit, usage int64
}

// values returns the four quotas of project owner in Glance's order.
func (q *Quotas) values(ctx context.Context, owner string) ([]quotaValue, error) {
	u, err := q.Usage.ImageUsage(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("quota usage: %w", err)
	}
	const mib = 1 << 20
	return []quotaValue{
		{glimpse.QuotaImageSizeTotal, q.ImageSizeTotal, u.SizeTotal / mib},
		{glimpse.QuotaImageStageTotal, q.ImageStageTotal, u.StageTotal / mib},
		{glimpse.QuotaImageCountTotal, q.ImageCountTotal, u.CountTotal},
		{glimpse.QuotaImageCountUploading, q.ImageCountUploading, u.CountUploading},
	}, nil
}

// enforceQuota refuses, with Glance's 413, an operation that would take project owner's
// usage of the named resource (glimpse.Quota*) past its limit: usage + delta > limit, as
// oslo.limit. selfUsage is added to the measured usage first (1 when the image the
// operation is about counts already in Glance's check but not yet here). Glance passes
// delta 0 for sizes (checked before data arrives) and uploads, 1 for image creation.
func (s *Server) enforceQuota(ctx context.Context, owner, name string, selfUsage, delta int64) error {
	if !s.Quotas.Enabled() {
		return nil
	}
	values, err := s.Quotas.values(ctx, owner)
	if err != nil {
		return err
	}
	for _, v := range values {
		if v.name != name || v.limit < 0 {
			continue
		}
		usage := v.usage + selfUsage
		if usage+delta > v.limit {
			return errQuota(owner, name, v.limit, usage, delta)
		}
	}
	return nil
}

// errQuota is Glance's answer when oslo.limit refuses an operation (LimitExceeded around
// ProjectOverLimit, sent with 413).
func errQuota(owner, name string, limit, usage, delta int64) error {
	return errExplained(http.StatusRequestEntityTooLarge,
		"The request returned a 413 Request Entity Too Large. This generally means that rate limiting or a quota "+
			"threshold was breached.\n\nThe response body:\nProject %s is over a limit for "+
			"[Resource %s is over limit of %d due to current usage %d and delta %d]", owner, name, limit, usage, delta)
}

// enforceStageQuotas applies the quotas Glance checks when data is staged (PUT
// /v2/images/{image_id}/stage) for the caller's project: image_stage_total before the
// data arrives, then image_count_uploading counting the image being staged.
func (s *Server) enforceStageQuotas(r *http.Request) error {
	owner := imageCaller(r).ProjectID
	if err := s.enforceQuota(r.Context(), owner, glimpse.QuotaImageStageTotal, 0, 0); err != nil {
		return err
	}
	return s.enforceQuota(r.Context(), owner, glimpse.QuotaImageCountUploading, 1, 0)
}

// enforceImportQuotas applies the quota Glance checks when an import starts (POST
// /v2/images/{image_id}/import): image_size_total of the caller's project.
func (s *Server) enforceImportQuotas(r *http.Request) error {
	return s.enforceQuota(r.Context(), imageCaller(r).ProjectID, glimpse.QuotaImageSizeTotal, 0, 0)
}

// writeUsage answers GET /v2/info/usage ("Usage"): the caller's project's
// {"usage": {"image_size_total": {"usage": n, "limit": n}, "image_stage_total": …,
// "image_count_total": …, "image_count_uploading": …}} (sizes in MiB, -1 for no limit),
// or {"usage": {}} when no quota is configured.
func (s *Server) writeUsage(w http.ResponseWriter, r *http.Request) error {
	if !s.Quotas.Enabled() {
		writePyJSONResponse(w, http.StatusOK, pyObject{{"usage", pyObject{}}})
		return nil
	}
	values, err := s.Quotas.values(r.Context(), imageCaller(r).ProjectID)
	if err != nil {
		return err
	}
	usage := make(pyObject, 0, len(values))
	for _, v := range values {
		usage = append(usage, pyField{v.name, pyObject{{"usage", v.usage}, {"limit", v.limit}}})
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"usage", usage}})
	return nil
}
