package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocationsWithGlanceClient drives external image locations (show_multiple_locations)
// with the real python-glanceclient: location-add makes a queued image active with the
// remote data, which `openstack image save` then returns byte for byte; location-delete
// removes a location but not the last one; a refused URL gets "Invalid location".
func TestLocationsWithGlanceClient(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	requireTool(t, "/usr/bin/glance")
	payload := bytes.Repeat([]byte("an image on another web server "), 8192)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/disk.img") {
			http.ServeContent(w, r, "disk.img", time.Time{}, bytes.NewReader(payload))
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	n := startGlimpse(t, "GLIMPSE_SHOW_MULTIPLE_LOCATIONS=true", "GLIMPSE_SHOW_IMAGE_DIRECT_URL=true",
		"GLIMPSE_IMPORT_ALLOWED_HOSTS=127.0.0.1", fmt.Sprintf("GLIMPSE_IMPORT_ALLOWED_PORTS=%d", port))
	token := n.token()
	glance := func(args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/usr/bin/glance", args...)
		cmd.Env = n.openrcEnv()
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	status, _, body := n.do("POST", "/v2/images", token, map[string]string{"Content-Type": "application/json"},
		strings.NewReader(`{"name":"remote","disk_format":"raw","container_format":"bare"}`))
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	id := decode(t, body)["id"].(string)
	first, second := srv.URL+"/disk.img", srv.URL+"/disk.img?copy=2"
	if out, err := glance("location-add", id, "--url", first, "--metadata", `{"site": "a"}`); err != nil {
		t.Fatalf("glance location-add: %v\n%s", err, out)
	}
	out := filepath.Join(t.TempDir(), "saved.img")
	n.openstack("image", "save", "--file", out, id)
	if got, err := os.ReadFile(out); err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("openstack image save returned %d bytes (%v), want the %d served", len(got), err, len(payload))
	}
	if o, err := glance("location-add", id, "--url", second); err != nil {
		t.Fatalf("glance location-add (second): %v\n%s", err, o)
	}
	if o, err := glance("location-delete", id, "--url", first); err != nil {
		t.Fatalf("glance location-delete: %v\n%s", err, o)
	}
	_, _, body = n.do("GET", "/v2/images/"+id, token, nil, nil)
	img := decode(t, body)
	locs, _ := img["locations"].([]any)
	if img["status"] != "active" || img["size"] != float64(len(payload)) || len(locs) != 1 || img["direct_url"] != second {
		t.Fatalf("after adding two locations and deleting the first: %s", body)
	}
	if o, err := glance("location-delete", id, "--url", second); err == nil || !strings.Contains(o, "Cannot remove last location") {
		t.Errorf("deleting the last location: %v\n%s", err, o)
	}
	if o, err := glance("location-add", id, "--url", "file:///etc/passwd"); err == nil || !strings.Contains(o, "Invalid location") {
		t.Errorf("adding file:///etc/passwd: %v\n%s", err, o)
	}
}
