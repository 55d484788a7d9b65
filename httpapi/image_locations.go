package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/glimpse-image/glimpse"
)

// Image locations, as Glance shows and changes them when show_multiple_locations is on
// (Image API reference, "Update image": add, replace and remove on /locations; Glance's
// ImagesController._do_add_locations, _do_replace_locations and _do_remove_locations).
// A location a user adds is an external http(s) URL (glance_store's http store), checked
// against the web-download filter as Debian's Glance 25 does; glimpse reads it but never
// writes or deletes it. Locations in the configured stores come from uploads and imports.

// ExternalLocations checks and sizes external http(s) locations (httpstore.Store).
type ExternalLocations interface {
	// Check refuses a URL that is not http(s) or does not pass the filter; no request.
	Check(rawURL string) error
	// Stat returns the size in bytes of the data at rawURL.
	Stat(ctx context.Context, rawURL string) (int64, error)
}

// locationView is one entry of an image's "locations": its URL and metadata, with the
// store's id as metadata "store" for a copy in a configured store (as Glance's multi-store
// records it).
func locationView(l glimpse.Location) pyObject {
	meta := make(map[string]any, len(l.Metadata)+1)
	for k, v := range l.Metadata {
		meta[k] = v
	}
	if !l.External() {
		meta["store"] = l.StoreID
	}
	return pyObject{{"url", l.URL}, {"metadata", meta}}
}

// visibleLocations are the image's active locations as Glance lists them: none of a
// deactivated image for a non-admin (the DB layer's _normalize_locations).
func (s *Server) visibleLocations(p *glimpse.Principal, img *glimpse.Image) []glimpse.Location {
	if img.Status == glimpse.ImageStatusDeactivated && !s.isAdmin(p) {
		return nil
	}
	return img.ActiveLocations()
}

// viewImage is the wire form of img for the caller p: imageView with "locations"
// (show_multiple_locations) and "direct_url" (show_image_direct_url: the first location).
func (s *Server) viewImage(p *glimpse.Principal, img *glimpse.Image) pyObject {
	locs := s.visibleLocations(p, img)
	var extra []pyField
	if s.ShowMultipleLocations {
		views := make([]pyObject, 0, len(locs))
		for _, l := range locs {
			views = append(views, locationView(l))
		}
		extra = append(extra, pyField{"locations", views})
	}
	if s.ShowDirectURL && len(locs) > 0 {
		extra = append(extra, pyField{"direct_url", locs[0].URL})
	}
	return imageView(img, extra, len(locs) > 0)
}

// maxImageSize is the image size cap in bytes: MaxImageSize, or Glance's default 1 TiB.
func (s *Server) maxImageSize() int64 {
	if s.MaxImageSize > 0 {
		return s.MaxImageSize
	}
	return 1 << 40
}

// locationPatch carries what the location operations of one PATCH need: whether
// locations are shown at all, the sizes of new external URLs (fetched before the store
// transaction, so no row stays locked during a request to another server), and the
// locations removed, whose data is deleted once the change is committed.
type locationPatch struct {
	show     bool
	external ExternalLocations
	ctx      context.Context
	maxSize  int64 // the image size cap in bytes; a larger external image is refused

	mu      sync.Mutex
	sizes   map[string]sizeResult
	removed []glimpse.Location
}

type sizeResult struct {
	size int64
	err  error
}

// prefetch sizes the new URLs of the add and replace operations in ops.
func (lp *locationPatch) prefetch(img *glimpse.Image, ops []imagePatchOp) {
	for _, op := range ops {
		if op.Path[0] != "locations" || op.Op == "remove" {
			continue
		}
		values := []any{op.Value}
		if op.Op == "replace" {
			values, _ = op.Value.([]any)
		}
		for _, v := range values {
			m, _ := v.(map[string]any)
			u, _ := m["url"].(string)
			if u != "" && !slices.ContainsFunc(img.Locations, func(l glimpse.Location) bool { return l.URL == u }) {
				lp.size(u)
			}
		}
	}
}

// size returns the size of the data at the external URL u (once per URL and request), or
// Glance's "Invalid location": a scheme other than http(s) (file:// is never allowed), a
// URL the filter refuses, or no data there.
func (lp *locationPatch) size(u string) (int64, error) {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	if r, ok := lp.sizes[u]; ok {
		return r.size, r.err
	}
	r := sizeResult{err: errExplained(http.StatusBadRequest, "Invalid location")}
	if lp.external != nil && lp.external.Check(u) == nil {
		n, err := lp.external.Stat(lp.ctx, u)
		switch {
		case err != nil || n <= 0:
		case lp.maxSize > 0 && n > lp.maxSize:
			// Glance has no such check, but its image_size_cap bounds uploads, and an
			// unbounded size would let one location push a project's usage past any sum.
			r.err = errExplained(http.StatusBadRequest, "Invalid location: the image at %s (%d bytes) is larger than the image size cap (%d bytes).", u, n, lp.maxSize)
		default:
			r = sizeResult{size: n}
		}
	}
	if lp.sizes == nil {
		lp.sizes = map[string]sizeResult{}
	}
	lp.sizes[u] = r
	return r.size, r.err
}

