package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

const golden401 = "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required."

// TestImageGoldenAuth follows golden 094, 095 and 115: 401 from the context middleware,
// with WWW-Authenticate and without a request id, before any routing (also for unknown
// paths and wrong methods).
func TestImageGoldenAuth(t *testing.T) {
	e := newImageEnv(t)
	for _, c := range []struct{ name, token, method, path string }{
		{"no token", "", "GET", "/v2/images"},
		{"bad token", "gAAAAABnot-a-token", "GET", "/v2/images"},
		{"unknown path", "", "GET", "/v2/nope"},
		{"schema", "", "GET", "/v2/schemas/image"},
		{"wrong method", "", "PUT", "/v2/images"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r *imageResponse
			if c.token == "" {
				r = e.do("", c.method, c.path, "")
			} else {
				r = e.do("", c.method, c.path, "", "X-Auth-Token: "+c.token)
			}
			mustStatus(t, r, http.StatusUnauthorized)
			expectHeader(t, r, "WWW-Authenticate", `Keystone uri="http://127.0.0.1:15000"`)
			expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
			expectNoHeader(t, r, "x-openstack-request-id")
			expectText(t, r, webobHTML(401, golden401+"<br /><br />\n\n\n"))
		})
	}
	r := e.do("", "GET", "/v2/images", "", "Accept: application/json")
	mustStatus(t, r, http.StatusUnauthorized)
	expectHeader(t, r, "Content-Type", "application/json")
	expectText(t, r, `{"message": "`+golden401+`<br /><br />\n\n\n", "code": "401 Unauthorized", "title": "Unauthorized"}`)
}

// TestImageGoldenVersions follows golden 001, 002 and 110.
func TestImageGoldenVersions(t *testing.T) {
	e := newImageEnv(t)
	var want strings.Builder
	want.WriteString(`{"versions": [`)
	for minor := 16; minor >= 0; minor-- {
		status := "SUPPORTED"
		if minor == 16 {
			status = "CURRENT"
		}
		if minor != 16 {
			want.WriteString(", ")
		}
		want.WriteString(`{"id": "v2.` + strconv.Itoa(minor) + `", "status": "` + status + `", "links": [{"rel": "self", "href": "` + e.srv.URL + `/v2/"}]}`)
	}
	want.WriteString("]}")
	for _, c := range []struct {
		path   string
		status int
	}{{"/", 300}, {"/versions", 200}, {"/versions/", 200}, {"/v3/images", 300}, {"/v1/images", 300}, {"/v2.17/images", 300}} {
		r := e.do("", "GET", c.path, "")
		mustStatus(t, r, c.status)
		expectHeader(t, r, "Content-Type", "application/json")
		expectNoHeader(t, r, "x-openstack-request-id")
		expectText(t, r, want.String())
	}
}

