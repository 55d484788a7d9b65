package task

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
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
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
	"github.com/glimpse-image/glimpse/urlfilter"
)

var ctx = context.Background()

// env is a real SQLite database, two filesystem stores, a staging store and the importer.
type env struct {
	t        *testing.T
	db       *sqlstore.DB
	stores   map[string]*filesystem.Store
	staging  *filesystem.Store
	data     *imagedata.Service
	importer *Importer
	admin    *glimpse.Principal
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "g.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, db: db, stores: map[string]*filesystem.Store{}}
	var list []glimpse.Store
	for _, id := range []string{"local", "backup"} {
		st, err := filesystem.New(id, filepath.Join(t.TempDir(), id))
		if err != nil {
			t.Fatal(err)
		}
		e.stores[id] = st
		list = append(list, st)
	}
	e.staging, err = filesystem.New(glimpse.StagingStoreID, filepath.Join(t.TempDir(), "staging"))
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	e.data = imagedata.New(db, list, logger, 0).WithStaging(e.staging)
	e.importer = &Importer{Images: db, Tasks: db, Data: e.data, StoreIDs: []string{"local", "backup"},
		Filter: urlfilter.Default(), Logger: logger}
	e.admin = &glimpse.Principal{UserID: "admin-user", ProjectID: "p1", Roles: []glimpse.Role{{Name: glimpse.RoleAdmin}}}
	return e
}

func (e *env) createImage(disk string) string {
	e.t.Helper()
	bare := "bare"
	img := &glimpse.Image{Owner: "p1", DiskFormat: &disk, ContainerFormat: &bare, Visibility: "private", Status: glimpse.ImageStatusQueued}
	if err := e.db.CreateImage(ctx, img); err != nil {
		e.t.Fatal(err)
	}
	return img.ID
}

func (e *env) image(id string) *glimpse.Image {
	e.t.Helper()
	img, err := e.db.FindImageByID(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return img
}

func (e *env) submit(req glimpse.ImportRequest) (*glimpse.Task, error) {
	if req.Caller == nil {
		req.Caller = e.admin
	}
	if req.Body == nil {
		req.Body = map[string]any{"method": map[string]any{"name": req.Method, "uri": req.URI}}
	}
	req.AllStoresMustSucceed = true
	return e.importer.Submit(ctx, req)
}

// runClaimed claims the next task as worker "w" and executes it synchronously.
func (e *env) runClaimed() *glimpse.Task {
	e.t.Helper()
	t, err := e.db.ClaimTask(ctx, "w", time.Minute)
	if err != nil || t == nil {
		e.t.Fatalf("claim: %v, %v", t, err)
	}
	e.importer.Execute(ctx, t, "w")
	done, err := e.db.FindTaskByID(ctx, t.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return done
}

func (e *env) download(img *glimpse.Image) []byte {
	e.t.Helper()
	rc, err := e.data.Download(ctx, img, 0, -1)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestGlanceDirectQcow2 stages a real qcow2 made by qemu-img, imports it to every store
// with glance-direct and reads back identical bytes from each.
func TestGlanceDirectQcow2(t *testing.T) {
	if _, err := exec.LookPath("qemu-img"); err != nil {
		t.Skip("qemu-img not installed")
	}
	e := newEnv(t)
	path := filepath.Join(t.TempDir(), "disk.qcow2")
	if out, err := exec.Command("qemu-img", "create", "-f", "qcow2", path, "1G").CombinedOutput(); err != nil {
		t.Fatalf("qemu-img: %v: %s", err, out)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	id := e.createImage("qcow2")

	// Import before staging: Glance's 409.
	_, err = e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect})
	if glimpse.ErrorMessage(err) != "Image needs to be staged before 'glance-direct' method can be used" {
		t.Fatalf("import before stage: %v", err)
	}
	if _, err := e.importer.Stage(ctx, id, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
	img := e.image(id)
	if img.Status != glimpse.ImageStatusUploading || img.Size == nil || *img.Size != int64(len(raw)) || len(img.Stores()) != 0 {
		t.Fatalf("after stage: status %s size %v stores %v", img.Status, img.Size, img.Stores())
	}
	if _, err := e.importer.Stage(ctx, id, bytes.NewReader(raw), -1); glimpse.ErrorCode(err) != glimpse.ECONFLICT {
		t.Fatalf("second stage: %v, want conflict", err)
	}

	task, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect, AllStores: true, RequestID: "req-abc"})
	if err != nil {
		t.Fatal(err)
	}
	img = e.image(id)
	if img.Status != glimpse.ImageStatusImporting || img.Properties[glimpse.PropImportingToStores] != "local,backup" ||
		img.Properties[glimpse.PropImportTask] != task.ID {
		t.Fatalf("after submit: status %s props %v", img.Status, img.Properties)
	}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect}); glimpse.ErrorMessage(err) != "Image has active task" {
		t.Fatalf("second import: %v", err)
	}

	done := e.runClaimed()
	if done.Status != glimpse.TaskStatusSuccess || done.RequestID != "req-abc" || done.Result["image_id"] != id || done.ExpiresAt == nil {
		t.Fatalf("task = %+v", done)
	}
	img = e.image(id)
	sum := md5.Sum(raw)
	if img.Status != glimpse.ImageStatusActive || *img.Checksum != hex.EncodeToString(sum[:]) || *img.Size != int64(len(raw)) ||
		img.VirtualSize == nil || *img.VirtualSize != 1<<30 {
		t.Fatalf("imported image: status %s checksum %v size %v virtual %v", img.Status, img.Checksum, img.Size, img.VirtualSize)
	}
	if got := strings.Join(img.Stores(), ","); got != "local,backup" {
		t.Fatalf("stores = %s", got)
	}
	if img.Properties[glimpse.PropImportingToStores] != "" || img.Properties[glimpse.PropFailedImport] != "" {
		t.Fatalf("import properties: %v", img.Properties)
	}
	if _, locked := img.Properties[glimpse.PropImportTask]; locked {
		t.Fatal("import lock still held")
	}
	for _, loc := range img.Locations {
		one := *img
		one.Locations = []glimpse.Location{loc}
		if !bytes.Equal(e.download(&one), raw) {
			t.Fatalf("store %s holds different bytes", loc.StoreID)
		}
	}
	if left := dirEntries(t, e.staging.Dir()); len(left) != 0 {
		t.Fatalf("staging area not emptied: %v", left)
	}
}

