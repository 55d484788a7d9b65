package httpapi

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// These tests replay the golden exchanges of the real Glance 25 (reference/golden, numbers
// in the test names) against glimpse and compare status, the headers that matter and the
// body byte for byte, after replacing ids, owners and times by placeholders.

var glanceTimeRE = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// normalize replaces pairs old → new in s, then every Glance time by <TIME>.
func normalize(s string, oldNew ...string) string {
	return glanceTimeRE.ReplaceAllString(strings.NewReplacer(oldNew...).Replace(s), "<TIME>")
}

const (
	goldenImageID    = "a94e9b9a-edbb-4183-96f4-18c208a57e39"
	goldenAdminOwner = "e7cfa2a6df034bab8a654ea55425a6fb"
)

// golden 009, 013, 035, 036 bodies as the real Glance sent them (035 with its custom
// properties sorted: Glance lists them in insertion order, glimpse by name).
const (
	golden009  = `{"name": "Ubuntu22.04", "disk_format": "raw", "container_format": "bare", "visibility": "public", "size": null, "virtual_size": null, "status": "queued", "checksum": null, "protected": false, "min_ram": 0, "min_disk": 0, "owner": "e7cfa2a6df034bab8a654ea55425a6fb", "os_hidden": false, "os_hash_algo": null, "os_hash_value": null, "id": "a94e9b9a-edbb-4183-96f4-18c208a57e39", "created_at": "2026-11-29T16:29:40Z", "updated_at": "2026-11-29T16:29:40Z", "tags": [], "self": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39", "file": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39/file", "schema": "/v2/schemas/image"}`
	golden013  = `{"name": "Ubuntu22.04", "disk_format": "raw", "container_format": "bare", "visibility": "public", "size": 46, "virtual_size": 46, "status": "active", "checksum": "4188949244bf259e1163b67ba2a6fb6c", "protected": false, "min_ram": 0, "min_disk": 0, "owner": "e7cfa2a6df034bab8a654ea55425a6fb", "os_hidden": false, "os_hash_algo": "sha512", "os_hash_value": "1a44f1fc80ae45fe32cd430de467dbe37ddd3ef3b0650f76b25eae8718b5ca447a7ccd59e0a0849a71576bc667b80d1bc1e441c8e09ccb88d2fdd4cbeba547cd", "id": "a94e9b9a-edbb-4183-96f4-18c208a57e39", "created_at": "2026-11-29T16:29:40Z", "updated_at": "2026-11-29T16:29:41Z", "tags": [], "self": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39", "file": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39/file", "schema": "/v2/schemas/image", "stores": "local"}`
	golden035  = `{"hw_disk_bus": "virtio", "os_distro": "ubuntu", "os_version": "22.04", "name": "Ubuntu22.04-renamed", "disk_format": "raw", "container_format": "bare", "visibility": "public", "size": 46, "virtual_size": 46, "status": "active", "checksum": "4188949244bf259e1163b67ba2a6fb6c", "protected": false, "min_ram": 0, "min_disk": 0, "owner": "e7cfa2a6df034bab8a654ea55425a6fb", "os_hidden": false, "os_hash_algo": "sha512", "os_hash_value": "1a44f1fc80ae45fe32cd430de467dbe37ddd3ef3b0650f76b25eae8718b5ca447a7ccd59e0a0849a71576bc667b80d1bc1e441c8e09ccb88d2fdd4cbeba547cd", "id": "a94e9b9a-edbb-4183-96f4-18c208a57e39", "created_at": "2026-11-29T16:29:40Z", "updated_at": "2026-11-29T16:29:55Z", "tags": [], "self": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39", "file": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39/file", "schema": "/v2/schemas/image", "stores": "local"}`
	golden036  = `{"os_distro": "ubuntu", "os_version": "22.04", "name": "Ubuntu22.04-renamed", "disk_format": "raw", "container_format": "bare", "visibility": "public", "size": 46, "virtual_size": 46, "status": "active", "checksum": "4188949244bf259e1163b67ba2a6fb6c", "protected": false, "min_ram": 0, "min_disk": 0, "owner": "e7cfa2a6df034bab8a654ea55425a6fb", "os_hidden": false, "os_hash_algo": "sha512", "os_hash_value": "1a44f1fc80ae45fe32cd430de467dbe37ddd3ef3b0650f76b25eae8718b5ca447a7ccd59e0a0849a71576bc667b80d1bc1e441c8e09ccb88d2fdd4cbeba547cd", "id": "a94e9b9a-edbb-4183-96f4-18c208a57e39", "created_at": "2026-11-29T16:29:40Z", "updated_at": "2026-11-29T16:29:56Z", "tags": [], "self": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39", "file": "/v2/images/a94e9b9a-edbb-4183-96f4-18c208a57e39/file", "schema": "/v2/schemas/image", "stores": "local"}`
	smallImage = "Hello, Glance! This is a tiny raw test image.\n"
)