// TestImageGoldenErrors follows golden 096-109, 114, 116 and 119, and the same requests
// sent to the running reference Glance where the golden files have none.
func TestImageGoldenErrors(t *testing.T) {
	e := newImageEnv(t)
	public := e.createImage("admin", `{"name":"pub","visibility":"public","disk_format":"raw","container_format":"bare"}`)
	const missing = "00000000-0000-4000-8000-000000000000"
	json := "Content-Type: application/json"
	cases := []struct {
		name, user, method, path, body string
		headers                        []string
		status                         int
		text                           string // webob body part, or the whole JSON body when it starts with {
		allow                          string
	}{
		{"096 not found", "admin", "GET", "/v2/images/" + missing, "", nil, 404,
			"No image found with ID " + missing + "<br /><br />\n\n\n", ""},
		{"097 not a uuid", "admin", "GET", "/v2/images/not-a-uuid", "", nil, 404,
			"No image found with ID not-a-uuid<br /><br />\n\n\n", ""},
		{"098 bad json", "admin", "POST", "/v2/images", `{"name": "broken", `, []string{json}, 400,
			"Malformed JSON in request body.<br /><br />\n\n\n", ""},
		{"empty body", "admin", "POST", "/v2/images", "", []string{json}, 400,
			"Body expected in request.<br /><br />\n\n\n", ""},
		{"null body", "admin", "POST", "/v2/images", "null", []string{json}, 400,
			"Unexpected body type. Expected list/dict.<br /><br />\n\n\n", ""},
		{"min_disk too large", "admin", "POST", "/v2/images", `{"min_disk":2147483648}`, []string{json}, 400,
			"&#x27;min_disk&#x27; value out of range, must not exceed 2147483647.<br /><br />\n\n\n", ""},
		{"099 bad sort key", "admin", "GET", "/v2/images?sort=nosuchkey:asc", "", nil, 400,
			"Invalid sort key: nosuchkey. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.<br /><br />\n\n\n", ""},
		{"100 bad sort dir", "admin", "GET", "/v2/images?sort=name:sideways", "", nil, 400,
			"Invalid sort direction: sideways<br /><br />\n\n\n", ""},
		{"103 read-only", "admin", "POST", "/v2/images", `{"name":"bad","status":"active"}`, []string{json}, 403,
			"Attribute &#x27;status&#x27; is read-only.<br /><br />\n\n\n", ""},
		{"self read-only", "demo", "POST", "/v2/images", `{"name":"t1","self":"x"}`, []string{json}, 403,
			"Attribute &#x27;self&#x27; is read-only.<br /><br />\n\n\n", ""},
		{"reserved namespace", "demo", "POST", "/v2/images", `{"name":"t1","os_glance_foo":"x"}`, []string{json}, 403,
			"Access was denied to this resource.<br /><br />\nAttribute &#x27;os_glance_foo&#x27; is reserved.\n\n", ""},
		{"reserved deleted", "demo", "POST", "/v2/images", `{"name":"t1","deleted":"x"}`, []string{json}, 403,
			"Access was denied to this resource.<br /><br />\nAttribute &#x27;deleted&#x27; is reserved.\n\n", ""},
		{"reserved locations", "demo", "POST", "/v2/images", `{"name":"t1","locations":[]}`, []string{json}, 403,
			"Attribute &#x27;locations&#x27; is reserved.<br /><br />\n\n\n", ""},
		{"other owner", "demo", "POST", "/v2/images", `{"name":"t1","owner":"someoneelse"}`, []string{json}, 403,
			"You are not permitted to create images owned by &#x27;someoneelse&#x27;.<br /><br />\n\n\n", ""},
		{"negative min_ram", "demo", "POST", "/v2/images", `{"name":"t1","min_ram":-1}`, []string{json}, 400,
			"Invalid value &#x27;-1&#x27; for parameter &#x27;min_ram&#x27;: Cannot be a negative value<br /><br />\n\n\n", ""},
		{"105 publicize", "demo", "POST", "/v2/images", `{"name":"bad","visibility":"public"}`, []string{json}, 403,
			"You are not authorized to complete publicize_image action.<br /><br />\n\n\n", ""},
		{"106 negative limit", "admin", "GET", "/v2/images?limit=-1", "", nil, 400,
			"limit param must be positive<br /><br />\n\n\n", ""},
		{"limit not a number", "admin", "GET", "/v2/images?limit=abc", "", nil, 400,
			"limit param must be an integer<br /><br />\n\n\n", ""},
		{"107 bad marker", "admin", "GET", "/v2/images?marker=" + missing, "", nil, 400,
			"No image found with ID " + missing + "<br /><br />\n\n\n", ""},
		{"empty marker", "admin", "GET", "/v2/images?marker=", "", nil, 400,
			"No image found with ID <br /><br />\n\n\n", ""},
		{"mixed sort syntax", "admin", "GET", "/v2/images?sort_key=name&sort=name:asc", "", nil, 400,
			"Old and new sorting syntax cannot be combined<br /><br />\n\n\n", ""},
		{"sort dirs mismatch", "admin", "GET", "/v2/images?sort_key=name&sort_dir=asc&sort_dir=desc&sort_dir=asc", "", nil, 400,
			"Number of sort dirs does not match the number of sort keys<br /><br />\n\n\n", ""},
		{"bad time filter", "admin", "GET", "/v2/images?created_at=gt:notadate", "", nil, 400,
			"Bad &quot;created_at&quot; query filter format. Use ISO 8601 DateTime notation.<br /><br />\n\n\n", ""},
		{"unknown time operator", "admin", "GET", "/v2/images?created_at=foo:2020", "", nil, 400,
			"Unable to filter on a unknown operator.<br /><br />\n\n\n", ""},
		{"bad size_min", "admin", "GET", "/v2/images?size_min=abc", "", nil, 400,
			"Unable to filter on a range with a non-numeric value.<br /><br />\n\n\n", ""},
		{"bad protected", "admin", "GET", "/v2/images?protected=maybe", "", nil, 400,
			"Invalid value &#x27;maybe&#x27; for &#x27;protected&#x27; filter. Valid values are &#x27;true&#x27; or &#x27;false&#x27;.<br /><br />\n\n\n", ""},
		{"bad visibility filter", "admin", "GET", "/v2/images?visibility=bogus", "", nil, 400,
			"Invalid visibility value: bogus<br /><br />\n\n\n", ""},
		{"bad member_status", "admin", "GET", "/v2/images?member_status=bogus", "", nil, 400,
			"Invalid status: bogus<br /><br />\n\n\n", ""},
		{"108 method not allowed", "admin", "POST", "/v2/images/" + public, "{}", []string{json}, 405,
			"The method POST is not allowed for this resource. <br /><br />\n", "GET, PATCH, DELETE"},
		{"405 file", "admin", "DELETE", "/v2/images/" + public + "/file", "", nil, 405,
			"The method DELETE is not allowed for this resource. <br /><br />\n", "GET, PUT"},
		{"405 tags", "admin", "GET", "/v2/images/" + public + "/tags/x", "", nil, 405,
			"The method GET is not allowed for this resource. <br /><br />\n", "PUT, DELETE"},
		{"405 schema", "admin", "POST", "/v2/schemas/image", "", nil, 405,
			"The method POST is not allowed for this resource. <br /><br />\n", "GET"},
		{"unknown v2 path", "admin", "GET", "/v2/nope", "", nil, 404,
			"The resource could not be found.<br /><br />\n\n\n", ""},
		{"unknown action", "admin", "POST", "/v2/images/" + public + "/actions/nope", "", nil, 404,
			"The resource could not be found.<br /><br />\n\n\n", ""},
		{"114 json not found", "admin", "GET", "/v2/images/" + missing, "", []string{"Accept: application/json"}, 404,
			`{"message": "No image found with ID ` + missing + `<br /><br />\n\n\n", "code": "404 Not Found", "title": "Not Found"}`, ""},
		{"116 json bad sort key", "admin", "GET", "/v2/images?sort=nosuchkey:asc", "", []string{"Accept: application/json"}, 400,
			`{"message": "Invalid sort key: nosuchkey. It must be one of the following: name, status, container_format, disk_format, size, id, created_at, updated_at.<br /><br />\n\n\n", "code": "400 Bad Request", "title": "Bad Request"}`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do(c.user, c.method, c.path, c.body, c.headers...)
			mustStatus(t, r, c.status)
			if c.allow != "" {
				expectHeader(t, r, "Allow", c.allow)
			}
			switch {
			case strings.HasPrefix(c.text, "{"):
				expectHeader(t, r, "Content-Type", "application/json")
				expectText(t, r, c.text)
			default:
				expectHeader(t, r, "Content-Type", "text/html; charset=UTF-8")
				expectText(t, r, webobHTML(c.status, c.text))
			}
		})
	}

	// Without an Accept header webob answers text/plain; it picks JSON only when JSON is
	// rated above HTML.
	for accept, want := range map[string]string{
		"-":                                    "text/plain; charset=UTF-8",
		"application/json":                     "application/json",
		"application/json, */*":                "text/html; charset=UTF-8",
		"text/html;q=0.5, application/*":       "application/json",
		"image/png":                            "text/plain; charset=UTF-8",
		"text/*;q=0.9, application/json;q=0.8": "text/html; charset=UTF-8",
	} {
		r := e.do("admin", "GET", "/v2/images/"+missing, "", "Accept: "+accept)
		mustStatus(t, r, http.StatusNotFound)
		expectHeader(t, r, "Content-Type", want)
		if accept == "-" {
			expectText(t, r, "404 Not Found\n\nNo image found with ID "+missing+"\n\n   ")
		}
	}
	r := e.do("demo", "POST", "/v2/images", `{"name":"t1","deleted":"x"}`, "Accept: -")
	expectText(t, r, "403 Forbidden\n\nAccess was denied to this resource.\n\n Attribute 'deleted' is reserved.  ")

	// 109: the body is JSON whatever the Content-Type says.
	r = e.do("admin", "POST", "/v2/images", `{"name":"bad"}`, "Content-Type: text/plain")
	mustStatus(t, r, http.StatusCreated)
	if got := r.json(t); got["name"] != "bad" || got["disk_format"] != nil || got["visibility"] != "shared" {
		t.Errorf("text/plain create = %v", got)
	}

	// An id may be given, once.
	const given = "11111111-2222-4333-8444-555555555555"
	r = e.do("demo", "POST", "/v2/images", `{"name":"given","id":"`+given+`"}`)
	mustStatus(t, r, http.StatusCreated)
	expectHeader(t, r, "Location", e.srv.URL+"/v2/images/"+given)
	r = e.do("alt_demo", "POST", "/v2/images", `{"name":"given","id":"`+given+`"}`)
	mustStatus(t, r, http.StatusConflict)
	expectText(t, r, webobHTML(409, "Image ID "+given+" already exists!<br /><br />\n\n\n"))

	// Quotas: 128 tags, 128 properties.
	tags := make([]string, 129)
	for i := range tags {
		tags[i] = `"t` + strconv.Itoa(i) + `"`
	}
	r = e.do("demo", "POST", "/v2/images", `{"name":"many","tags":[`+strings.Join(tags, ",")+`]}`)
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	expectText(t, r, webobHTML(413, "The limit has been exceeded on the number of allowed image tags. Attempted: 129, Maximum: 128<br /><br />\n\n\n"))
	full := e.createImage("demo", `{"name":"full","tags":[`+strings.Join(tags[:128], ",")+`]}`)
	r = e.do("demo", "PUT", "/v2/images/"+full+"/tags/one-more", "")
	mustStatus(t, r, http.StatusRequestEntityTooLarge)
	mustStatus(t, e.do("demo", "PUT", "/v2/images/"+full+"/tags/t5", ""), http.StatusNoContent)

	// /v2.N/ is /v2/ for the supported minor versions.
	r = e.do("demo", "GET", "/v2.16/images/"+given, "")
	mustStatus(t, r, http.StatusOK)
	mustStatus(t, e.do("", "GET", "/v2.1/images", ""), http.StatusUnauthorized)

	// 119: HEAD is not GET here.
	r = e.do("admin", "HEAD", "/v2/images", "")
	mustStatus(t, r, http.StatusMethodNotAllowed)
	expectHeader(t, r, "Allow", "GET, POST")
	expectHeader(t, r, "Content-Length", "0")
}

