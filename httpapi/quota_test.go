package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

func TestUsageWithoutQuotasIsEmpty(t *testing.T) {
	e := newImageEnv(t)
	r := e.do("demo", "GET", "/v2/info/usage", "")
	mustStatus(t, r, http.StatusOK)
	if string(r.Body) != `{"usage": {}}` {
		t.Fatalf("usage = %s", r.Body)
	}
}

func TestImageCountQuota(t *testing.T) {
	e := newImageEnv(t)
	e.server.Quotas = &Quotas{ImageSizeTotal: -1, ImageStageTotal: -1, ImageCountTotal: 2, ImageCountUploading: -1, Usage: e.db}
	body := `{"name": "q", "disk_format": "raw", "container_format": "bare"}`
	e.createImage("demo", body)
	e.createImage("demo", body)
	r := e.do("demo", "POST", "/v2/images", body, "Content-Type: application/json")
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	want := "Project " + e.projects["demo"] + " is over a limit for [Resource image_count_total is over limit of 2 due to current usage 2 and delta 1]"
	if !strings.Contains(string(r.Body), want) || !strings.Contains(string(r.Body), "a quota threshold was breached.") {
		t.Fatalf("413 body: %s\nwant it to contain %q", r.Body, want)
	}
	e.createImage("alt_demo", body) // another project has its own count

	r = e.do("demo", "GET", "/v2/info/usage", "")
	mustStatus(t, r, http.StatusOK)
	wantUsage := `{"usage": {"image_size_total": {"usage": 0, "limit": -1}, "image_stage_total": {"usage": 0, "limit": -1}, ` +
		`"image_count_total": {"usage": 2, "limit": 2}, "image_count_uploading": {"usage": 0, "limit": -1}}}`
	if string(r.Body) != wantUsage {
		t.Fatalf("usage = %s\nwant    %s", r.Body, wantUsage)
	}
}

func TestImageSizeAndUploadingQuotas(t *testing.T) {
	e := newImageEnv(t)
	e.server.Quotas = &Quotas{ImageSizeTotal: 1, ImageStageTotal: -1, ImageCountTotal: -1, ImageCountUploading: -1, Usage: e.db}
	body := `{"name": "s", "disk_format": "raw", "container_format": "bare"}`
	first, second := e.createImage("demo", body), e.createImage("demo", body)
	// Checked before the data arrives, as Glance: the upload that crosses the limit passes…
	e.upload("demo", first, strings.Repeat("x", 2<<20))
	// …and the next one is refused, leaving the image queued.
	r := e.do("demo", "PUT", "/v2/images/"+second+"/file", "data", "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(r.Body), "[Resource image_size_total is over limit of 1 due to current usage 2 and delta 0]") {
		t.Fatalf("413 body: %s", r.Body)
	}
	if st := e.do("demo", "GET", "/v2/images/"+second, "").json(t)["status"]; st != "queued" {
		t.Fatalf("status after a refused upload = %v", st)
	}
	r = e.do("demo", "GET", "/v2/info/usage", "")
	if !strings.Contains(string(r.Body), `"image_size_total": {"usage": 2, "limit": 1}`) {
		t.Fatalf("usage = %s", r.Body)
	}

	e.server.Quotas = &Quotas{ImageSizeTotal: -1, ImageStageTotal: -1, ImageCountTotal: -1, ImageCountUploading: 0, Usage: e.db}
	r = e.do("demo", "PUT", "/v2/images/"+second+"/file", "data", "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(r.Body), "[Resource image_count_uploading is over limit of 0 due to current usage 1 and delta 0]") {
		t.Fatalf("413 body: %s", r.Body)
	}
	e.server.Quotas.ImageCountUploading = 1
	e.upload("demo", second, "data")
}

func TestStageAndImportQuotas(t *testing.T) {
	e := newImageEnv(t)
	e.withImport(nil)
	e.server.Quotas = &Quotas{ImageSizeTotal: -1, ImageStageTotal: 0, ImageCountTotal: -1, ImageCountUploading: -1, Usage: e.db}
	body := `{"name": "st", "disk_format": "raw", "container_format": "bare"}`
	a, b := e.createImage("demo", body), e.createImage("demo", body)
	stage := func(id string) *imageResponse {
		return e.do("demo", "PUT", "/v2/images/"+id+"/stage", strings.Repeat("s", 2<<20), "Content-Type: application/octet-stream")
	}
	mustStatus(t, stage(a), http.StatusNoContent) // checked before the data arrives
	r := stage(b)
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(r.Body), "[Resource image_stage_total is over limit of 0 due to current usage 2 and delta 0]") {
		t.Fatalf("413 body: %s", r.Body)
	}
	e.server.Quotas = &Quotas{ImageSizeTotal: -1, ImageStageTotal: -1, ImageCountTotal: -1, ImageCountUploading: 1, Usage: e.db}
	r = stage(b)
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(r.Body), "[Resource image_count_uploading is over limit of 1 due to current usage 2 and delta 0]") {
		t.Fatalf("413 body: %s", r.Body)
	}
	if st := e.do("demo", "GET", "/v2/images/"+b, "").json(t)["status"]; st != "queued" {
		t.Fatalf("status after a refused stage = %v", st)
	}

	e.server.Quotas = &Quotas{ImageSizeTotal: 0, ImageStageTotal: -1, ImageCountTotal: -1, ImageCountUploading: -1, Usage: e.db}
	e.upload("demo", e.createImage("demo", body), strings.Repeat("u", 1<<20)) // usage 1 MiB > 0
	r = e.do("demo", "POST", "/v2/images/"+a+"/import", `{"method": {"name": "glance-direct"}}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	if !strings.Contains(string(r.Body), "[Resource image_size_total is over limit of 0 due to current usage 1 and delta 0]") {
		t.Fatalf("413 body: %s", r.Body)
	}
}