// expectBody fails unless r's body, normalized, equals want normalized with the golden ids.
func (e *imageEnv) expectImageBody(r *imageResponse, id, owner, want string) {
	e.t.Helper()
	got := normalize(string(r.Body), id, "<ID>", owner, "<OWNER>")
	want = normalize(want, goldenImageID, "<ID>", goldenAdminOwner, "<OWNER>", `"stores": "local"`, `"stores": "file"`)
	if got != want {
		e.t.Errorf("%s %s body:\n got %s\nwant %s", r.Request.Method, r.Request.URL.Path, got, want)
	}
}

func expectHeader(t *testing.T, r *imageResponse, key, want string) {
	t.Helper()
	if got := r.Header.Get(key); got != want {
		t.Errorf("%s %s: header %s = %q, want %q", r.Request.Method, r.Request.URL, key, got, want)
	}
}

func expectNoHeader(t *testing.T, r *imageResponse, key string) {
	t.Helper()
	if v, ok := r.Header[http.CanonicalHeaderKey(key)]; ok {
		t.Errorf("%s %s: unexpected header %s: %q", r.Request.Method, r.Request.URL, key, v)
	}
}

func expectText(t *testing.T, r *imageResponse, want string) {
	t.Helper()
	if string(r.Body) != want {
		t.Errorf("%s %s body:\n got %q\nwant %q", r.Request.Method, r.Request.URL, r.Body, want)
	}
}

