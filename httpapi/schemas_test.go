package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestImageGoldenSchemasAndInfo follows golden 074-082.
func TestImageGoldenSchemasAndInfo(t *testing.T) {
	e := newImageEnv(t)
	for _, c := range []struct {
		path, name string
		length     string
	}{
		{"/v2/schemas/image", "image", "6083"},
		{"/v2/schemas/images", "images", "6371"},
		{"/v2/schemas/member", "member", "678"},
		{"/v2/schemas/members", "members", "839"},
		{"/v2/schemas/task", "task", "1539"},
		{"/v2/schemas/tasks", "tasks", "1364"},
	} {
		r := e.do("demo", "GET", c.path, "")
		mustStatus(t, r, http.StatusOK)
		expectHeader(t, r, "Content-Type", "application/json")
		expectHeader(t, r, "Content-Length", c.length) // the reference Glance's exact size
		var doc map[string]any
		if err := json.Unmarshal(r.Body, &doc); err != nil || doc["name"] != c.name {
			t.Errorf("%s: %v, name %v", c.path, err, doc["name"])
		}
	}

	r := e.do("demo", "GET", "/v2/info/import", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, `{"import-methods": {"description": "Import methods available.", "type": "array", "value": []}}`)
	r = e.do("demo", "GET", "/v2/info/stores", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, `{"stores": [{"id": "file", "default": "true"}]}`)
	r = e.do("demo", "GET", "/v2/info/usage", "")
	mustStatus(t, r, http.StatusOK)
	expectText(t, r, `{"usage": {}}`)
	r = e.do("demo", "GET", "/v2/info/stores/detail", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "You are not authorized to complete stores_info_detail action.<br /><br />\n\n\n"))
	r = e.do("admin", "GET", "/v2/info/stores/detail", "")
	mustStatus(t, r, http.StatusOK)
	if !strings.HasPrefix(string(r.Body), `{"stores": [{"id": "file", "default": "true"`) {
		t.Errorf("stores detail = %s", r.Body)
	}
}

// TestImageTagsAccess: tags of an image the caller cannot see or change, as the reference
// Glance answers.
func TestImageTagsAccess(t *testing.T) {
	e := newImageEnv(t)
	const missing = "00000000-0000-4000-8000-000000000000"
	r := e.do("demo", "PUT", "/v2/images/"+missing+"/tags/x", "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "Image "+missing+" not found.<br /><br />\n\n\n"))
	public := e.createImage("admin", `{"name":"pub","visibility":"public"}`)
	r = e.do("demo", "PUT", "/v2/images/"+public+"/tags/x", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to update tags for image "+public+".<br /><br />\n\n\n"))
	r = e.do("demo", "DELETE", "/v2/images/"+public+"/tags/x", "")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to delete tags for image "+public+".<br /><br />\n\n\n"))
	// A tag with characters that need escaping in the path; %2F is a separator to Glance.
	r = e.do("admin", "PUT", "/v2/images/"+public+"/tags/a%20b", "")
	mustStatus(t, r, http.StatusNoContent)
	if tags := e.do("admin", "GET", "/v2/images/"+public, "").json(t)["tags"].([]any); len(tags) != 1 || tags[0] != "a b" {
		t.Errorf("tags = %v", tags)
	}
	r = e.do("admin", "PUT", "/v2/images/"+public+"/tags/a%2Fb", "")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "The resource could not be found.<br /><br />\n\n\n"))
}

// TestPyPformat checks the pprint reproduction on shapes the image schema produces.
func TestPyPformat(t *testing.T) {
	long := "Common name of operating system distribution as specified in https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html"
	got := pyPformat(map[string]any{"description": long, "type": "string", "is_base": false}, 72)
	want := "{'description': 'Common name of operating system distribution as '\n" +
		"                'specified in '\n" +
		"                'https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',\n" +
		" 'is_base': False,\n" +
		" 'type': 'string'}"
	if got != want {
		t.Errorf("pformat:\n%s\nwant\n%s", got, want)
	}
	for in, want := range map[string]string{
		"it's":      `"it's"`,
		`a"b'c`:     `'a"b\'c'`,
		"tab\there": `'tab\there'`,
		"é":         `'é'`,
	} {
		if got := pyStrRepr(in); got != want {
			t.Errorf("repr(%q) = %s, want %s", in, got, want)
		}
	}
	if got := pyRepr([]any{nil, true, json.Number("1.5"), json.Number("2"), json.Number("3.0")}); got != "[None, True, 1.5, 2, 3.0]" {
		t.Errorf("repr list = %s", got)
	}
}

// TestImageSchemaErrorsJSON compares whole JSON error bodies with what the reference Glance
// answered to the same POST /v2/images bodies.
func TestImageSchemaErrorsJSON(t *testing.T) {
	e := newImageEnv(t)
	for body, want := range map[string]string{
		`{"name":"x","os_distro":5}`:               `{"message": "Provided object does not match schema 'image': 5 is not of type 'string'\n\nFailed validating 'type' in schema['properties']['os_distro']:\n    {'description': 'Common name of operating system distribution as '\n                    'specified in '\n                    'https://docs.openstack.org/python-glanceclient/latest/cli/property-keys.html',\n     'is_base': False,\n     'type': 'string'}\n\nOn instance['os_distro']:\n    5<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}`,
		`{"name":"x","kernel_id":"nope"}`:          `{"message": "Provided object does not match schema 'image': 'nope' does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'\n\nFailed validating 'pattern' in schema['properties']['kernel_id']:\n    {'description': 'ID of image stored in Glance that should be used as '\n                    'the kernel when booting an AMI-style image.',\n     'is_base': False,\n     'pattern': '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',\n     'type': ['null', 'string']}\n\nOn instance['kernel_id']:\n    'nope'<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}`,
		`{"name":"x","id":"nope"}`:                 `{"message": "Provided object does not match schema 'image': 'nope' does not match '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$'\n\nFailed validating 'pattern' in schema['properties']['id']:\n    {'description': 'An identifier for the image',\n     'pattern': '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',\n     'type': 'string'}\n\nOn instance['id']:\n    'nope'<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}`,
		`{"name":"x","tags":"nope","min_ram":"x"}`: `{"message": "Provided object does not match schema 'image': 'nope' is not of type 'array'\n\nFailed validating 'type' in schema['properties']['tags']:\n    {'description': 'List of strings related to the image',\n     'items': {'maxLength': 255, 'type': 'string'},\n     'type': 'array'}\n\nOn instance['tags']:\n    'nope'<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}`,
	} {
		r := e.do("demo", "POST", "/v2/images", body, "Accept: application/json")
		mustStatus(t, r, http.StatusBadRequest)
		expectText(t, r, want)
	}
}