// newLocation is a location value of a patch, checked by the image schema.
type newLocation struct {
	url            string
	metadata       map[string]any
	validationData map[string]string
}

func parseNewLocation(v any) (newLocation, error) {
	m, _ := v.(map[string]any)
	loc := newLocation{metadata: map[string]any{}}
	loc.url, _ = m["url"].(string)
	if meta, ok := m["metadata"].(map[string]any); ok {
		if err := checkLocationMetadata(meta, ""); err != nil {
			return loc, err
		}
		loc.metadata = meta
	}
	if vd, ok := m["validation_data"].(map[string]any); ok {
		loc.validationData = map[string]string{}
		for k, x := range vd {
			loc.validationData[k], _ = x.(string)
		}
	}
	return loc, nil
}

// checkLocationMetadata allows what glance_store's check_location_metadata allows:
// objects, lists and strings.
func checkLocationMetadata(v any, key string) error {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if err := checkLocationMetadata(x, k); err != nil {
				return err
			}
		}
	case []any:
		for _, x := range v {
			if err := checkLocationMetadata(x, key); err != nil {
				return err
			}
		}
	case string:
	default:
		return errExplained(http.StatusBadRequest, "The image metadata key %s has an invalid type of %s. "+
			"Only dict, list, and unicode are supported.", key, pyTypeName(v))
	}
	return nil
}

func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	default:
		if s := fmt.Sprint(v); strings.ContainsAny(s, ".eE") {
			return "float"
		}
		return "int"
	}
}

// applyLocationOp applies one /locations operation after the policy check: Glance's
// _do_add_locations, _do_replace_locations or _do_remove_locations.
func (lp *locationPatch) apply(img *glimpse.Image, op imagePatchOp) error {
	switch op.Op {
	case "add":
		if !lp.show {
			return errExplained(http.StatusForbidden, "It's not allowed to add locations if locations are invisible.")
		}
		return lp.add(img, op.Path[1], op.Value)
	case "remove":
		if !lp.show {
			return errExplained(http.StatusForbidden, "It's not allowed to remove locations if locations are invisible.")
		}
		return lp.remove(img, op.Path[1])
	default:
		if !lp.show {
			return errExplained(http.StatusForbidden, "It's not allowed to update locations if locations are invisible.")
		}
		return lp.replace(img, op.Value)
	}
}

func (lp *locationPatch) add(img *glimpse.Image, pos string, value any) error {
	if img.Status != glimpse.ImageStatusActive && img.Status != glimpse.ImageStatusQueued {
		return errExplained(http.StatusConflict, "It's not allowed to add locations if image status is %s.", img.Status)
	}
	loc, err := parseNewLocation(value)
	if err != nil {
		return err
	}
	if err := checkLocation4Byte(loc.url, loc.metadata); err != nil {
		return err
	}
	validation, err := checkValidationData(img, []newLocation{loc})
	if err != nil {
		return err
	}
	locs := img.ActiveLocations()
	i, ok := locationPosition(pos, len(locs), true)
	if !ok {
		return errExplained(http.StatusBadRequest, "Invalid position for adding a location.")
	}
	size, err := lp.size(loc.url)
	if err != nil {
		return err
	}
	if slices.ContainsFunc(locs, func(l glimpse.Location) bool { return l.URL == loc.url && sameMetadata(l, loc.metadata) }) {
		return errExplained(http.StatusBadRequest, "The location %s already exists", loc.url)
	}
	locs = slices.Insert(locs, min(i, len(locs)), glimpse.Location{URL: loc.url, Metadata: loc.metadata, Status: "active"})
	setLocations(img, locs)
	if img.Size == nil || *img.Size == 0 {
		img.Size = &size
	}
	if img.Status == glimpse.ImageStatusQueued {
		validation.apply(img)
		img.Status = glimpse.ImageStatusActive
	}
	return nil
}