// TestImageGoldenLifecycle follows golden 009-017, 033-054 and 111-122: create, show,
// upload, download (full and ranged), patch, deactivate, tags, delete.
func TestImageGoldenLifecycle(t *testing.T) {
	e := newImageEnv(t)
	owner := e.projects["admin"]

	// 009: create.
	r := e.do("admin", "POST", "/v2/images", `{"name":"Ubuntu22.04","disk_format":"raw","container_format":"bare","visibility":"public"}`,
		"Content-Type: application/json")
	mustStatus(t, r, http.StatusCreated)
	id := r.json(t)["id"].(string)
	e.expectImageBody(r, id, owner, golden009)
	expectHeader(t, r, "Location", e.srv.URL+"/v2/images/"+id)
	expectHeader(t, r, "Content-Type", "application/json")
	expectHeader(t, r, "OpenStack-image-store-ids", "file")
	expectNoHeader(t, r, "OpenStack-image-import-methods")
	if !strings.HasPrefix(r.Header.Get("x-openstack-request-id"), "req-") {
		t.Errorf("no request id: %v", r.Header)
	}

	// 010, 011: show and download while queued.
	r = e.do("admin", "GET", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusOK)
	e.expectImageBody(r, id, owner, golden009)
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusNoContent)
	expectNoHeader(t, r, "Content-Type")
	expectText(t, r, "")

	// 017: wrong Content-Type.
	r = e.do("admin", "PUT", "/v2/images/"+id+"/file", `{"not":"image data"}`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	expectText(t, r, webobHTML(415, "The request media type application/json is not supported by this server.\n<br /><br />\n"))

	// 012, 013: upload, show active.
	r = e.do("admin", "PUT", "/v2/images/"+id+"/file", smallImage, "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusNoContent)
	expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
	r = e.do("admin", "GET", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusOK)
	e.expectImageBody(r, id, owner, golden013)

	// 014, 117: upload again.
	r = e.do("admin", "PUT", "/v2/images/"+id+"/file", smallImage, "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, webobHTML(409, "Image status transition from active to saving is not allowed<br /><br />\n\n\n"))
	r = e.do("admin", "PUT", "/v2/images/"+id+"/file", smallImage, "Content-Type: application/octet-stream", "Accept: application/json")
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, `{"message": "Image status transition from active to saving is not allowed<br /><br />\n\n\n", "code": "409 Conflict", "title": "Conflict"}`)

	// 015, 016: download, ranged download.
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectHeader(t, r, "Content-Type", "application/octet-stream")
	expectHeader(t, r, "Content-MD5", "4188949244bf259e1163b67ba2a6fb6c")
	expectHeader(t, r, "Content-Length", "46")
	expectText(t, r, smallImage)
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "", "Range: bytes=0-9")
	mustStatus(t, r, http.StatusPartialContent)
	expectHeader(t, r, "Content-Range", "bytes 0-9/46")
	expectHeader(t, r, "Content-Length", "10")
	expectText(t, r, "Hello, Gla")

	// 033-036: properties, patch replace/add, remove.
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"add","path":"/os_distro","value":"ubuntu"},{"op":"add","path":"/os_version","value":"22.04"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusOK)
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/name","value":"Ubuntu22.04-renamed"},{"op":"add","path":"/hw_disk_bus","value":"virtio"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusOK)
	e.expectImageBody(r, id, owner, golden035)
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"remove","path":"/hw_disk_bus"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusOK)
	e.expectImageBody(r, id, owner, golden036)

	// 037-040: patch errors.
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/name","value":"x"}]`, "Content-Type: application/json")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	expectHeader(t, r, "Accept-Patch", "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch")
	expectText(t, r, webobHTML(415, "The request media type application/json is not supported by this server.\n<br /><br />\n"))
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/status","value":"active"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Attribute &#x27;status&#x27; is read-only.<br /><br />\n\n\n"))
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"remove","path":"/no_such_property"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, webobHTML(409, "There was a conflict when trying to complete your request.<br /><br />\nProperty no_such_property does not exist.\n\n"))
	r = e.do("admin", "PATCH", "/v2/images/"+id, `[{"op":"frobnicate","path":"/name","value":"x"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Invalid operation: `frobnicate`. It must be one of the following: add, remove, replace.<br /><br />\n\n\n"))

	// 041-047: deactivate, download as demo (403) and admin (200), demo may not deactivate, reactivate.
	r = e.do("admin", "POST", "/v2/images/"+id+"/actions/deactivate", "")
	mustStatus(t, r, http.StatusNoContent)
	expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
	// Glance also sends Content-Length: 0; Go's server never sends one with a 204.
	if got := e.do("admin", "GET", "/v2/images/"+id, "").json(t)["status"]; got != "deactivated" {
		t.Errorf("status after deactivate = %v", got)
	}
	r = e.do("demo", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "The requested image has been deactivated. Image data download is forbidden.<br /><br />\n\n\n"))
	r = e.do("admin", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, smallImage)
	r = e.do("demo", "POST", "/v2/images/"+id+"/actions/reactivate", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "You do not own this image<br /><br />\n\n\n"))
	r = e.do("admin", "POST", "/v2/images/"+id+"/actions/reactivate", "")
	mustStatus(t, r, http.StatusNoContent)
	if got := e.do("admin", "GET", "/v2/images/"+id, "").json(t)["status"]; got != "active" {
		t.Errorf("status after reactivate = %v", got)
	}

	// 048-054: tags.
	for _, tag := range []string{"ubuntu", "ubuntu", "jammy"} {
		r = e.do("admin", "PUT", "/v2/images/"+id+"/tags/"+tag, "")
		mustStatus(t, r, http.StatusNoContent)
		expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
	}
	if got := e.do("admin", "GET", "/v2/images/"+id, "").json(t)["tags"]; len(got.([]any)) != 2 {
		t.Errorf("tags = %v, want [ubuntu jammy]", got)
	}
	r = e.do("admin", "GET", "/v2/images?tag=ubuntu", "")
	if n := len(r.json(t)["images"].([]any)); n != 1 {
		t.Errorf("?tag=ubuntu listed %d images, want 1", n)
	}
	mustStatus(t, e.do("admin", "DELETE", "/v2/images/"+id+"/tags/jammy", ""), http.StatusNoContent)
	r = e.do("admin", "DELETE", "/v2/images/"+id+"/tags/no-such-tag", "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "The resource could not be found.<br /><br />\n\n\n"))

	// 113: another project's image.
	r = e.do("demo", "DELETE", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "You do not own this image<br /><br />\n\n\n"))

	// 120-122: delete, show, delete again.
	r = e.do("admin", "DELETE", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusNoContent)
	expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
	r = e.do("admin", "GET", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "No image found with ID "+id+"<br /><br />\n\n\n"))
	r = e.do("admin", "DELETE", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "Failed to find image "+id+" to delete<br /><br />\n\n\n"))
}

// TestImageGoldenProtected follows golden 111, 112 and 118.
func TestImageGoldenProtected(t *testing.T) {
	e := newImageEnv(t)
	id := e.createImage("admin", `{"name":"protected-one","disk_format":"raw","container_format":"bare","protected":true}`)
	r := e.do("admin", "DELETE", "/v2/images/"+id, "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Image "+id+" is protected and cannot be deleted.<br /><br />\n\n\n"))
	r = e.do("admin", "DELETE", "/v2/images/"+id, "", "Accept: application/json")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, `{"message": "Image `+id+` is protected and cannot be deleted.<br /><br />\n\n\n", "code": "403 Forbidden", "title": "Forbidden"}`)
	r = e.do("admin", "GET", "/v2/images/"+id, "")
	if got := r.json(t); got["protected"] != true || got["visibility"] != "shared" {
		t.Errorf("created image = %v", got)
	}
}
