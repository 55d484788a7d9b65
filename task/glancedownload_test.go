package task

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse"
)

// fakeCatalog lists one image service with a public endpoint in RegionOne.
type fakeCatalog struct{ url string }

func (c fakeCatalog) FindServices(context.Context) ([]*glimpse.Service, error) {
	return []*glimpse.Service{{ID: "svc", Type: "image", Enabled: true}}, nil
}

func (c fakeCatalog) FindEndpoints(context.Context) ([]*glimpse.Endpoint, error) {
	return []*glimpse.Endpoint{{ID: "ep", ServiceID: "svc", RegionID: "RegionOne", Interface: "public", URL: c.url, Enabled: true}}, nil
}

const remoteID = "36d4b546-64a2-4bb9-bdd0-ba676aa48f2c"

func TestGlanceDownload(t *testing.T) {
	data := []byte("remote image bytes")
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Auth-Token") != "user-token" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/v2/images/" + remoteID:
			json.NewEncoder(w).Encode(map[string]any{"id": remoteID, "status": "active", "disk_format": "qcow2",
				"container_format": "bare", "hw_cpu_cores": "5", "trait:STORAGE_DISK_SSD": "required", "os_distro": "rhel", "speed": "88mph"})
		case "/v2/images/" + remoteID + "/file":
			w.Write(data)
		default:
			http.NotFound(w, r)
		}
	}))
	defer remote.Close()
	e := newEnv(t)
	e.importer.Catalog = fakeCatalog{remote.URL}
	if m := e.importer.Methods(); m[len(m)-1] != glimpse.ImportGlanceDownload {
		t.Fatalf("methods %v", m)
	}
	submit := func(id string, method map[string]any) (*glimpse.Task, error) {
		method["name"] = glimpse.ImportGlanceDownload
		return e.importer.Submit(ctx, glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDownload, Caller: e.admin,
			AuthToken: "user-token", Body: map[string]any{"method": method}})
	}

	t.Run("success", func(t *testing.T) {
		id := e.createImage("iso")
		if _, err := e.db.UpdateImage(ctx, id, func(img *glimpse.Image) error {
			img.Properties = map[string]string{"hw_cpu_cores": "1", "os_distro": "windows"}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := submit(id, map[string]any{"glance_image_id": remoteID, "glance_region": "RegionOne"}); err != nil {
			t.Fatal(err)
		}
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusSuccess || done.Input["import_req"].(map[string]any)["method"].(map[string]any)["glance_service_interface"] != "public" {
			t.Fatalf("task %s %q input %v", done.Status, done.Message, done.Input)
		}
		img := e.image(id)
		if img.Status != glimpse.ImageStatusActive || *img.DiskFormat != "qcow2" || img.Properties["hw_cpu_cores"] != "5" ||
			img.Properties["trait:STORAGE_DISK_SSD"] != "required" || img.Properties["os_distro"] != "rhel" || img.Properties["speed"] != "" ||
			string(e.download(img)) != string(data) {
			t.Fatalf("image %s %v %v", img.Status, *img.DiskFormat, img.Properties)
		}
	})
	t.Run("bad uuid", func(t *testing.T) {
		id := e.createImage("raw")
		_, err := submit(id, map[string]any{"glance_image_id": "foo", "glance_region": "RegionOne"})
		if glimpse.ErrorCode(err) != glimpse.EINVALID || !strings.Contains(glimpse.ErrorMessage(err), "image id does not look like a UUID") {
			t.Fatalf("err %v", err)
		}
	})
	for name, method := range map[string]map[string]any{
		"bad endpoint":  {"glance_image_id": remoteID, "glance_region": "not a region", "glance_service_interface": "not an interface"},
		"missing image": {"glance_image_id": "c7edec8e-24b5-416a-9d42-b3e773bab62c", "glance_region": "RegionOne"},
	} {
		t.Run(name, func(t *testing.T) {
			id := e.createImage("raw")
			if _, err := e.db.UpdateImage(ctx, id, func(img *glimpse.Image) error {
				img.Properties = map[string]string{"os_distro": "windows"}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := submit(id, method); err != nil {
				t.Fatal(err)
			}
			done := e.runClaimed()
			if done.Status != glimpse.TaskStatusFailure {
				t.Fatalf("task %s", done.Status)
			}
			if img := e.image(id); img.Status != glimpse.ImageStatusQueued || img.Properties["os_distro"] != "windows" {
				t.Fatalf("image %s %v", img.Status, img.Properties)
			}
		})
	}
}
