package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse/imagecache"
)

// withCache puts a real image cache in front of e's downloads and returns it.
func withCache(e *imageEnv) *imagecache.Cache {
	e.t.Helper()
	c, err := imagecache.Open(filepath.Join(e.t.TempDir(), "cache"), imagecache.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.server.Cache = c
	e.server.ImageData = c.Wrap(e.server.ImageData)
	return c
}

type cacheState struct {
	Cached []struct {
		ImageID      string  `json:"image_id"`
		Hits         int64   `json:"hits"`
		LastAccessed float64 `json:"last_accessed"`
		LastModified float64 `json:"last_modified"`
		Size         int64   `json:"size"`
	} `json:"cached_images"`
	Queued []string `json:"queued_images"`
}

func (e *imageEnv) cacheState() cacheState {
	e.t.Helper()
	r := e.do("admin", "GET", "/v2/cache", "")
	mustStatus(e.t, r, http.StatusOK)
	var st cacheState
	if err := json.Unmarshal(r.Body, &st); err != nil {
		e.t.Fatalf("GET /v2/cache: %v\n%s", err, r.Body)
	}
	if st.Cached == nil || st.Queued == nil {
		e.t.Fatalf("GET /v2/cache: both lists must be present: %s", r.Body)
	}
	return st
}

func TestCacheCycle(t *testing.T) {
	e := newImageEnv(t)
	cache := withCache(e)
	if r := e.do("admin", "GET", "/v2/cache", ""); string(r.Body) != `{"cached_images": [], "queued_images": []}` {
		t.Fatalf("empty cache: %s", r.Body)
	}

	queued := e.createImage("demo", `{"name": "q", "disk_format": "raw", "container_format": "bare"}`)
	r := e.do("admin", "PUT", "/v2/cache/"+queued, "")
	mustStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "Only images with status active can be targeted for queueing") {
		t.Errorf("queue a queued image: %s", r.Body)
	}
	r = e.do("admin", "PUT", "/v2/cache/non-existing-image-id", "")
	mustStatus(t, r, http.StatusNotFound)
	if !strings.Contains(string(r.Body), "Image non-existing-image-id not found.") {
		t.Errorf("queue a missing image: %s", r.Body)
	}

	id := e.createImage("demo", `{"name": "c", "disk_format": "raw", "container_format": "bare"}`)
	data := strings.Repeat("cached bytes ", 1000)
	e.upload("demo", id, data)
	r = e.do("admin", "PUT", "/v2/cache/"+id, "")
	mustStatus(t, r, http.StatusAccepted)
	if len(r.Body) != 0 {
		t.Errorf("202 body: %q", r.Body)
	}
	if st := e.cacheState(); !slices.Equal(st.Queued, []string{id}) || len(st.Cached) != 0 {
		t.Fatalf("after queueing: %+v", st)
	}
	cache.Prefetch(context.Background(), e.db, e.server.ImageData.(*imagecache.DataService).ImageDataService)
	st := e.cacheState()
	if len(st.Queued) != 0 || len(st.Cached) != 1 || st.Cached[0].ImageID != id || st.Cached[0].Size != int64(len(data)) ||
		st.Cached[0].LastModified < 1e9 {
		t.Fatalf("after prefetch: %+v", st)
	}

	// The download is served from the cache: the store's copy is gone.
	img, err := e.db.FindImageByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.Delete(context.Background(), img.Locations[0].URL); err != nil {
		t.Fatal(err)
	}
	r = e.do("demo", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	if string(r.Body) != data {
		t.Fatalf("download from the cache: %d bytes", len(r.Body))
	}
	if st := e.cacheState(); st.Cached[0].Hits != 1 {
		t.Errorf("hits = %d, want 1", st.Cached[0].Hits)
	}

	r = e.do("admin", "DELETE", "/v2/cache", "", "x-image-cache-clear-target: invalid")
	mustStatus(t, r, http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "If provided &#x27;x-image-cache-clear-target&#x27; must be &#x27;cache&#x27;, &#x27;queue&#x27; or empty string.") {
		t.Errorf("bad target: %s", r.Body)
	}
	mustStatus(t, e.do("admin", "DELETE", "/v2/cache", "", "x-image-cache-clear-target: queue"), http.StatusNoContent)
	if st := e.cacheState(); len(st.Cached) != 1 {
		t.Fatalf("clearing the queue removed cached images: %+v", st)
	}
	mustStatus(t, e.do("admin", "DELETE", "/v2/cache", ""), http.StatusNoContent)
	if st := e.cacheState(); len(st.Cached) != 0 || len(st.Queued) != 0 {
		t.Fatalf("after clear: %+v", st)
	}
}

func TestCacheDownloadFillsAndDeleteEmpties(t *testing.T) {
	e := newImageEnv(t)
	withCache(e)
	id := e.createImage("demo", `{"name": "d", "disk_format": "raw", "container_format": "bare"}`)
	e.upload("demo", id, "some image data")
	mustStatus(t, e.do("demo", "GET", "/v2/images/"+id+"/file", "", "Range: bytes=0-3"), http.StatusPartialContent)
	if st := e.cacheState(); len(st.Cached) != 0 {
		t.Fatalf("a range download filled the cache: %+v", st)
	}
	mustStatus(t, e.do("demo", "GET", "/v2/images/"+id+"/file", ""), http.StatusOK)
	if st := e.cacheState(); len(st.Cached) != 1 || st.Cached[0].ImageID != id {
		t.Fatalf("a full download did not fill the cache: %+v", st)
	}
	mustStatus(t, e.do("admin", "DELETE", "/v2/cache/"+id, ""), http.StatusNoContent)
	if st := e.cacheState(); len(st.Cached) != 0 {
		t.Fatalf("after DELETE /v2/cache/{id}: %+v", st)
	}
	mustStatus(t, e.do("admin", "DELETE", "/v2/cache/"+id, ""), http.StatusNoContent) // visible image: still 204
	mustStatus(t, e.do("admin", "DELETE", "/v2/cache/missing", ""), http.StatusNotFound)

	// Deleting the image removes its cached copy.
	mustStatus(t, e.do("demo", "GET", "/v2/images/"+id+"/file", ""), http.StatusOK)
	mustStatus(t, e.do("demo", "DELETE", "/v2/images/"+id, ""), http.StatusNoContent)
	if st := e.cacheState(); len(st.Cached) != 0 {
		t.Fatalf("a deleted image stays cached: %+v", st)
	}
}

func TestCacheIsForAdmins(t *testing.T) {
	e := newImageEnv(t)
	withCache(e)
	id := e.createImage("demo", `{"name": "p", "disk_format": "raw", "container_format": "bare"}`)
	for _, c := range []struct{ method, path, action string }{
		{"GET", "/v2/cache", "cache_list"},
		{"DELETE", "/v2/cache", "cache_delete"},
		{"PUT", "/v2/cache/" + id, "cache_image"},
		{"DELETE", "/v2/cache/" + id, "cache_delete"},
	} {
		r := e.do("demo", c.method, c.path, "")
		mustStatus(t, r, http.StatusForbidden)
		if !strings.Contains(string(r.Body), "You are not authorized to complete "+c.action+" action.") {
			t.Errorf("%s %s: %s", c.method, c.path, r.Body)
		}
	}
	// Another project's private image is not found before the policy check, as Glance.
	mustStatus(t, e.do("alt_demo", "PUT", "/v2/cache/"+id, ""), http.StatusNotFound)
	r := e.do("admin", "POST", "/v2/cache", "")
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != "GET, DELETE" {
		t.Errorf("Allow = %q", r.Header.Get("Allow"))
	}
}

func TestCacheOffAnswers404(t *testing.T) {
	e := newImageEnv(t)
	r := e.do("admin", "GET", "/v2/cache", "")
	mustStatus(t, r, http.StatusNotFound)
	if !strings.Contains(string(r.Body), "Caching via API is not supported at this site.") {
		t.Errorf("cache off: %s", r.Body)
	}
}
