package httpapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/store/filesystem"
	"github.com/glimpse-image/glimpse/task"
	"github.com/glimpse-image/glimpse/urlfilter"
)

// withImport gives the env a second store ("backup"), a staging area, the importer and a
// running task runner; web-download may reach allowedServer (loopback) when given.
func (e *imageEnv) withImport(allowedServer *httptest.Server) {
	e.t.Helper()
	backup, err := filesystem.New("backup", filepath.Join(e.t.TempDir(), "backup"))
	if err != nil {
		e.t.Fatal(err)
	}
	staging, err := filesystem.New(glimpse.StagingStoreID, filepath.Join(e.t.TempDir(), "staging"))
	if err != nil {
		e.t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stores := []glimpse.Store{e.store, backup}
	data := imagedata.New(e.db, stores, logger, 0).WithStaging(staging)
	filter := urlfilter.Default()
	if allowedServer != nil {
		filter.AllowedHosts = []string{"127.0.0.1"}
		filter.AllowedPorts = append(filter.AllowedPorts, allowedServer.Listener.Addr().(*net.TCPAddr).Port)
	}
	runner := &task.Runner{Tasks: e.db, Poll: 50 * time.Millisecond, Logger: logger}
	importer := &task.Importer{Images: e.db, Tasks: e.db, Data: data, StoreIDs: []string{"file", "backup"},
		Filter: filter, Notify: runner.Notify, Logger: logger}
	runner.Exec = importer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { runner.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
	e.server.ImageData = data
	e.server.Stores = stores
	e.server.Tasks = e.db
	e.server.Importer = importer
}

// waitImage polls the image until cond holds (imports run in the background).
func (e *imageEnv) waitImage(id string, cond func(map[string]any) bool) map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		img := e.do("admin", "GET", "/v2/images/"+id, "").json(e.t)
		if cond(img) {
			return img
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("image %s never got there: %v", id, img)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestImportErrorsAsGlance(t *testing.T) {
	e := newImageEnv(t)
	e.withImport(nil)
	id := e.createImage("admin", `{"name":"imported","disk_format":"raw","container_format":"bare"}`)
	imp := func(body string) *imageResponse {
		return e.do("admin", "POST", "/v2/images/"+id+"/import", body, "Content-Type: application/json")
	}
	for _, tt := range []struct {
		body   string
		status int
		msg    string
	}{ // golden 091-093 and the real Glance's answers
		{`{"method":{"name":"no-such-method"}}`, 400, "Unknown import method name &#x27;no-such-method&#x27;."},
		{`{"method":{"name":"glance-direct"}}`, 409, "Image needs to be staged before &#x27;glance-direct&#x27; method can be used"},
		{`{"method":{"name":"web-download","uri":"http://127.0.0.1/disk.qcow2"}}`, 400, "URI for web-download does not pass filtering: http://127.0.0.1/disk.qcow2"},
		{`{}`, 400, "Import request requires a &#x27;method&#x27; field."},
		{`{"method":{}}`, 400, "Import request requires a &#x27;name&#x27; field."},
		{`{"method":{"name":"glance-direct"},"all_stores":"yes"}`, 400, "&#x27;all_stores&#x27; must be boolean value only"},
		{`{"method":{"name":"copy-image"}}`, 409, "Only images with status active can be targeted for copying"},
		{`{"method":{"name":"web-download","uri":"http://example.com/x"},"stores":["nope"]}`, 409, "Store for identifier nope not found"},
		{`{"method":{"name":"web-download","uri":"http://example.com:8080/x"}}`, 400, "URI for web-download does not pass filtering: http://example.com:8080/x"},
	} {
		r := imp(tt.body)
		if r.StatusCode != tt.status || !strings.Contains(string(r.Body), tt.msg+"<br /><br />") {
			t.Errorf("%s: %d %s, want %d %q", tt.body, r.StatusCode, r.Body, tt.status, tt.msg)
		}
	}
	r := e.do("admin", "GET", "/v2/info/import", "")
	mustStatus(t, r, 200)
	if want := `{"import-methods": {"description": "Import methods available.", "type": "array", "value": ["glance-direct", "web-download", "copy-image"]}}`; string(r.Body) != want {
		t.Fatalf("info/import = %s", r.Body)
	}
	r = e.do("admin", "POST", "/v2/images", `{"name":"x"}`, "Content-Type: application/json")
	if h := r.Header.Get("OpenStack-image-import-methods"); h != "glance-direct,web-download,copy-image" {
		t.Fatalf("OpenStack-image-import-methods = %q", h)
	}
	if h := r.Header.Get("OpenStack-image-store-ids"); h != "file,backup" {
		t.Fatalf("OpenStack-image-store-ids = %q", h)
	}
	r = e.do("demo", "PUT", "/v2/images/"+id+"/stage", "data", "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusNotFound) // another project's image
	r = e.do("admin", "PUT", "/v2/images/"+id+"/stage", "data", "Content-Type: application/json")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	r = e.do("demo", "GET", "/v2/tasks", "")
	mustStatus(t, r, http.StatusForbidden)
}

// TestGlanceDirectThroughAPI is the new user's walk: stage a qcow2 made by qemu-img,
// import it with glance-direct to every store, watch uploading → importing → active,
// find the task by the import call's request id, download identical bytes.
func TestGlanceDirectThroughAPI(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	path := filepath.Join(t.TempDir(), "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", path, "1G").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img: %v %s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e := newImageEnv(t)
	e.withImport(nil)
	id := e.createImage("admin", `{"name":"qcow","disk_format":"qcow2","container_format":"bare"}`)
	r := e.do("admin", "PUT", "/v2/images/"+id+"/stage", string(raw), "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusNoContent)
	img := e.do("admin", "GET", "/v2/images/"+id, "").json(t)
	if img["status"] != "uploading" || img["size"] != float64(len(raw)) || img["stores"] != nil {
		t.Fatalf("staged image: %v", img)
	}
	r = e.do("admin", "POST", "/v2/images/"+id+"/import", `{"method":{"name":"glance-direct"},"all_stores":true}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusAccepted)
	reqID := r.Header.Get("x-openstack-request-id")
	seen := map[string]bool{}
	img = e.waitImage(id, func(img map[string]any) bool { seen[img["status"].(string)] = true; return img["status"] == "active" })
	if img["stores"] != "backup,file" || img["os_glance_importing_to_stores"] != "" || img["os_glance_failed_import"] != "" ||
		img["virtual_size"] != float64(1<<30) {
		t.Fatalf("imported image: %v", img)
	}
	if seen["queued"] || seen["uploading"] {
		t.Fatalf("statuses seen after the import call: %v", seen)
	}
	// The task is recorded as done just after the image becomes active: poll, as Tempest.
	var tk map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tasks := e.do("admin", "GET", "/v2/images/"+id+"/tasks", "").json(t)["tasks"].([]any)
		if len(tasks) != 1 {
			t.Fatalf("tasks: %v", tasks)
		}
		tk = tasks[0].(map[string]any)
		if tk["status"] != "processing" || time.Now().After(deadline) {
			break
		}
	}
	input := tk["input"].(map[string]any)
	if tk["request_id"] != reqID || tk["status"] != "success" || tk["type"] != "api_image_import" ||
		input["import_req"].(map[string]any)["method"].(map[string]any)["name"] != "glance-direct" {
		t.Fatalf("task: %v (request id %s)", tk, reqID)
	}
	got := e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, got, 200)
	if string(got.Body) != string(raw) {
		t.Fatal("downloaded bytes differ from the staged qcow2")
	}
	show := e.do("admin", "GET", "/v2/tasks/"+tk["id"].(string), "").json(t)
	if show["id"] != tk["id"] || show["self"] != "/v2/tasks/"+tk["id"].(string) {
		t.Fatalf("task show: %v", show)
	}
}

// TestWebDownloadThroughAPI imports from a loopback server allowed in the filter, and from
// a URL that answers 404: the task fails with the status and the image is queued again.
func TestWebDownloadThroughAPI(t *testing.T) {
	payload := strings.Repeat("web-download bytes ", 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/disk.img" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, payload)
	}))
	defer srv.Close()
	e := newImageEnv(t)
	e.withImport(srv)

	id := e.createImage("demo", `{"name":"web","disk_format":"raw","container_format":"bare"}`)
	r := e.do("demo", "POST", "/v2/images/"+id+"/import", fmt.Sprintf(`{"method":{"name":"web-download","uri":%q}}`, srv.URL+"/disk.img"), "Content-Type: application/json")
	mustStatus(t, r, http.StatusAccepted)
	img := e.waitImage(id, func(img map[string]any) bool { return img["status"] == "active" })
	if img["stores"] != "file" {
		t.Fatalf("stores %v", img["stores"])
	}
	if got := e.do("demo", "GET", "/v2/images/"+id+"/file", ""); string(got.Body) != payload {
		t.Fatal("downloaded bytes differ")
	}

	bad := e.createImage("demo", `{"name":"web404","disk_format":"raw","container_format":"bare"}`)
	r = e.do("demo", "POST", "/v2/images/"+bad+"/import", fmt.Sprintf(`{"method":{"name":"web-download","uri":%q}}`, srv.URL+"/missing.img"), "Content-Type: application/json")
	mustStatus(t, r, http.StatusAccepted)
	img = e.waitImage(bad, func(img map[string]any) bool { s, _ := img["os_glance_failed_import"].(string); return s != "" })
	if img["status"] != "queued" || img["os_glance_failed_import"] != "file" {
		t.Fatalf("failed import: %v", img)
	}
	var tk map[string]any
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tasks := e.do("demo", "GET", "/v2/images/"+bad+"/tasks", "").json(t)["tasks"].([]any)
		tk = tasks[0].(map[string]any)
		if tk["status"] == "failure" || time.Now().After(deadline) {
			break
		}
	}
	if tk["status"] != "failure" || !strings.Contains(tk["message"].(string), "404 Not Found") {
		t.Fatalf("task: %v", tk)
	}
}
