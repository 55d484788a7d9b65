package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Image cache management ("Cache Manage" in the Glance Image API v2 reference, since
// v2.14). The cache is this node's (s.Cache, an *imagecache.Cache); without one every
// route answers Glance's 404 "Caching via API is not supported at this site." after the
// policy check. The policies cache_list, cache_image and cache_delete are admin-only by
// default, as Glance's.

// cacheEnforce applies the cache policy named action (on img's target when there is an
// image, as Glance's CacheImageAPIPolicy), then checks that the cache is enabled, as
// Glance's CacheController._enforce.
func (s *Server) cacheEnforce(r *http.Request, action string, img *glimpse.Image) error {
	p := imageCaller(r)
	target := glimpse.PolicyTarget{}
	if img != nil {
		target = glimpse.ImagePolicyTarget(p, img)
	}
	if err := s.authz().Authorize(p, action, target); err != nil {
		return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
	}
	if s.Cache == nil {
		return errExplained(http.StatusNotFound, "Caching via API is not supported at this site.")
	}
	return nil
}

// handleCacheList answers GET /v2/cache ("Query cache status"): 200 with
// {"cached_images": [{"image_id", "hits", "last_accessed", "last_modified", "size"}, …],
// "queued_images": [image ids]}; cached images by id, queued ones oldest first; times are
// Unix seconds as floats, as Glance's cache records.
func (s *Server) handleCacheList(w http.ResponseWriter, r *http.Request) error {
	if err := s.cacheEnforce(r, "cache_list", nil); err != nil {
		return err
	}
	entries := s.Cache.Entries()
	cached := make([]any, 0, len(entries))
	for _, e := range entries {
		cached = append(cached, pyObject{
			{"image_id", e.ImageID},
			{"hits", e.Hits},
			{"last_accessed", pyFloatSeconds(e.LastAccessed)},
			{"last_modified", pyFloatSeconds(e.LastModified)},
			{"size", e.Size},
		})
	}
	queued := s.Cache.Queued()
	if queued == nil {
		queued = []string{}
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"cached_images", cached}, {"queued_images", queued}})
	return nil
}

// handleCacheQueue answers PUT /v2/cache/{image_id} ("Queue image"): 202, and the
// prefetcher copies the image into the cache soon after. 404 for an image the caller
// cannot see, 403 for a non-admin, 400 unless the image is active.
func (s *Server) handleCacheQueue(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("image_id")
	img, err := s.findVisibleImage(r.Context(), imageCaller(r), id)
	if err != nil {
		return err
	}
	if img == nil {
		return errExplained(http.StatusNotFound, "Image %s not found.", id)
	}
	if err := s.cacheEnforce(r, "cache_image", img); err != nil {
		return err
	}
	if img.Status != glimpse.ImageStatusActive {
		return errExplained(http.StatusBadRequest, "Only images with status active can be targeted for queueing")
	}
	if err := s.Cache.Queue(id); err != nil {
		return err
	}
	writeRaw(w, http.StatusAccepted, "text/html; charset=UTF-8", nil)
	return nil
}

// handleCacheDelete answers DELETE /v2/cache/{image_id} ("Delete image from cache"):
// 204 after removing the image's cached copy and queue entry. 404 when the caller cannot
// see the image and it is neither cached nor queued; 403 for a non-admin.
func (s *Server) handleCacheDelete(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("image_id")
	img, err := s.findVisibleImage(r.Context(), imageCaller(r), id)
	if err != nil {
		return err
	}
	if img == nil && (s.Cache == nil || !s.Cache.Contains(id)) {
		return errExplained(http.StatusNotFound, "Image %s not found.", id)
	}
	if err := s.cacheEnforce(r, "cache_delete", img); err != nil {
		return err
	}
	if err := s.Cache.Delete(id); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// handleCacheClear answers DELETE /v2/cache ("Clear images from cache"): 204 after
// removing the cached copies, the queue, or both, as the x-image-cache-clear-target
// header says ("cache", "queue", or absent/empty for both; anything else is 400).
func (s *Server) handleCacheClear(w http.ResponseWriter, r *http.Request) error {
	if err := s.cacheEnforce(r, "cache_delete", nil); err != nil {
		return err
	}
	target := strings.ToLower(r.Header.Get("x-image-cache-clear-target"))
	if target != "" && target != "cache" && target != "queue" {
		return errExplained(http.StatusBadRequest, "If provided 'x-image-cache-clear-target' must be 'cache', 'queue' or empty string.")
	}
	if target != "queue" {
		if _, err := s.Cache.ClearCached(); err != nil {
			return err
		}
	}
	if target != "cache" {
		if _, err := s.Cache.ClearQueued(); err != nil {
			return err
		}
	}
	writeNoContent(w)
	return nil
}

// pyFloatSeconds writes t as Python's repr of a Unix time float (e.g. 1795977073.148754).
func pyFloatSeconds(t time.Time) any {
	s := strconv.FormatFloat(float64(t.UnixMicro())/1e6, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return json.Number(s)
}