// loopbackImporter allows web-download from the test server's loopback address and port.
func (e *env) allowServer(srv *httptest.Server) {
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	e.importer.Filter = &urlfilter.Filter{AllowedSchemes: []string{"http"}, AllowedPorts: []int{port}, AllowedHosts: []string{"127.0.0.1"}}
}

func TestWebDownload(t *testing.T) {
	payload := bytes.Repeat([]byte("glimpse web-download "), 5000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/disk.img" {
			w.Write(payload)
			return
		}
		http.NotFound(w, r)
	}))
	defer srv.Close()

	t.Run("loopback refused by default", func(t *testing.T) {
		e := newEnv(t)
		id := e.createImage("raw")
		_, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: srv.URL + "/disk.img"})
		if glimpse.ErrorCode(err) != glimpse.EINVALID || !strings.Contains(glimpse.ErrorMessage(err), "does not pass filtering") {
			t.Fatalf("err = %v", err)
		}
		if img := e.image(id); img.Status != glimpse.ImageStatusQueued {
			t.Fatalf("status %s", img.Status)
		}
	})

	t.Run("allowed", func(t *testing.T) {
		e := newEnv(t)
		e.allowServer(srv)
		id := e.createImage("raw")
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: srv.URL + "/disk.img"}); err != nil {
			t.Fatal(err)
		}
		if img := e.image(id); img.Status != glimpse.ImageStatusImporting {
			t.Fatalf("status after submit: %s", img.Status)
		}
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusSuccess {
			t.Fatalf("task %s: %s", done.Status, done.Message)
		}
		img := e.image(id)
		if img.Status != glimpse.ImageStatusActive || strings.Join(img.Stores(), ",") != "local" || !bytes.Equal(e.download(img), payload) {
			t.Fatalf("image %s stores %v", img.Status, img.Stores())
		}
	})

	t.Run("404", func(t *testing.T) {
		e := newEnv(t)
		e.allowServer(srv)
		id := e.createImage("raw")
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: srv.URL + "/missing.img"}); err != nil {
			t.Fatal(err)
		}
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusFailure || !strings.Contains(done.Message, "404 Not Found") {
			t.Fatalf("task %s: %q", done.Status, done.Message)
		}
		img := e.image(id)
		if img.Status != glimpse.ImageStatusQueued || img.Properties[glimpse.PropFailedImport] != "local" ||
			img.Properties[glimpse.PropImportingToStores] != "" || len(img.Locations) != 0 {
			t.Fatalf("image %s props %v locations %v", img.Status, img.Properties, img.Locations)
		}
		if left := dirEntries(t, e.staging.Dir()); len(left) != 0 {
			t.Fatalf("staging left: %v", left)
		}
	})

	t.Run("unresolvable host fails later", func(t *testing.T) {
		e := newEnv(t)
		id := e.createImage("raw")
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: "http://does-not.exist.invalid/no/possible/way"}); err != nil {
			t.Fatalf("submit: %v (upstream Glance accepts it and fails the task)", err)
		}
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusFailure {
			t.Fatalf("task %s", done.Status)
		}
		if img := e.image(id); img.Status != glimpse.ImageStatusQueued || img.Properties[glimpse.PropFailedImport] == "" {
			t.Fatalf("image %s props %v", img.Status, img.Properties)
		}
	})
}