// TestImageGoldenSchemaErrors follows golden 101, 102 and 104 (Python jsonschema's text,
// HTML-escaped) and the reference Glance's answers for other schema failures.
func TestImageGoldenSchemaErrors(t *testing.T) {
	e := newImageEnv(t)
	q := func(s string) string { return strings.ReplaceAll(s, "'", "&#x27;") }
	cases := []struct{ name, body, want string }{
		{"101 disk_format", `{"name":"bad","disk_format":"floppy","container_format":"bare"}`, q(`Provided object does not match schema 'image': 'floppy' is not one of [None, 'ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop']

Failed validating 'enum' in schema['properties']['disk_format']:
    {'description': 'Format of the disk',
     'enum': [None,
              'ami',
              'ari',
              'aki',
              'vhd',
              'vhdx',
              'vmdk',
              'raw',
              'qcow2',
              'vdi',
              'iso',
              'ploop'],
     'type': ['null', 'string']}

On instance['disk_format']:
    'floppy'`)},
		{"102 container_format", `{"name":"bad","disk_format":"raw","container_format":"crate"}`, q(`Provided object does not match schema 'image': 'crate' is not one of [None, 'ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed']

Failed validating 'enum' in schema['properties']['container_format']:
    {'description': 'Format of the container',
     'enum': [None,
              'ami',
              'ari',
              'aki',
              'bare',
              'ovf',
              'ova',
              'docker',
              'compressed'],
     'type': ['null', 'string']}

On instance['container_format']:
    'crate'`)},
		{"104 visibility", `{"name":"bad","visibility":"everyone"}`, q(`Provided object does not match schema 'image': 'everyone' is not one of ['community', 'public', 'private', 'shared']

Failed validating 'enum' in schema['properties']['visibility']:
    {'description': 'Scope of image accessibility',
     'enum': ['community', 'public', 'private', 'shared'],
     'type': 'string'}

On instance['visibility']:
    'everyone'`)},
		{"min_ram type", `{"name":"t1","min_ram":"abc"}`, q(`Provided object does not match schema 'image': 'abc' is not of type 'integer'

Failed validating 'type' in schema['properties']['min_ram']:
    {'description': 'Amount of ram (in MB) required to boot image.',
     'type': 'integer'}

On instance['min_ram']:
    'abc'`)},
		{"property type", `{"name":"t1","foo":5}`, q(`Provided object does not match schema 'image': 5 is not of type 'string'

Failed validating 'type' in schema['additionalProperties']:
    {'type': 'string'}

On instance['foo']:
    5`)},
		{"name too long", `{"name":"` + strings.Repeat("a", 256) + `"}`, q(`Provided object does not match schema 'image': '` + strings.Repeat("a", 256) + `' is too long

Failed validating 'maxLength' in schema['properties']['name']:
    {'description': 'Descriptive name for the image',
     'maxLength': 255,
     'type': ['null', 'string']}

On instance['name']:
    '` + strings.Repeat("a", 256) + `'`)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.do("demo", "POST", "/v2/images", c.body, "Content-Type: application/json")
			mustStatus(t, r, http.StatusBadRequest)
			expectText(t, r, webobHTML(400, c.want+"<br /><br />\n\n\n"))
		})
	}
	// The same check guards tags (golden: PUT .../tags/<256 characters>).
	id := e.createImage("demo", `{"name":"tagged"}`)
	long := strings.Repeat("t", 256)
	r := e.do("demo", "PUT", "/v2/images/"+id+"/tags/"+long, "")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, q(`Provided object does not match schema 'image': '`+long+`' is too long

Failed validating 'maxLength' in schema['properties']['tags']['items']:
    {'maxLength': 255, 'type': 'string'}

On instance['tags'][0]:
    '`+long+`'`)+"<br /><br />\n\n\n"))
}
