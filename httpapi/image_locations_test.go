package httpapi

import (
	"bytes"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/store/httpstore"
	"github.com/glimpse-image/glimpse/urlfilter"
)

// externalData is what the external server serves at /image.
var externalData = []byte("an image kept on another web server, 58 bytes long......")

// withLocations turns show_multiple_locations on, with an external web server on loopback
// that the filter allows (it serves externalData at /image, nothing at /empty, 404
// elsewhere) and returns the server's URL and a count of the requests it received.
func (e *imageEnv) withLocations() (string, *atomic.Int64) {
	e.t.Helper()
	var requests atomic.Int64
	ext := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/image":
			http.ServeContent(w, r, "image", time.Time{}, bytes.NewReader(externalData))
		case "/empty":
			http.ServeContent(w, r, "empty", time.Time{}, bytes.NewReader(nil))
		default:
			http.NotFound(w, r)
		}
	}))
	e.t.Cleanup(ext.Close)
	e.withImport(nil)
	filter := urlfilter.Default()
	filter.AllowedHosts = []string{"127.0.0.1"}
	filter.AllowedPorts = append(filter.AllowedPorts, ext.Listener.Addr().(*net.TCPAddr).Port)
	external := httpstore.New(filter)
	e.server.ImageData.(*imagedata.Service).SetExternal(external)
	e.server.External = external
	e.server.ShowMultipleLocations = true
	return ext.URL, &requests
}

func (e *imageEnv) patch(user, id, body string) *imageResponse {
	e.t.Helper()
	return e.do(user, "PATCH", "/v2/images/"+id, body, "Content-Type: application/openstack-images-v2.1-json-patch", "Accept: application/json")
}

func expectMessage(t *testing.T, r *imageResponse, status int, message string) {
	t.Helper()
	mustStatus(t, r, status)
	if !strings.Contains(string(r.Body), message) {
		t.Errorf("%s %s: body %q does not say %q", r.Request.Method, r.Request.URL.Path, r.Body, message)
	}
}

