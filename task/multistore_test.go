package task

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagedata"
)

// brokenStore is a real filesystem store whose Put fails after reading the data.
type brokenStore struct{ glimpse.Store }

func (b brokenStore) Put(ctx context.Context, imageID string, r io.Reader, size int64) (string, int64, error) {
	n, _ := io.Copy(io.Discard, r)
	return "", n, errors.New("disk on fire")
}

// newBrokenEnv is newEnv with "backup" failing every write.
func newBrokenEnv(t *testing.T) *env {
	e := newEnv(t)
	stores := []glimpse.Store{e.stores["local"], brokenStore{e.stores["backup"]}}
	e.data = imagedata.New(e.db, stores, e.importer.Logger, 0).WithStaging(e.staging)
	e.importer.Data = e.data
	return e
}

func TestImportAllStoresMustSucceed(t *testing.T) {
	e := newBrokenEnv(t)
	id := e.createImage("raw")
	if _, err := e.importer.Stage(ctx, id, strings.NewReader("some staged data"), -1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect, AllStores: true}); err != nil {
		t.Fatal(err)
	}
	done := e.runClaimed()
	if done.Status != glimpse.TaskStatusFailure {
		t.Fatalf("task %s %q", done.Status, done.Message)
	}
	img := e.image(id)
	if img.Status != glimpse.ImageStatusQueued || len(img.Locations) != 0 || img.Checksum != nil ||
		img.Properties[glimpse.PropFailedImport] != "backup" {
		t.Fatalf("image %s locations %v props %v", img.Status, img.Locations, img.Properties)
	}
	// What the import wrote to "local" before "backup" failed is gone.
	if left := dirEntries(t, e.stores["local"].Dir()); len(left) != 0 {
		t.Fatalf("local store keeps %v", left)
	}
}

func TestImportSomeStoresMaySucceed(t *testing.T) {
	e := newBrokenEnv(t)
	id := e.createImage("raw")
	if _, err := e.importer.Stage(ctx, id, strings.NewReader("some staged data"), -1); err != nil {
		t.Fatal(err)
	}
	req := glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect, AllStores: true, Caller: e.admin,
		Body: map[string]any{"method": map[string]any{"name": "glance-direct"}, "all_stores": true, "all_stores_must_succeed": false}}
	if _, err := e.importer.Submit(ctx, req); err != nil {
		t.Fatal(err)
	}
	done := e.runClaimed()
	if done.Status != glimpse.TaskStatusSuccess || !strings.Contains(done.Message, "backup") {
		t.Fatalf("task %s %q", done.Status, done.Message)
	}
	img := e.image(id)
	if img.Status != glimpse.ImageStatusActive || strings.Join(img.Stores(), ",") != "local" ||
		img.Properties[glimpse.PropFailedImport] != "backup" || img.Properties[glimpse.PropImportingToStores] != "" {
		t.Fatalf("image %s stores %v props %v", img.Status, img.Stores(), img.Properties)
	}
}

// countingExec counts how often each task is executed.
type countingExec struct {
	*Importer
	mu    sync.Mutex
	count map[string]int
}

func (c *countingExec) Execute(ctx context.Context, t *glimpse.Task, worker string) {
	c.mu.Lock()
	c.count[t.ID]++
	c.mu.Unlock()
	c.Importer.Execute(ctx, t, worker)
}

// TestTwoRunnersOneDatabase: two runners (two nodes) share the database; every import
// runs exactly once and succeeds.
func TestTwoRunnersOneDatabase(t *testing.T) {
	e := newEnv(t)
	exec := &countingExec{Importer: e.importer, count: map[string]int{}}
	var tasks []string
	for i := range 8 {
		id := e.createImage("raw")
		if _, err := e.importer.Stage(ctx, id, strings.NewReader(fmt.Sprintf("image %d", i)), -1); err != nil {
			t.Fatal(err)
		}
		tk, err := e.submit(glimpse.ImportRequest{ImageID: id, Method: glimpse.ImportGlanceDirect})
		if err != nil {
			t.Fatal(err)
		}
		tasks = append(tasks, tk.ID)
	}
	rctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, node := range []string{"node-a", "node-b"} {
		r := &Runner{Tasks: e.db, Exec: exec, ID: node, Workers: 2, Poll: 5 * time.Millisecond, Logger: e.importer.Logger}
		wg.Add(1)
		go func() { defer wg.Done(); r.Run(rctx) }()
	}
	for _, id := range tasks {
		if got := waitTask(t, e.db, id); got.Status != glimpse.TaskStatusSuccess {
			t.Errorf("task %s: %s %q", id, got.Status, got.Message)
		}
	}
	cancel()
	wg.Wait()
	for _, id := range tasks {
		if n := exec.count[id]; n != 1 {
			t.Errorf("task %s executed %d times", id, n)
		}
	}
}