func TestCopyImage(t *testing.T) {
	e := newEnv(t)
	id := e.createImage("raw")
	data := []byte("data to copy between stores")
	if _, err := e.data.Upload(ctx, id, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatal(err)
	}
	member := &glimpse.Principal{UserID: "u", ProjectID: "p1", Roles: []glimpse.Role{{Name: glimpse.RoleMember}}}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportCopyImage, AllStores: true, Caller: member}); glimpse.ErrorCode(err) != glimpse.EFORBIDDEN {
		t.Fatalf("copy as member: %v", err)
	}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportCopyImage, Stores: []string{"local"}, HasStores: true}); glimpse.ErrorMessage(err) != "Image is already present at store 'local'" {
		t.Fatalf("copy to the same store: %v", err)
	}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportCopyImage, Stores: []string{"nope"}, HasStores: true}); glimpse.ErrorMessage(err) != "Store for identifier nope not found" {
		t.Fatalf("copy to an unknown store: %v", err)
	}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportCopyImage, AllStores: true}); err != nil {
		t.Fatal(err)
	}
	if img := e.image(id); img.Status != glimpse.ImageStatusActive || img.Properties[glimpse.PropImportingToStores] != "backup" {
		t.Fatalf("during copy: %s %v", img.Status, img.Properties)
	}
	if done := e.runClaimed(); done.Status != glimpse.TaskStatusSuccess {
		t.Fatalf("task %s %s", done.Status, done.Message)
	}
	img := e.image(id)
	if strings.Join(img.Stores(), ",") != "local,backup" || img.Properties[glimpse.PropImportingToStores] != "" {
		t.Fatalf("after copy: stores %v props %v", img.Stores(), img.Properties)
	}
	one := *img
	one.Locations = img.Locations[1:]
	if !bytes.Equal(e.download(&one), data) {
		t.Fatal("copy differs")
	}
	// Everything is everywhere now: all_stores has nothing left to do.
	if task, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportCopyImage, AllStores: true}); err != nil || task != nil {
		t.Fatalf("copy to all stores again: %v, %v", task, err)
	}
}

// TestRunnerRecoversAbandonedTask: a task left processing by a dead worker (lease ended)
// is failed when a runner starts, and its image goes back to queued without staged data;
// then the runner executes a new import to the end.
func TestRunnerRecoversAbandonedTask(t *testing.T) {
	e := newEnv(t)
	id := e.createImage("raw")
	if _, err := e.importer.Stage(ctx, id, strings.NewReader("staged bytes"), -1); err != nil {
		t.Fatal(err)
	}
	dead, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect})
	if err != nil {
		t.Fatal(err)
	}
	if claimed, err := e.db.ClaimTask(ctx, "dead-node", -time.Second); err != nil || claimed.ID != dead.ID {
		t.Fatalf("claim: %v %v", claimed, err)
	}

	runner := &Runner{Tasks: e.db, Exec: e.importer, Workers: 2, Poll: 20 * time.Millisecond, Logger: e.importer.Logger}
	e.importer.Notify = runner.Notify
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { runner.Run(rctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()

	got := waitTask(t, e.db, dead.ID)
	if got.Status != glimpse.TaskStatusFailure || !strings.Contains(got.Message, "interrupted") {
		t.Fatalf("abandoned task: %s %q", got.Status, got.Message)
	}
	img := e.image(id)
	if img.Status != glimpse.ImageStatusQueued || imagedata.StagedLocation(img) != nil || img.Properties[glimpse.PropFailedImport] != "local" {
		t.Fatalf("image after recovery: %s %v %v", img.Status, img.Locations, img.Properties)
	}
	if left := dirEntries(t, e.staging.Dir()); len(left) != 0 {
		t.Fatalf("staging left: %v", left)
	}

	// The image can be staged and imported again, this time by the runner.
	if _, err := e.importer.Stage(ctx, id, strings.NewReader("staged again"), -1); err != nil {
		t.Fatal(err)
	}
	next, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect})
	if err != nil {
		t.Fatal(err)
	}
	if got := waitTask(t, e.db, next.ID); got.Status != glimpse.TaskStatusSuccess {
		t.Fatalf("second import: %s %q", got.Status, got.Message)
	}
	if img := e.image(id); img.Status != glimpse.ImageStatusActive || string(e.download(img)) != "staged again" {
		t.Fatalf("image %s", img.Status)
	}
}