// TestExternalLocations adds, reads, replaces and removes external locations as Glance
// does with show_multiple_locations (Tempest's ImageLocationsTest, and the answers of
// Glance 25's _do_add_locations, _do_replace_locations and _do_remove_locations).
func TestExternalLocations(t *testing.T) {
	e := newImageEnv(t)
	ext, requests := e.withLocations()
	id := e.createImage("demo", `{"name":"external","disk_format":"raw","container_format":"bare"}`)
	img := e.do("demo", "GET", "/v2/images/"+id, "").json(t)
	if locs, ok := img["locations"].([]any); !ok || len(locs) != 0 {
		t.Fatalf("a new image shows locations %v, want []", img["locations"])
	}

	// URLs glimpse must not accept; the filtered ones never reach a server.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1000) }))
	defer other.Close()
	for _, u := range []string{"file:///etc/passwd", "gopher://info.cern.ch", other.URL + "/image", ext + "/missing", ext + "/empty"} {
		r := e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+u+`","metadata":{}}}]`)
		expectMessage(t, r, http.StatusBadRequest, "Invalid location")
	}
	if n := requests.Load(); n >= 1000 {
		t.Fatalf("a refused URL was fetched (%d)", n)
	}
	r := e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image","metadata":{"n":1}}}]`)
	expectMessage(t, r, http.StatusBadRequest, "The image metadata key n has an invalid type of int. Only dict, list, and unicode are supported.")
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/x","value":{"url":"`+ext+`/image","metadata":{}}}]`)
	expectMessage(t, r, http.StatusBadRequest, "Invalid position for adding a location.")
	// Glance's image_location_add refuses 4-byte characters (no_4byte_params).
	for value, msg := range map[string]string{
		`{"url":"` + ext + `/image?😀","metadata":{}}`:         "Url can't contain 4 byte unicode characters.",
		`{"url":"` + ext + `/image","metadata":{"😀":"v"}}`:    "Property names can't contain 4 byte unicode.",
		`{"url":"` + ext + `/image","metadata":{"os_k":"😀"}}`: "Os_K can't contain 4 byte unicode characters.",
	} {
		expectMessage(t, e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":`+value+`}]`), http.StatusBadRequest, msg)
	}
	// An external image larger than the image size cap is refused.
	e.server.MaxImageSize = int64(len(externalData)) - 1
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image","metadata":{}}}]`)
	expectMessage(t, r, http.StatusBadRequest, "is larger than the image size cap")
	e.server.MaxImageSize = 0

	// The first location makes the queued image active, with its size and the
	// validation data as checksum and multihash.
	md5sum, sha := md5.Sum(externalData), sha512.Sum512(externalData)
	checksum, multihash := hex.EncodeToString(md5sum[:]), hex.EncodeToString(sha[:])
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image","metadata":{"foo":"bar"},
		"validation_data":{"checksum":"`+checksum+`","os_hash_algo":"sha512","os_hash_value":"`+multihash+`"}}}]`)
	mustStatus(t, r, http.StatusOK)
	img = r.json(t)
	if img["status"] != "active" || img["size"] != float64(len(externalData)) || img["checksum"] != checksum || img["os_hash_value"] != multihash {
		t.Fatalf("after the first location: %v", img)
	}
	if !strings.Contains(string(r.Body), `"locations": [{"url": "`+ext+`/image", "metadata": {"foo": "bar"}}]`) {
		t.Fatalf("locations as Glance shows them: %s", r.Body)
	}
	if _, ok := img["stores"]; ok {
		t.Errorf("an external location is in no store: stores %v", img["stores"])
	}

	// Its data is read from there, ranges too.
	r = e.do("demo", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, string(externalData))
	if r.Header.Get("Content-MD5") == "" {
		t.Error("no Content-MD5 on the download of a location with validation data")
	}
	r = e.do("demo", "GET", "/v2/images/"+id+"/file", "", "Range: bytes=3-9")
	mustStatus(t, r, http.StatusPartialContent)
	expectText(t, r, string(externalData[3:10]))

	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image","metadata":{"foo":"bar"}}}]`)
	expectMessage(t, r, http.StatusBadRequest, "The location "+ext+"/image already exists")
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image#2","metadata":{},
		"validation_data":{"checksum":"`+strings.Repeat("1", 32)+`","os_hash_algo":"sha512","os_hash_value":"`+multihash+`"}}}]`)
	expectMessage(t, r, http.StatusConflict, "checksum is already set with a different value")
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image#2","metadata":{"speed":"88mph"}}}]`)
	mustStatus(t, r, http.StatusOK)

	// Replace: the same URLs with new metadata, never other URLs.
	r = e.patch("demo", id, `[{"op":"replace","path":"/locations","value":[
		{"url":"`+ext+`/image","metadata":{"foo":"bar","date":"2015-10-15"}},{"url":"`+ext+`/image#2","metadata":{"speed":"88mph"}}]}]`)
	mustStatus(t, r, http.StatusOK)
	r = e.patch("demo", id, `[{"op":"replace","path":"/locations","value":[{"url":"`+ext+`/image","metadata":{}}]}]`)
	expectMessage(t, r, http.StatusBadRequest, "Original locations is not empty: [{'url': '"+ext+"/image', 'metadata': {'date': '2015-10-15', 'foo': 'bar'}, 'status': 'active'}")
	r = e.patch("demo", id, `[{"op":"replace","path":"/locations","value":[]}]`)
	expectMessage(t, r, http.StatusForbidden, "Cannot set locations to empty list.")
	img = e.do("demo", "GET", "/v2/images/"+id, "").json(t)
	locs := img["locations"].([]any)
	if len(locs) != 2 || locs[0].(map[string]any)["metadata"].(map[string]any)["date"] != "2015-10-15" {
		t.Fatalf("after the replaces: %v", locs)
	}

	// Remove: Glance's secure defaults let only admin delete a location; the last stays.
	e.server.Authorizer = nil
	r = e.patch("demo", id, `[{"op":"remove","path":"/locations/0"}]`)
	expectMessage(t, r, http.StatusForbidden, "You are not authorized to complete delete_image_location action.")
	r = e.patch("admin", id, `[{"op":"remove","path":"/locations/5"}]`)
	expectMessage(t, r, http.StatusBadRequest, "Invalid position for removing a location.")
	r = e.patch("admin", id, `[{"op":"remove","path":"/locations/0"}]`)
	mustStatus(t, r, http.StatusOK)
	r = e.patch("admin", id, `[{"op":"remove","path":"/locations/0"}]`)
	expectMessage(t, r, http.StatusForbidden, "Cannot remove last location in the image.")
	locs = e.do("demo", "GET", "/v2/images/"+id, "").json(t)["locations"].([]any)
	if len(locs) != 1 || locs[0].(map[string]any)["url"] != ext+"/image#2" {
		t.Fatalf("after removing the first: %v", locs)
	}

	// A deactivated image shows a non-admin no locations.
	mustStatus(t, e.do("admin", "POST", "/v2/images/"+id+"/actions/deactivate", ""), http.StatusNoContent)
	if locs := e.do("demo", "GET", "/v2/images/"+id, "").json(t)["locations"].([]any); len(locs) != 0 {
		t.Errorf("demo sees the locations of a deactivated image: %v", locs)
	}
	if locs := e.do("admin", "GET", "/v2/images/"+id, "").json(t)["locations"].([]any); len(locs) != 1 {
		t.Errorf("admin sees %d locations of a deactivated image, want 1", len(locs))
	}
	r = e.patch("admin", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image#3","metadata":{}}}]`)
	expectMessage(t, r, http.StatusConflict, "It's not allowed to add locations if image status is deactivated.")
}

