package httpapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// newMetadefEnv is an image API with the metadefs catalog over real parts: a SQLite file
// seeded with the standard catalog and glimpse's identity with the users admin, demo and
// alt_demo (as newImageEnv).
func newMetadefEnv(t *testing.T) *imageEnv {
	t.Helper()
	p := newTestParts(t)
	p.seedMetadefs(t)
	tokens, projects := p.bootstrapReferenceUsers(t)
	s := &Server{Images: p.db, Members: p.db, Tokens: p.tokens, Identity: p.db, Metadefs: p.db, Logger: p.logger, IdentityURL: testIdentityURL}
	e := &imageEnv{t: t, db: p.db, tokens: tokens, projects: projects}
	e.srv = httptest.NewServer(s.ImageHandler())
	t.Cleanup(e.srv.Close)
	return e
}

var metadefTimeRE = regexp.MustCompile(`"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`)

// withoutTimes replaces every time of a body by "T", to compare it with Glance's.
func withoutTimes(b []byte) string { return metadefTimeRE.ReplaceAllString(string(b), `"T"`) }

// mustBody fails unless r has the status and, times aside, the body.
func mustBody(t *testing.T, r *imageResponse, status int, body string) {
	t.Helper()
	mustStatus(t, r, status)
	if got := withoutTimes(r.Body); got != body {
		t.Fatalf("%s %s body:\n got %s\nwant %s", r.Request.Method, r.Request.URL, got, body)
	}
}

// glanceJSONError is Glance's JSON error body for message.
func glanceJSONError(status int, message string) string {
	return string(pyObject{{"message", message + "<br /><br />\n\n\n"},
		{"code", fmt.Sprintf("%d %s", status, http.StatusText(status))}, {"title", http.StatusText(status)}}.encode())
}

const jsonAccept = "Accept: application/json"