// waitTask waits until the task has ended (the runner works in the background).
func waitTask(t *testing.T, db *sqlstore.DB, id string) *glimpse.Task {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, err := db.FindTaskByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == glimpse.TaskStatusSuccess || got.Status == glimpse.TaskStatusFailure {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s still %s", id, got.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRunnerFailsOwnTasksAtStart: a task still leased (lease not over) to this runner's
// own id belonged to this node's previous process; the restarted runner fails it at once
// and leaves another node's leased task alone.
func TestRunnerFailsOwnTasksAtStart(t *testing.T) {
	e := newEnv(t)
	var ids []string
	for range 2 {
		id := e.createImage("raw")
		if _, err := e.importer.Stage(ctx, id, strings.NewReader("staged"), -1); err != nil {
			t.Fatal(err)
		}
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	mine, err := e.db.ClaimTask(ctx, "node-a", time.Hour)
	if err != nil || mine == nil {
		t.Fatal(err)
	}
	other, err := e.db.ClaimTask(ctx, "node-b", time.Hour)
	if err != nil || other == nil {
		t.Fatal(err)
	}
	runner := &Runner{Tasks: e.db, Exec: e.importer, ID: "node-a", Logger: e.importer.Logger}
	rctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() { runner.Run(rctx); close(stopped) }()
	got := waitTask(t, e.db, mine.ID)
	cancel()
	<-stopped
	if got.Status != glimpse.TaskStatusFailure {
		t.Fatalf("own interrupted task: %s", got.Status)
	}
	if img := e.image(mine.ImageID); img.Status != glimpse.ImageStatusQueued {
		t.Fatalf("its image: %s", img.Status)
	}
	still, err := e.db.FindTaskByID(ctx, other.ID)
	if err != nil || still.Status != glimpse.TaskStatusProcessing {
		t.Fatalf("another node's task: %v %v", still.Status, err)
	}
	if img := e.image(other.ImageID); img.Status != glimpse.ImageStatusImporting {
		t.Fatalf("another node's image: %s", img.Status)
	}
}

// TestWebDownloadWatchdog: a source that stops sending, or keeps sending while the image is
// deleted, ends the import instead of holding a worker and filling the staging area.
func TestWebDownloadWatchdog(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 4096))
		w.(http.Flusher).Flush()
		if r.URL.Path == "/stall" {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		for { // endless
			if _, err := w.Write(bytes.Repeat([]byte("y"), 64<<10)); err != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}))
	defer srv.Close()

	t.Run("stalled source", func(t *testing.T) {
		e := newEnv(t)
		e.allowServer(srv)
		e.importer.StallTimeout, e.importer.WatchEvery = 300*time.Millisecond, 50*time.Millisecond
		id := e.createImage("raw")
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: srv.URL + "/stall"}); err != nil {
			t.Fatal(err)
		}
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusFailure || !strings.Contains(done.Message, "no data received for 300ms") {
			t.Fatalf("task %s: %q", done.Status, done.Message)
		}
		if img := e.image(id); img.Status != glimpse.ImageStatusQueued {
			t.Errorf("image %s after a stalled download, want queued", img.Status)
		}
		if left := dirEntries(t, e.staging.Dir()); len(left) != 0 {
			t.Errorf("staging area holds %v", left)
		}
	})

	t.Run("image deleted", func(t *testing.T) {
		e := newEnv(t)
		e.allowServer(srv)
		e.importer.WatchEvery = 50 * time.Millisecond
		id := e.createImage("raw")
		if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportWebDownload, URI: srv.URL + "/endless"}); err != nil {
			t.Fatal(err)
		}
		go func() {
			time.Sleep(300 * time.Millisecond)
			if err := e.db.DeleteImage(ctx, id); err != nil {
				t.Error(err)
			}
		}()
		done := e.runClaimed()
		if done.Status != glimpse.TaskStatusFailure || !strings.Contains(done.Message, "was deleted during the download") {
			t.Fatalf("task %s: %q", done.Status, done.Message)
		}
		if left := dirEntries(t, e.staging.Dir()); len(left) != 0 {
			t.Errorf("staging area holds %v", left)
		}
	})
}