// TestRemovingAStoreLocationDeletesItsData: an uploaded image shows its store's copy as a
// location with metadata "store"; once an external location is added, removing the copy
// deletes its file and the data is read from the external URL.
func TestRemovingAStoreLocationDeletesItsData(t *testing.T) {
	e := newImageEnv(t)
	ext, _ := e.withLocations()
	id := e.createImage("admin", `{"name":"uploaded","disk_format":"raw","container_format":"bare"}`)
	e.upload("admin", id, string(externalData))
	r := e.do("admin", "GET", "/v2/images/"+id, "")
	img := r.json(t)
	locs := img["locations"].([]any)
	loc := locs[0].(map[string]any)
	url, _ := loc["url"].(string)
	if len(locs) != 1 || !strings.HasPrefix(url, "file://") || loc["metadata"].(map[string]any)["store"] != "file" || img["stores"] != "file" {
		t.Fatalf("the uploaded copy: %s", r.Body)
	}
	path := strings.TrimPrefix(url, "file://")
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the location's file: %v", err)
	}
	// Adding the store's own URL again is refused (file:// is never an external location).
	r = e.patch("admin", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+url+`","metadata":{}}}]`)
	expectMessage(t, r, http.StatusBadRequest, "Invalid location")
	// Replacing with the same URL and the store id the view shows keeps the copy in its store.
	r = e.patch("admin", id, `[{"op":"replace","path":"/locations","value":[{"url":"`+url+`","metadata":{"store":"file","k":"v"}}]}]`)
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"metadata": {"k": "v", "store": "file"}`) || r.json(t)["stores"] != "file" {
		t.Fatalf("after replacing the metadata: %s", r.Body)
	}

	mustStatus(t, e.patch("admin", id, `[{"op":"add","path":"/locations/-","value":{"url":"`+ext+`/image","metadata":{}}}]`), http.StatusOK)
	r = e.patch("admin", id, `[{"op":"remove","path":"/locations/0"}]`)
	mustStatus(t, r, http.StatusOK)
	if _, ok := r.json(t)["stores"]; ok {
		t.Errorf("stores after removing the only store copy: %v", r.json(t)["stores"])
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("the removed location's file is still there: %v", err)
	}
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, string(externalData))
	// Deleting the image leaves the external data alone (it is not glimpse's).
	mustStatus(t, e.do("admin", "DELETE", "/v2/images/"+id, ""), http.StatusNoContent)
}

// TestLocationsHiddenByDefault: with show_multiple_locations off (Glance's default) images
// carry no "locations" and location patches are 403.
func TestLocationsHiddenByDefault(t *testing.T) {
	e := newImageEnv(t)
	id := e.createImage("demo", `{"name":"plain","disk_format":"raw","container_format":"bare"}`)
	r := e.do("demo", "GET", "/v2/images/"+id, "")
	if _, ok := r.json(t)["locations"]; ok {
		t.Errorf("locations shown with the option off: %s", r.Body)
	}
	r = e.patch("demo", id, `[{"op":"add","path":"/locations/-","value":{"url":"http://example.org/x","metadata":{}}}]`)
	expectMessage(t, r, http.StatusForbidden, "It's not allowed to add locations if locations are invisible.")
}