func TestMetadefSchemas(t *testing.T) {
	e := newMetadefEnv(t)
	for _, name := range []string{"namespace", "namespaces", "object", "objects", "property", "properties", "tag", "tags", "resource_type", "resource_types"} {
		r := e.do("demo", "GET", "/v2/schemas/metadefs/"+name, "")
		mustStatus(t, r, http.StatusOK)
		want, err := schemaFiles.ReadFile("schemas/metadef-" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if string(r.Body) != strings.TrimRight(string(want), "\n") {
			t.Fatalf("schema %s differs from Glance's", name)
		}
	}
	// Glance's exact answer for the tag schema.
	r := e.do("demo", "GET", "/v2/schemas/metadefs/tag", "")
	if !strings.HasPrefix(string(r.Body), `{"name": "tag", "properties": {"name": {"type": "string", "maxLength": 80}`) {
		t.Fatalf("tag schema %s", r.Body)
	}
}

func TestMetadefSeededCatalog(t *testing.T) {
	e := newMetadefEnv(t)
	mustBody(t, e.do("demo", "GET", "/v2/metadefs/resource_types", ""), http.StatusOK,
		`{"resource_types": [{"name": "OS::Glance::Image", "created_at": "T"}, {"name": "OS::Cinder::Volume", "created_at": "T"}, `+
			`{"name": "OS::Nova::Server", "created_at": "T"}, {"name": "OS::Nova::Aggregate", "created_at": "T"}, `+
			`{"name": "OS::Nova::Flavor", "created_at": "T"}, {"name": "OS::Trove::Instance", "created_at": "T"}]}`)
	// The first page as the real Glance lists its standard catalog.
	mustBody(t, e.do("demo", "GET", "/v2/metadefs/namespaces?limit=2", ""), http.StatusOK,
		`{"namespaces": [{"namespace": "OS::Compute::CPUPinning", "display_name": "CPU Pinning", "description": "This provides the preferred CPU pinning and CPU thread pinning policy to be used when pinning vCPU of the guest to pCPU of the host. See http://docs.openstack.org/admin-guide/compute-numa-cpu-pinning.html", "visibility": "public", "protected": true, "owner": "admin", "created_at": "T", "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_", "created_at": "T"}, {"name": "OS::Cinder::Volume", "prefix": "hw_", "properties_target": "image", "created_at": "T"}, {"name": "OS::Nova::Flavor", "prefix": "hw:", "created_at": "T"}], "self": "/v2/metadefs/namespaces/OS::Compute::CPUPinning", "schema": "/v2/schemas/metadefs/namespace"}, `+
			`{"namespace": "OS::Glance::Signatures", "display_name": "Image Signature Verification", "description": "Image signature verification allows the user to verify that an image has not been modified prior to booting the image.", "visibility": "public", "protected": false, "owner": "admin", "created_at": "T", "resource_type_associations": [{"name": "OS::Glance::Image", "created_at": "T"}], "self": "/v2/metadefs/namespaces/OS::Glance::Signatures", "schema": "/v2/schemas/metadefs/namespace"}], `+
			`"next": "/v2/metadefs/namespaces?limit=2&marker=OS%3A%3AGlance%3A%3ASignatures", "schema": "/v2/schemas/metadefs/namespaces", "first": "/v2/metadefs/namespaces?limit=2"}`)
	// Private standard namespaces are the admins' (owner "admin" is no project).
	mustStatus(t, e.do("admin", "GET", "/v2/metadefs/namespaces/OS::OperatingSystem", ""), http.StatusOK)
	mustBody(t, e.do("demo", "GET", "/v2/metadefs/namespaces/OS::OperatingSystem", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "The resource could not be found."))
	list := e.do("demo", "GET", "/v2/metadefs/namespaces?limit=100", "").json(t)["namespaces"].([]any)
	all := e.do("admin", "GET", "/v2/metadefs/namespaces?limit=100", "").json(t)["namespaces"].([]any)
	if len(all) != 33 || len(list) != 31 {
		t.Fatalf("admin sees %d namespaces (want 33), demo %d (want 31)", len(all), len(list))
	}
	// Show with a resource type prefixes property names, as Glance.
	r := e.do("demo", "GET", "/v2/metadefs/namespaces/OS::Compute::Watchdog?resource_type=OS::Nova::Flavor", "")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"properties": {"hw:watchdog_action": {"type": "string", "title": "Watchdog Action"`) {
		t.Fatalf("prefixed show: %s", r.Body)
	}
}

func TestMetadefNamespaceLifecycle(t *testing.T) {
	e := newMetadefEnv(t)
	const ns = "/v2/metadefs/namespaces"
	mustBody(t, e.do("demo", "POST", ns, `{"namespace": "zz-demo"}`, jsonAccept), http.StatusForbidden,
		glanceJSONError(http.StatusForbidden, "You are not authorized to complete add_metadef_namespace action."))
	full := `{"namespace":"zz-full","display_name":"Full","description":"d","visibility":"public","resource_type_associations":[{"name":"OS::Glance::Image","prefix":"hw_"},{"name":"OS::Nova::Flavor","prefix":"hw:","properties_target":"flavor"}],"properties":{"cpu":{"title":"CPU","type":"integer","minimum":1}},"objects":[{"name":"obj1","description":"o","required":["a"],"properties":{"a":{"title":"A","type":"string","enum":["x","y"]}}}],"tags":[{"name":"t1"},{"name":"t2"}]}`
	r := e.do("admin", "POST", ns, full)
	// Glance 25's answer to the same request, times aside.
	owner := e.projects["admin"]
	mustBody(t, r, http.StatusCreated, `{"namespace": "zz-full", "display_name": "Full", "description": "d", "visibility": "public", "protected": false, "owner": "`+owner+`", "created_at": "T", "updated_at": "T", "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_"}, {"name": "OS::Nova::Flavor", "prefix": "hw:", "properties_target": "flavor"}], "properties": {"cpu": {"type": "integer", "title": "CPU", "minimum": 1}}, "objects": [{"name": "obj1", "required": ["a"], "description": "o", "properties": {"a": {"type": "string", "title": "A", "enum": ["x", "y"]}}}], "tags": [{"name": "t1"}, {"name": "t2"}], "self": "/v2/metadefs/namespaces/zz-full", "schema": "/v2/schemas/metadefs/namespace"}`)
	if loc := r.Header.Get("Location"); loc != e.srv.URL+"/v2/metadefs/namespaces/zz-full" {
		t.Fatalf("Location %q", loc)
	}
	mustBody(t, e.do("admin", "GET", ns+"/zz-full?resource_type=OS::Nova::Flavor", ""), http.StatusOK, `{"namespace": "zz-full", "display_name": "Full", "description": "d", "visibility": "public", "protected": false, "owner": "`+owner+`", "created_at": "T", "updated_at": "T", "resource_type_associations": [{"name": "OS::Glance::Image", "prefix": "hw_", "created_at": "T", "updated_at": "T"}, {"name": "OS::Nova::Flavor", "prefix": "hw:", "properties_target": "flavor", "created_at": "T", "updated_at": "T"}], "properties": {"hw:cpu": {"type": "integer", "title": "CPU", "minimum": 1}}, "objects": [{"name": "obj1", "required": ["hw:a"], "description": "o", "properties": {"hw:a": {"type": "string", "title": "A", "enum": ["x", "y"]}}, "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz-full/objects/obj1", "schema": "/v2/schemas/metadefs/object"}], "tags": [{"name": "t2"}, {"name": "t1"}], "self": "/v2/metadefs/namespaces/zz-full", "schema": "/v2/schemas/metadefs/namespace"}`)
	mustBody(t, e.do("admin", "POST", ns, `{"namespace": "zz-full"}`, jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "The metadata definition namespace=zz-full already exists."))

	// Private and protected: invisible to others, undeletable until unprotected.
	mustStatus(t, e.do("admin", "POST", ns, `{"namespace": "zz-adm", "visibility": "private", "protected": true}`), http.StatusCreated)
	mustBody(t, e.do("demo", "GET", ns+"/zz-adm", "", jsonAccept), http.StatusNotFound, glanceJSONError(http.StatusNotFound, "The resource could not be found."))
	mustBody(t, e.do("demo", "DELETE", ns+"/zz-adm", "", jsonAccept), http.StatusNotFound, glanceJSONError(http.StatusNotFound, "Namespace zz-adm not found"))
	protected := glanceJSONError(http.StatusForbidden, "Metadata definition namespace zz-adm is protected and cannot be deleted.")
	mustBody(t, e.do("admin", "DELETE", ns+"/zz-adm", "", jsonAccept), http.StatusForbidden, protected)
	mustBody(t, e.do("admin", "DELETE", ns+"/zz-adm/objects", "", jsonAccept), http.StatusForbidden, protected)
	mustBody(t, e.do("admin", "DELETE", ns+"/zz-adm/tags", "", jsonAccept), http.StatusForbidden, protected)
	mustBody(t, e.do("admin", "GET", ns+"/nope", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Metadata definition namespace=nope was not found."))
	// PUT replaces: protected falls back to false, visibility to private.
	mustBody(t, e.do("admin", "PUT", ns+"/zz-adm", `{"namespace": "zz-adm"}`), http.StatusOK,
		`{"namespace": "zz-adm", "visibility": "private", "protected": false, "owner": "`+owner+`", "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz-adm", "schema": "/v2/schemas/metadefs/namespace"}`)
	mustBody(t, e.do("admin", "PUT", ns+"/zz-adm", `{"namespace": "zz-full"}`, jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "Invalid update. It would result in a duplicate metadata definition namespace with the same name of zz-full"))
	r = e.do("admin", "DELETE", ns+"/zz-adm", "")
	mustStatus(t, r, http.StatusNoContent)
	if r.Header.Get("Content-Type") != "text/html; charset=UTF-8" || len(r.Body) != 0 {
		t.Fatalf("204 %q %q", r.Header.Get("Content-Type"), r.Body)
	}
	mustStatus(t, e.do("admin", "GET", ns+"/zz-adm", ""), http.StatusNotFound)

	// Request checks come before the policy, as Glance's deserializers.
	mustBody(t, e.do("demo", "POST", ns, `{"namespace": "x", "created_at": "x"}`, jsonAccept), http.StatusForbidden,
		glanceJSONError(http.StatusForbidden, "Attribute 'created_at' is read-only."))
	mustBody(t, e.do("demo", "POST", ns, `{"namespace": "x", "visibility": "shared"}`, jsonAccept), http.StatusBadRequest,
		glanceJSONError(http.StatusBadRequest, "Provided object does not match schema 'namespace': 'shared' is not one of ['public', 'private']\n\n"+
			"Failed validating 'enum' in schema['properties']['visibility']:\n    {'description': 'Scope of namespace accessibility.',\n"+
			"     'enum': ['public', 'private'],\n     'type': 'string'}\n\nOn instance['visibility']:\n    'shared'"))
	mustBody(t, e.do("admin", "POST", ns, `nojson`, jsonAccept), http.StatusBadRequest, glanceJSONError(http.StatusBadRequest, "Malformed JSON in request body."))
	mustBody(t, e.do("admin", "POST", ns, ``, jsonAccept), http.StatusBadRequest, glanceJSONError(http.StatusBadRequest, "Body expected in request."))
	// Characters outside the BMP are refused, as Glance's no_4byte_params.
	mustBody(t, e.do("admin", "POST", ns, `{"namespace": "zz-u", "display_name": "\ud834\udd1e"}`, jsonAccept), http.StatusBadRequest,
		glanceJSONError(http.StatusBadRequest, "Couldn't create metadata namespace: Display_Name can't contain 4 byte unicode characters."))
	// Other characters are answered unescaped (json.dumps with ensure_ascii=False).
	mustBody(t, e.do("admin", "POST", ns, `{"namespace": "zz-u", "description": "caf\u00e9 \u2603"}`), http.StatusCreated,
		`{"namespace": "zz-u", "description": "café ☃", "visibility": "private", "protected": false, "owner": "`+owner+`", "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz-u", "schema": "/v2/schemas/metadefs/namespace"}`)
	// Some routes refuse a body.
	mustBody(t, e.do("admin", "GET", ns+"/zz-u", `{"a": 1}`, jsonAccept), http.StatusBadRequest,
		glanceJSONError(http.StatusBadRequest, "A body is not expected with this request."))
	r = e.do("admin", "PATCH", ns, `{}`)
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.Header.Get("Allow") != "GET, POST" {
		t.Fatalf("Allow %q", r.Header.Get("Allow"))
	}
}

func TestMetadefContents(t *testing.T) {
	e := newMetadefEnv(t)
	const ns = "/v2/metadefs/namespaces/zz"
	mustStatus(t, e.do("admin", "POST", "/v2/metadefs/namespaces", `{"namespace": "zz", "visibility": "public", "properties": {"cpu": {"title": "CPU", "type": "integer", "minimum": 1}}}`), http.StatusCreated)

	// Properties.
	mustBody(t, e.do("admin", "POST", ns+"/properties", `{"name":"p3","title":"T","type":"string","default":true}`), http.StatusCreated,
		`{"name": "p3", "type": "string", "title": "T", "default": "True"}`)
	mustBody(t, e.do("admin", "POST", ns+"/properties", `{"name":"cpu","title":"T","type":"string"}`, jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "A metadata definition property with name=cpu already exists in namespace=zz."))
	mustBody(t, e.do("demo", "POST", ns+"/properties", `{"name":"x","title":"T","type":"string"}`, jsonAccept), http.StatusForbidden,
		glanceJSONError(http.StatusForbidden, "You are not authorized to complete add_metadef_property action."))
	mustBody(t, e.do("demo", "GET", ns+"/properties/cpu", ""), http.StatusOK, `{"name": "cpu", "type": "integer", "title": "CPU", "minimum": 1}`)
	mustBody(t, e.do("demo", "GET", ns+"/properties", ""), http.StatusOK,
		`{"properties": {"cpu": {"type": "integer", "title": "CPU", "minimum": 1}, "p3": {"name": "p3", "type": "string", "title": "T", "default": "True"}}}`)
	mustBody(t, e.do("admin", "PUT", ns+"/properties/p3", `{"name":"p4","title":"U","type":"string"}`), http.StatusOK,
		`{"name": "p4", "type": "string", "title": "U"}`)
	mustStatus(t, e.do("admin", "DELETE", ns+"/properties/p4", ""), http.StatusNoContent)
	mustBody(t, e.do("admin", "GET", ns+"/properties/p4", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Could not find property p4"))

	// Resource type associations, and the prefix they give to property names.
	mustBody(t, e.do("admin", "POST", ns+"/resource_types", `{"name":"OS::Brand::New","prefix":"b_"}`), http.StatusCreated,
		`{"name": "OS::Brand::New", "prefix": "b_", "created_at": "T", "updated_at": "T"}`)
	mustBody(t, e.do("admin", "POST", ns+"/resource_types", `{"name":"OS::Brand::New","prefix":"b_"}`, jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "The metadata definition resource-type association of resource-type=OS::Brand::New to namespace=zz already exists."))
	mustBody(t, e.do("demo", "GET", ns+"/properties/b_cpu?resource_type=OS::Brand::New", ""), http.StatusOK, `{"name": "cpu", "type": "integer", "title": "CPU", "minimum": 1}`)
	mustBody(t, e.do("demo", "GET", ns+"/properties/cpu?resource_type=OS::Brand::New", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Property cpu does not start with the expected resource type association prefix of 'b_'."))
	mustBody(t, e.do("demo", "GET", ns+"/properties/cpu?resource_type=OS::Nova::Server", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "The metadata definition resource-type association of resource-type=OS::Nova::Server to namespace=zz, was not found."))
	if rts := e.do("demo", "GET", "/v2/metadefs/resource_types", "").json(t)["resource_types"].([]any); len(rts) != 7 {
		t.Fatalf("the new resource type is not listed: %v", rts)
	}
	mustBody(t, e.do("demo", "GET", ns+"/resource_types", ""), http.StatusOK,
		`{"resource_type_associations": [{"name": "OS::Brand::New", "prefix": "b_", "created_at": "T", "updated_at": "T"}]}`)
	mustBody(t, e.do("admin", "DELETE", ns+"/resource_types/OS::Nope", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Failed to find resource type OS::Nope to delete"))
	mustStatus(t, e.do("admin", "DELETE", ns+"/resource_types/OS::Brand::New", ""), http.StatusNoContent)
	mustBody(t, e.do("demo", "GET", ns+"/resource_types", ""), http.StatusOK, `{"resource_type_associations": []}`)

	// Errors inside referenced definitions read as Python's jsonschema reports them.
	mustBody(t, e.do("admin", "POST", ns+"/objects", `{"name":"o","properties":{"p":{"title":"P","type":"string","minItems":-1}}}`, jsonAccept), http.StatusBadRequest,
		glanceJSONError(http.StatusBadRequest, "Provided object does not match schema 'object': -1 is less than the minimum of 0\n\n"+
			"Failed validating 'minimum' in schema['properties']['properties']['additionalProperties']['properties']['minItems']['allOf'][0]:\n"+
			"    {'minimum': 0, 'type': 'integer'}\n\nOn instance['properties']['p']['minItems']:\n    -1"))
	mustBody(t, e.do("admin", "POST", ns+"/properties", `{"name":"p","title":"P","type":"string","required":[]}`, jsonAccept), http.StatusBadRequest,
		glanceJSONError(http.StatusBadRequest, "Provided object does not match schema 'property': [] is too short\n\n"+
			"Failed validating 'minItems' in schema['properties']['required']:\n    {'items': {'type': 'string'},\n     'minItems': 1,\n"+
			"     'type': 'array',\n     'uniqueItems': True}\n\nOn instance['required']:\n    []"))

	// Objects.
	mustBody(t, e.do("admin", "POST", ns+"/objects", `{"name":"obj2","properties":{"z":{"title":"Z","type":"string","default":"q"}}}`), http.StatusCreated,
		`{"name": "obj2", "properties": {"z": {"type": "string", "title": "Z", "default": "q"}}, "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz/objects/obj2", "schema": "/v2/schemas/metadefs/object"}`)
	mustBody(t, e.do("admin", "POST", ns+"/objects", `{"name":"obj2"}`, jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "A metadata definition object with name=obj2 already exists in namespace=zz."))
	mustBody(t, e.do("admin", "PUT", ns+"/objects/obj2", `{"name":"obj3"}`), http.StatusOK,
		`{"name": "obj3", "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz/objects/obj3", "schema": "/v2/schemas/metadefs/object"}`)
	mustBody(t, e.do("demo", "GET", ns+"/objects", ""), http.StatusOK,
		`{"objects": [{"name": "obj3", "required": [], "properties": {}, "created_at": "T", "updated_at": "T", "self": "/v2/metadefs/namespaces/zz/objects/obj3", "schema": "/v2/schemas/metadefs/object"}], "schema": "v2/schemas/metadefs/objects"}`)
	mustStatus(t, e.do("admin", "DELETE", ns+"/objects/obj3", ""), http.StatusNoContent)
	mustBody(t, e.do("demo", "GET", ns+"/objects/obj3", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Could not find metadata object obj3"))

	// Tags: one by one, in bulk (replacing, or appending with X-Openstack-Append).
	mustBody(t, e.do("admin", "POST", ns+"/tags/t3", ""), http.StatusCreated, `{"name": "t3", "created_at": "T", "updated_at": "T"}`)
	mustBody(t, e.do("admin", "POST", ns+"/tags/t3", "", jsonAccept), http.StatusConflict,
		glanceJSONError(http.StatusConflict, "A metadata tag with name=t3 already exists in namespace=zz. (Please note that metadata tag names are case insensitive)."))
	mustBody(t, e.do("admin", "PUT", ns+"/tags/t3", `{"name":"t4"}`), http.StatusOK, `{"name": "t4", "created_at": "T", "updated_at": "T"}`)
	mustBody(t, e.do("admin", "POST", ns+"/tags", `{"tags":[{"name":"n1"},{"name":"n2"}]}`), http.StatusCreated, `{"tags": [{"name": "n1"}, {"name": "n2"}]}`)
	mustBody(t, e.do("admin", "POST", ns+"/tags", `{"tags":[{"name":"n3"}]}`, "X-Openstack-Append: True"), http.StatusCreated, `{"tags": [{"name": "n3"}]}`)
	mustBody(t, e.do("demo", "GET", ns+"/tags", ""), http.StatusOK, `{"tags": [{"name": "n3"}, {"name": "n2"}, {"name": "n1"}]}`)
	mustBody(t, e.do("demo", "GET", ns+"/tags?sort_key=name&sort_dir=asc&limit=1&marker=n1", ""), http.StatusOK, `{"tags": [{"name": "n2"}]}`)
	mustBody(t, e.do("demo", "GET", ns+"/tags/t4", "", jsonAccept), http.StatusNotFound,
		glanceJSONError(http.StatusNotFound, "Could not find metadata tag t4"))
	mustStatus(t, e.do("admin", "DELETE", ns+"/tags/n3", ""), http.StatusNoContent)
	mustStatus(t, e.do("admin", "DELETE", ns+"/tags", ""), http.StatusNoContent)
	mustBody(t, e.do("demo", "GET", ns+"/tags", ""), http.StatusOK, `{"tags": []}`)

	// Everything under a namespace the caller may not see is "Namespace <n> not found".
	mustStatus(t, e.do("admin", "PUT", ns, `{"namespace": "zz", "visibility": "private"}`), http.StatusOK)
	for _, path := range []string{"/properties", "/objects", "/tags", "/resource_types", "/properties/cpu"} {
		mustBody(t, e.do("demo", "GET", ns+path, "", jsonAccept), http.StatusNotFound, glanceJSONError(http.StatusNotFound, "Namespace zz not found"))
	}
	mustStatus(t, e.do("admin", "GET", ns+"/properties/cpu", ""), http.StatusOK)
}
