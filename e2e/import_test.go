package e2e

import (
	"bytes"
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

// TestInteroperableImport drives the built binary with two stores as a new user would:
// the openstack CLI imports a real qcow2 (stage + glance-direct), web-download fetches
// from a loopback server allowed in the config, a 404 URL fails the task with the status
// and returns the image to queued, and an import cut off by kill -9 is failed, with its
// image queued again, as soon as the node restarts.
func TestInteroperableImport(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	requireTool(t, "/usr/bin/qemu-img")
	payload := bytes.Repeat([]byte("web-download e2e "), 4096)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/disk.img":
			w.Write(payload)
		case "/never-ends.img":
			w.Header().Set("Content-Length", "1000000")
			w.Write(payload[:1000])
			w.(http.Flusher).Flush()
			<-release // the rest never comes while glimpse runs
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	defer close(release)
	port := srv.Listener.Addr().(*net.TCPAddr).Port

	dir := t.TempDir()
	config := filepath.Join(dir, "glimpse.yaml")
	yaml := fmt.Sprintf("stores:\n  - {id: local, type: filesystem, path: %s/local}\n  - {id: backup, type: filesystem, path: %s/backup}\n", dir, dir)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"GLIMPSE_CONFIG=" + config, "GLIMPSE_IMPORT_ALLOWED_HOSTS=127.0.0.1",
		fmt.Sprintf("GLIMPSE_IMPORT_ALLOWED_PORTS=80,443,%d", port)}
	n := startGlimpse(t, env...)
	token := n.token()
	image := func(id string) map[string]any {
		status, _, body := n.do("GET", "/v2/images/"+id, token, nil, nil)
		if status != 200 {
			t.Fatalf("show %s: %d %s", id, status, body)
		}
		return decode(t, body)
	}
	wait := func(id string, cond func(map[string]any) bool) map[string]any {
		deadline := time.Now().Add(60 * time.Second)
		for {
			img := image(id)
			if cond(img) {
				return img
			}
			if time.Now().After(deadline) {
				t.Fatalf("image %s: %v", id, img)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	create := func(name string) string {
		status, _, body := n.do("POST", "/v2/images", token, map[string]string{"Content-Type": "application/json"},
			strings.NewReader(`{"name":"`+name+`","disk_format":"raw","container_format":"bare"}`))
		if status != 201 {
			t.Fatalf("create: %d %s", status, body)
		}
		return decode(t, body)["id"].(string)
	}
	importURL := func(id, url string) {
		status, _, body := n.do("POST", "/v2/images/"+id+"/import", token, map[string]string{"Content-Type": "application/json"},
			strings.NewReader(fmt.Sprintf(`{"method":{"name":"web-download","uri":%q}}`, url)))
		if status != 202 {
			t.Fatalf("import %s: %d %s", url, status, body)
		}
	}

	// glance-direct through the CLI, with a qcow2 made by qemu-img.
	qcow := filepath.Join(dir, "disk.qcow2")
	if out, err := exec.Command("/usr/bin/qemu-img", "create", "-f", "qcow2", qcow, "1G").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img: %v %s", err, out)
	}
	raw, err := os.ReadFile(qcow)
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSpace(n.openstack("image", "create", "--import", "--disk-format", "qcow2", "--container-format", "bare",
		"--file", qcow, "-f", "value", "-c", "id", "cli-import"))
	img := wait(id, func(img map[string]any) bool { return img["status"] == "active" })
	if img["virtual_size"] != float64(1<<30) || img["stores"] != "local" {
		t.Fatalf("imported qcow2: %v", img)
	}
	if status, _, body := n.do("GET", "/v2/images/"+id+"/file", token, nil, nil); status != 200 || !bytes.Equal(body, raw) {
		t.Fatalf("download: %d, %d bytes, want the %d bytes of the qcow2", status, len(body), len(raw))
	}

	// web-download from the allowed loopback server, and a 404.
	web := create("web")
	importURL(web, srv.URL+"/disk.img")
	wait(web, func(img map[string]any) bool { return img["status"] == "active" })
	if _, _, body := n.do("GET", "/v2/images/"+web+"/file", token, nil, nil); !bytes.Equal(body, payload) {
		t.Fatal("web-download: different bytes")
	}
	missing := create("missing")
	importURL(missing, srv.URL+"/missing.img")
	img = wait(missing, func(img map[string]any) bool { s, _ := img["os_glance_failed_import"].(string); return s != "" })
	_, _, body := n.do("GET", "/v2/images/"+missing+"/tasks", token, nil, nil)
	if img["status"] != "queued" || !strings.Contains(string(body), "404 Not Found") {
		t.Fatalf("404 import: image %v, tasks %s", img, body)
	}

	// kill -9 in the middle of an import; the restarted node fails the task at once.
	stuck := create("stuck")
	importURL(stuck, srv.URL+"/never-ends.img")
	wait(stuck, func(img map[string]any) bool { return img["status"] == "importing" })
	n.cmd.Process.Kill()
	<-n.exited
	imageListen := strings.TrimPrefix(n.imageURL, "http://")
	identityListen := strings.TrimPrefix(n.identityURL, "http://")
	n2 := spawnGlimpse(t, append(env, "GLIMPSE_DATA_DIR="+n.dataDir, "GLIMPSE_IMAGE_LISTEN="+imageListen,
		"GLIMPSE_IDENTITY_LISTEN="+identityListen)...)
	n2.dataDir, n2.imageURL, n2.identityURL = n.dataDir, n.imageURL, n.identityURL
	if err := n2.waitReady(); err != nil {
		t.Fatal(err)
	}
	img = wait(stuck, func(img map[string]any) bool { return img["status"] == "queued" })
	_, _, body = n2.do("GET", "/v2/images/"+stuck+"/tasks", token, nil, nil)
	if img["os_glance_failed_import"] != "local" || !strings.Contains(string(body), `"status": "failure"`) {
		t.Fatalf("after restart: image %v, tasks %s", img, body)
	}
}