func (lp *locationPatch) replace(img *glimpse.Image, value any) error {
	if img.Status != glimpse.ImageStatusActive && img.Status != glimpse.ImageStatusQueued {
		return errExplained(http.StatusConflict, "It's not allowed to replace locations if image status is %s.", img.Status)
	}
	values, _ := value.([]any)
	news := make([]newLocation, 0, len(values))
	for _, v := range values {
		loc, err := parseNewLocation(v)
		if err != nil {
			return err
		}
		if err := checkLocation4Byte(loc.url, loc.metadata); err != nil {
			return err
		}
		news = append(news, loc)
	}
	validation, err := checkValidationData(img, news)
	if err != nil {
		return err
	}
	old := img.ActiveLocations()
	oldURLs, newURLs := make([]string, len(old)), make([]string, len(news))
	for i, l := range old {
		oldURLs[i] = l.URL
	}
	for i, l := range news {
		newURLs[i] = l.url
	}
	slices.Sort(oldURLs)
	slices.Sort(newURLs)
	sameURLs := slices.Equal(oldURLs, newURLs)
	if len(old) > 0 && !sameURLs {
		return errExplained(http.StatusBadRequest, "Original locations is not empty: %s", pyLocations(old))
	}
	locs := make([]glimpse.Location, 0, len(news))
	var size *int64
	for _, n := range news {
		l := glimpse.Location{URL: n.url, Metadata: n.metadata, Status: "active"}
		if i := slices.IndexFunc(old, func(o glimpse.Location) bool { return o.URL == n.url }); i >= 0 {
			// The same copy with new metadata: it stays in its store, whose id the view
			// shows as metadata "store".
			l.StoreID = old[i].StoreID
			if !l.External() && l.Metadata["store"] == l.StoreID {
				delete(l.Metadata, "store")
			}
		} else {
			n, err := lp.size(n.url)
			if err != nil {
				return err
			}
			if size == nil {
				size = &n
			}
		}
		locs = append(locs, l)
	}
	if !sameURLs {
		for _, l := range locs {
			if countLocations(locs, l) > 1 {
				return errExplained(http.StatusBadRequest, "The location %s already exists", l.URL)
			}
		}
	}
	setLocations(img, locs)
	if (img.Size == nil || *img.Size == 0) && size != nil {
		img.Size = size
	}
	if img.Status == glimpse.ImageStatusQueued && len(locs) > 0 {
		validation.apply(img)
		img.Status = glimpse.ImageStatusActive
	}
	return nil
}

func (lp *locationPatch) remove(img *glimpse.Image, pos string) error {
	if img.Status != glimpse.ImageStatusActive {
		return errExplained(http.StatusConflict, "It's not allowed to remove locations if image status is %s.", img.Status)
	}
	locs := img.ActiveLocations()
	if len(locs) == 1 {
		return errExplained(http.StatusForbidden, "Cannot remove last location in the image.")
	}
	i, ok := locationPosition(pos, len(locs), false)
	if !ok {
		return errExplained(http.StatusBadRequest, "Invalid position for removing a location.")
	}
	removed := locs[i]
	locs = slices.Delete(locs, i, i+1)
	setLocations(img, locs)
	if !removed.External() && !slices.ContainsFunc(locs, func(l glimpse.Location) bool { return l.URL == removed.URL }) {
		lp.removed = append(lp.removed, removed)
	}
	return nil
}

// setLocations replaces img's active locations by locs, keeping the others (staged data).
func setLocations(img *glimpse.Image, locs []glimpse.Location) {
	others := slices.DeleteFunc(slices.Clone(img.Locations), func(l glimpse.Location) bool { return l.Status == "" || l.Status == "active" })
	img.Locations = append(locs, others...)
}

// locationPosition is Glance's _get_locations_op_pos: a digit string or "-" (the end for
// add, the last for remove); add may insert at n, remove needs an existing index.
func locationPosition(pos string, n int, allowEnd bool) (int, bool) {
	i := n
	if !allowEnd {
		i = n - 1
	}
	if pos != "" && strings.Trim(pos, "0123456789") == "" {
		v, err := strconv.Atoi(pos)
		if err != nil {
			return 0, false
		}
		i = v
	} else if pos != "-" {
		return 0, false
	}
	if !allowEnd && (i < 0 || i >= n) {
		return 0, false
	}
	return i, true
}

// sameMetadata compares meta with l's metadata as the API shows it (with "store").
// Both hold only strings, lists and objects (checkLocationMetadata).
func sameMetadata(l glimpse.Location, meta map[string]any) bool {
	return reflect.DeepEqual(locationView(l)[1].Value, meta)
}

// countLocations counts the locations of locs with l's URL and metadata.
func countLocations(locs []glimpse.Location, l glimpse.Location) int {
	n := 0
	for _, x := range locs {
		if x.URL == l.URL && sameMetadata(x, locationView(l)[1].Value.(map[string]any)) {
			n++
		}
	}
	return n
}

// pyLocations writes locations as Python prints the list in Glance's message.
func pyLocations(locs []glimpse.Location) string {
	parts := make([]string, len(locs))
	for i, l := range locs {
		parts[i] = fmt.Sprintf("{'url': %s, 'metadata': %s, 'status': 'active'}", pyRepr(l.URL), pyRepr(locationView(l)[1].Value))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
