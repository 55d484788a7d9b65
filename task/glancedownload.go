package task

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/google/uuid"
)

// DownloadProperties are the properties glance-download copies from the remote image
// besides its disk and container formats (Glance's [glance_download_properties]
// extra_properties default); "*" matches any suffix.
var DownloadProperties = []string{"hw_*", "trait:*", "os_distro", "os_secure_boot", "os_type"}

// checkGlanceDownload applies Glance's request checks of a glance-download import.
func checkGlanceDownload(req *glimpse.ImportRequest) error {
	method, _ := req.Body["method"].(map[string]any)
	if _, ok := method["glance_region"]; !ok {
		return glimpse.Errorf(glimpse.EINVALID, "'glance_region' needs to be set for glance-download import method")
	}
	id, ok := method["glance_image_id"]
	if !ok {
		return glimpse.Errorf(glimpse.EINVALID, "'glance_image_id' needs to be set for glance-download import method")
	}
	s, _ := id.(string)
	if _, err := uuid.Parse(s); err != nil {
		return glimpse.Errorf(glimpse.EINVALID, "Remote image id does not look like a UUID: %v", id)
	}
	if _, ok := method["glance_service_interface"]; !ok {
		method["glance_service_interface"] = "public"
	}
	return nil
}

// remoteImageURL finds the image endpoint of region and interface in the catalog.
func (im *Importer) remoteImageURL(ctx context.Context, region, iface string) (string, error) {
	if im.Catalog == nil {
		return "", &downloadError{"glance-download: no identity catalog is configured"}
	}
	services, err := im.Catalog.FindServices(ctx)
	if err != nil {
		return "", err
	}
	endpoints, err := im.Catalog.FindEndpoints(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range services {
		if s.Type != "image" || !s.Enabled {
			continue
		}
		for _, e := range endpoints {
			if e.ServiceID == s.ID && e.Enabled && e.RegionID == region && e.Interface == iface {
				return strings.TrimRight(e.URL, "/"), nil
			}
		}
	}
	return "", &downloadError{fmt.Sprintf("glance-download: no %s image endpoint in region %s", iface, region)}
}

// glanceDownload copies the remote image's formats and DownloadProperties onto the local
// image, then fetches its data into the staging store with the caller's token.
func (im *Importer) glanceDownload(ctx context.Context, t *glimpse.Task) error {
	req, _ := t.Input["import_req"].(map[string]any)
	method, _ := req["method"].(map[string]any)
	remoteID, _ := method["glance_image_id"].(string)
	region, _ := method["glance_region"].(string)
	iface, _ := method["glance_service_interface"].(string)
	token, ok := im.tokens.Load(t.ID)
	if !ok {
		return &downloadError{"glance-download: the requesting user's token is gone (the node that accepted the import restarted, or another node ran the task)"}
	}
	base, err := im.remoteImageURL(ctx, region, iface)
	if err != nil {
		return err
	}
	client := im.Client
	if client == nil {
		client = &http.Client{Timeout: 0, Transport: &http.Transport{ResponseHeaderTimeout: time.Minute}}
	}
	get := func(p string) (*http.Response, error) {
		r, err := http.NewRequestWithContext(ctx, http.MethodGet, base+p, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("X-Auth-Token", token.(string))
		resp, err := client.Do(r)
		if err != nil {
			return nil, &downloadError{fmt.Sprintf("glance-download: %s: %v", base+p, err)}
		}
		if resp.StatusCode/100 != 2 {
			resp.Body.Close()
			return nil, &downloadError{fmt.Sprintf("glance-download: %s answered HTTP %s", base+p, resp.Status)}
		}
		return resp, nil
	}
	resp, err := get("/v2/images/" + remoteID)
	if err != nil {
		return err
	}
	var remote map[string]any
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&remote)
	resp.Body.Close()
	if err != nil {
		return &downloadError{fmt.Sprintf("glance-download: bad image record from %s: %v", base, err)}
	}
	if remote["status"] != glimpse.ImageStatusActive {
		return &downloadError{fmt.Sprintf("glance-download: remote image %s is %v, not active", remoteID, remote["status"])}
	}
	_, err = im.Images.UpdateImage(ctx, t.ImageID, func(img *glimpse.Image) error {
		if df, ok := remote["disk_format"].(string); ok {
			img.DiskFormat = &df
		}
		if cf, ok := remote["container_format"].(string); ok {
			img.ContainerFormat = &cf
		}
		if img.Properties == nil {
			img.Properties = map[string]string{}
		}
		for k, v := range remote {
			s, isString := v.(string)
			if isString && matchesAny(DownloadProperties, k) {
				img.Properties[k] = s
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	resp, err = get("/v2/images/" + remoteID + "/file")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = im.Data.StageImporting(ctx, t.ImageID, resp.Body, resp.ContentLength)
	return err
}

func matchesAny(patterns []string, key string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, key); ok && !strings.Contains(key, "/") {
			return true
		}
	}
	return false
}
