package main

import (
	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/httpapi"
)

// quotas returns the per-project image quotas of cfg measured with usage, or nil (no
// quotas, and an empty GET /v2/info/usage) when no limit is set.
func quotas(cfg *Config, usage glimpse.UsageService) *httpapi.Quotas {
	q := &httpapi.Quotas{
		ImageSizeTotal:      cfg.ImageSizeTotal,
		ImageStageTotal:     cfg.ImageStageTotal,
		ImageCountTotal:     cfg.ImageCountTotal,
		ImageCountUploading: cfg.ImageCountUploading,
		Usage:               usage,
	}
	if !q.Enabled() {
		return nil
	}
	return q
}
