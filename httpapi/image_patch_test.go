package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse"
)

func strPtr(s string) *string { return &s }

// patchImage parses and applies body to a copy of img as p; it returns the result and the
// webob status and message of a failure (0 and "" on success).
func patchImage(t *testing.T, img glimpse.Image, p *glimpse.Principal, mediaType, body string) (*glimpse.Image, int, string) {
	t.Helper()
	img.Properties = mapsClone(img.Properties)
	img.Tags = slices.Clone(img.Tags)
	ops, err := parseImagePatch([]byte(body), mediaType)
	if err == nil {
		err = applyImagePatch(&img, ops, imagePatchPolicy{&Server{Authorizer: legacyAuthorizer(t)}, p}, &locationPatch{})
	}
	if err != nil {
		we := asWebob(err)
		return &img, we.status, we.body(false)
	}
	return &img, 0, ""
}

func mapsClone(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// TestApplyImagePatch checks Glance's patch dialect on its own, with the answers the
// reference Glance gives to the same operations.
func TestApplyImagePatch(t *testing.T) {
	owner := &glimpse.Principal{ProjectID: "p1", Roles: []glimpse.Role{{Name: glimpse.RoleMember}}}
	admin := &glimpse.Principal{ProjectID: "adm", Roles: []glimpse.Role{{Name: glimpse.RoleAdmin}}}
	base := glimpse.Image{ID: "i", Name: strPtr("probe"), Status: glimpse.ImageStatusQueued, Visibility: "shared",
		Owner: "p1", DiskFormat: strPtr("raw"), ContainerFormat: strPtr("bare"),
		Properties: map[string]string{"os_distro": "ubuntu"}, Tags: []string{"x"}}
	active := base
	active.Status = glimpse.ImageStatusActive

	ok := []struct {
		name  string
		img   glimpse.Image
		p     *glimpse.Principal
		body  string
		check func(*glimpse.Image) bool
	}{
		{"replace name", base, owner, `[{"op":"replace","path":"/name","value":"n2"}]`,
			func(i *glimpse.Image) bool { return *i.Name == "n2" }},
		{"name null", base, owner, `[{"op":"replace","path":"/name","value":null}]`,
			func(i *glimpse.Image) bool { return i.Name == nil }},
		{"add property", base, owner, `[{"op":"add","path":"/hw_disk_bus","value":"virtio"}]`,
			func(i *glimpse.Image) bool { return i.Properties["hw_disk_bus"] == "virtio" }},
		{"add twice replaces", base, owner, `[{"op":"add","path":"/nope","value":"x"},{"op":"add","path":"/nope","value":"y"}]`,
			func(i *glimpse.Image) bool { return i.Properties["nope"] == "y" }},
		{"replace property", base, owner, `[{"op":"replace","path":"/os_distro","value":"debian"}]`,
			func(i *glimpse.Image) bool { return i.Properties["os_distro"] == "debian" }},
		{"remove property", base, owner, `[{"op":"remove","path":"/os_distro"}]`,
			func(i *glimpse.Image) bool { _, ok := i.Properties["os_distro"]; return !ok }},
		{"tags set", base, owner, `[{"op":"add","path":"/tags","value":["a","b","a"]}]`,
			func(i *glimpse.Image) bool { return slices.Equal(i.Tags, []string{"a", "b"}) }},
		{"min_ram", base, owner, `[{"op":"replace","path":"/min_ram","value":512}]`,
			func(i *glimpse.Image) bool { return i.MinRAM == 512 }},
		{"visibility private", base, owner, `[{"op":"replace","path":"/visibility","value":"private"}]`,
			func(i *glimpse.Image) bool { return i.Visibility == "private" }},
		{"admin publicizes", base, admin, `[{"op":"replace","path":"/visibility","value":"public"}]`,
			func(i *glimpse.Image) bool { return i.Visibility == "public" }},
		{"admin changes owner", base, admin, `[{"op":"replace","path":"/owner","value":"p2"}]`,
			func(i *glimpse.Image) bool { return i.Owner == "p2" }},
		{"disk_format while queued", base, owner, `[{"op":"replace","path":"/disk_format","value":"qcow2"}]`,
			func(i *glimpse.Image) bool { return *i.DiskFormat == "qcow2" }},
		{"protected and hidden", base, owner, `[{"op":"replace","path":"/protected","value":true},{"op":"replace","path":"/os_hidden","value":true}]`,
			func(i *glimpse.Image) bool { return i.Protected && i.OSHidden }},
		{"escaped pointer", base, owner, `[{"op":"add","path":"/a~1b~0c","value":"v"}]`,
			func(i *glimpse.Image) bool { return i.Properties["a/b~c"] == "v" }},
		{"empty patch", base, owner, `[]`,
			func(i *glimpse.Image) bool { return *i.Name == "probe" }},
	}
	for _, c := range ok {
		got, status, msg := patchImage(t, c.img, c.p, mediaPatchV21, c.body)
		if status != 0 || !c.check(got) {
			t.Errorf("%s: status %d %q, image %+v", c.name, status, msg, got)
		}
	}

	bad := []struct {
		name   string
		img    glimpse.Image
		p      *glimpse.Principal
		body   string
		status int
		msg    string
	}{
		{"read-only", base, owner, `[{"op":"replace","path":"/status","value":"active"}]`, 403, "Attribute 'status' is read-only."},
		{"read-only id", base, owner, `[{"op":"replace","path":"/id","value":"x"}]`, 403, "Attribute 'id' is read-only."},
		{"remove missing", base, owner, `[{"op":"remove","path":"/no_such_property"}]`, 409, "Property no_such_property does not exist."},
		{"replace missing", base, owner, `[{"op":"replace","path":"/nope","value":"x"}]`, 409, "Property nope does not exist."},
		{"remove core", base, owner, `[{"op":"remove","path":"/name"}]`, 403, "Property name may not be removed."},
		{"bad op", base, owner, `[{"op":"frobnicate","path":"/name","value":"x"}]`, 400, "Invalid operation: `frobnicate`. It must be one of the following: add, remove, replace."},
		{"test op", base, owner, `[{"op":"test","path":"/name","value":"x"}]`, 400, "Invalid operation: `test`."},
		{"no op", base, owner, `[{"path":"/name"}]`, 400, "Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace."},
		{"no value", base, owner, `[{"op":"replace","path":"/name"}]`, 400, `Operation "replace" requires a member named "value".`},
		{"relative pointer", base, owner, `[{"op":"replace","path":"name","value":"x"}]`, 400, "Pointer `name` does not start with \"/\"."},
		{"deep pointer", base, owner, `[{"op":"replace","path":"/a/b","value":"x"}]`, 400, "Invalid JSON pointer for this resource: '/a/b'"},
		{"tags element", base, owner, `[{"op":"add","path":"/tags/-","value":"c"}]`, 400, "Invalid JSON pointer for this resource: '/tags/-'"},
		{"not a list", base, owner, `{"op":"replace"}`, 400, "Request body must be a JSON array of operation objects."},
		{"garbage", base, owner, `garbage`, 400, "Malformed JSON in request body."},
		{"negative", base, owner, `[{"op":"replace","path":"/min_ram","value":-5}]`, 400, "Invalid value '-5' for parameter 'min_ram': Cannot be a negative value"},
		{"property type", base, owner, `[{"op":"add","path":"/foo","value":5}]`, 400, "Provided object does not match schema 'image': 5 is not of type 'string'"},
		{"owner by non-admin", base, owner, `[{"op":"replace","path":"/owner","value":"x"}]`, 403, "Owner can't be updated by non admin."},
		{"publicize", base, owner, `[{"op":"replace","path":"/visibility","value":"public"}]`, 403, "You are not authorized to complete publicize_image action."},
		{"reserved namespace", base, owner, `[{"op":"add","path":"/os_glance_x","value":"x"}]`, 403, "Attribute 'os_glance_x' is reserved."},
		{"reserved", base, owner, `[{"op":"add","path":"/deleted","value":"x"}]`, 403, "Attribute 'deleted' is reserved."},
		{"locations", base, owner, `[{"op":"add","path":"/locations/-","value":{"url":"x","metadata":{}}}]`, 403, "It's not allowed to add locations if locations are invisible."},
		{"format of active", active, owner, `[{"op":"replace","path":"/disk_format","value":"qcow2"}]`, 403, "Attribute disk_format can be only replaced for a queued image."},
		{"bad escape", base, owner, `[{"op":"add","path":"/a~2","value":"v"}]`, 400, "contains \"~\" not part of a recognized escape sequence."},
	}
	for _, c := range bad {
		got, status, msg := patchImage(t, c.img, c.p, mediaPatchV21, c.body)
		if status != c.status || !strings.Contains(msg, c.msg) {
			t.Errorf("%s: status %d %q, want %d %q (image %+v)", c.name, status, msg, c.status, c.msg, got)
		}
	}

	// The older media type: {"op": path} members; add of an existing attribute is 409.
	got, status, msg := patchImage(t, base, owner, mediaPatchV20, `[{"replace":"/name","value":"old-style"}]`)
	if status != 0 || *got.Name != "old-style" {
		t.Errorf("v2.0 replace: %d %q %v", status, msg, got.Name)
	}
	_, status, msg = patchImage(t, base, owner, mediaPatchV20, `[{"add":"/os_distro","value":"x"}]`)
	if status != http.StatusConflict || !strings.Contains(msg, "Property os_distro already present.") {
		t.Errorf("v2.0 add existing: %d %q", status, msg)
	}
}

// TestImagePatchHTTP: PATCH over HTTP keeps the checks in Glance's order (a bad body is 400
// before the image is looked up) and stores the result.
func TestImagePatchHTTP(t *testing.T) {
	e := newImageEnv(t)
	const patchType = "Content-Type: application/openstack-images-v2.1-json-patch"
	id := e.createImage("demo", `{"name":"probe","tags":["b","a","b"],"os_distro":"ubuntu"}`)
	r := e.do("demo", "PATCH", "/v2/images/"+id, `[{"op":"add","path":"/os_version","value":"22.04"},{"op":"replace","path":"/tags","value":["z"]},{"op":"replace","path":"/min_disk","value":3}]`, patchType)
	mustStatus(t, r, http.StatusOK)
	got := e.do("demo", "GET", "/v2/images/"+id, "").json(t)
	if got["os_version"] != "22.04" || got["os_distro"] != "ubuntu" || got["min_disk"] != float64(3) || len(got["tags"].([]any)) != 1 {
		t.Errorf("after patch: %v", got)
	}
	const missing = "00000000-0000-4000-8000-000000000000"
	r = e.do("demo", "PATCH", "/v2/images/"+missing, `[{"op":"frobnicate","path":"/name","value":"x"}]`, patchType)
	mustStatus(t, r, http.StatusBadRequest)
	r = e.do("demo", "PATCH", "/v2/images/"+missing, `[]`, patchType)
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "No image found with ID "+missing+"<br /><br />\n\n\n"))
	r = e.do("demo", "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/name","value":"x"}]`,
		"Content-Type: application/openstack-images-v2.1-json-patch; charset=UTF-8")
	mustStatus(t, r, http.StatusOK)
	// Another project's visible image: 403; a failed patch changes nothing.
	public := e.createImage("admin", `{"name":"pub","visibility":"public"}`)
	r = e.do("demo", "PATCH", "/v2/images/"+public, `[{"op":"replace","path":"/name","value":"x"}]`, patchType)
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "You do not own this image<br /><br />\n\n\n"))
	r = e.do("demo", "PATCH", "/v2/images/"+id, `[{"op":"replace","path":"/name","value":"changed"},{"op":"remove","path":"/nothing"}]`, patchType)
	mustStatus(t, r, http.StatusConflict)
	if name := e.do("demo", "GET", "/v2/images/"+id, "").json(t)["name"]; name != "x" {
		t.Errorf("a failed patch changed the name to %v", name)
	}
}
