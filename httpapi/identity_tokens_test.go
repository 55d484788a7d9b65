package httpapi

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	bodyAuthRequired = `{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}`
	bodyUnrecognized = `{"error":{"code":404,"message":"Could not recognize Fernet token","title":"Not Found"}}`
	bodyInvalidToken = `{"error":{"code":404,"message":"Failed to validate token","title":"Not Found"}}`
)

func TestIdentityVersionDiscovery(t *testing.T) {
	e := newIdentityEnv(t)
	// The exact bytes of the real Keystone 22 (golden 003), with its URL replaced.
	v3 := `{"version": {"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z", "links": [{"rel": "self", "href": "URL/v3/"}], "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}}`
	v3 = strings.ReplaceAll(v3, "URL", e.url)
	for _, path := range []string{"/v3", "/v3/"} {
		r := e.do("GET", path, "", "")
		expectIdentity(t, "GET "+path, r, http.StatusOK, v3)
		if r.header.Get("Content-Type") != "application/json" || r.header.Get("x-openstack-request-id") == "" {
			t.Errorf("GET %s headers: %v", path, r.header)
		}
	}
	root := `{"versions": {"values": [{"id": "v3.14", "status": "stable", "updated": "2020-04-07T00:00:00Z", "links": [{"rel": "self", "href": "URL/v3/"}], "media-types": [{"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}]}]}}`
	r := e.do("GET", "/", "", "")
	expectIdentity(t, "GET /", r, http.StatusMultipleChoices, strings.ReplaceAll(root, "URL", e.url))
	if r.header.Get("Location") != e.url+"/v3/" {
		t.Errorf("GET / Location = %q", r.header.Get("Location"))
	}
}

var keystoneTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$`)

func TestTokenIssue(t *testing.T) {
	e := newIdentityEnv(t)
	r := e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth("admin", "admin-secret", "admin"))
	expectIdentity(t, "issue", r, http.StatusCreated, "")
	if r.header.Get("X-Subject-Token") == "" || r.header.Get("Vary") != "X-Auth-Token" {
		t.Errorf("headers %v", r.header)
	}
	for _, prefix := range []string{`{"token": {"methods": ["password"], "user": {"domain": {"id": "default", "name": "Default"}, "id": "`,
		`"name": "admin", "password_expires_at": null}, "audit_ids": ["`} {
		if !strings.Contains(r.body, prefix) {
			t.Errorf("body lacks %s:\n%s", prefix, r.body)
		}
	}
	tok := r.json(t)["token"].(map[string]any)
	for _, k := range []string{"expires_at", "issued_at"} {
		if !keystoneTimeRE.MatchString(tok[k].(string)) {
			t.Errorf("%s = %q, want Keystone's format", k, tok[k])
		}
	}
	project := tok["project"].(map[string]any)
	if project["name"] != "admin" || project["domain"].(map[string]any)["name"] != "Default" || tok["is_domain"] != false {
		t.Errorf("project %v is_domain %v", project, tok["is_domain"])
	}
	var roles []string
	for _, role := range tok["roles"].([]any) {
		roles = append(roles, role.(map[string]any)["name"].(string))
	}
	slices.Sort(roles)
	if !slices.Equal(roles, []string{"admin", "member", "reader"}) {
		t.Errorf("roles %v", roles)
	}
	catalog := tok["catalog"].([]any)
	if len(catalog) != 2 {
		t.Fatalf("catalog %v", catalog)
	}
	seen := map[string]bool{}
	for _, svc := range catalog {
		svc := svc.(map[string]any)
		for _, ep := range svc["endpoints"].([]any) {
			ep := ep.(map[string]any)
			seen[svc["type"].(string)+" "+ep["interface"].(string)+" "+ep["url"].(string)+" "+ep["region"].(string)] = true
		}
	}
	for _, want := range []string{"identity public " + e.url + "/v3 RegionOne", "identity admin " + e.url + "/v3 RegionOne",
		"image public http://127.0.0.1:9292 RegionOne", "image internal http://127.0.0.1:9292 RegionOne"} {
		if !seen[want] {
			t.Errorf("catalog lacks %q: %v", want, seen)
		}
	}

	r = e.do("POST", "/v3/auth/tokens?nocatalog", "", identityPasswordAuth("admin", "admin-secret", "admin"))
	if _, ok := r.json(t)["token"].(map[string]any)["catalog"]; ok || r.status != http.StatusCreated {
		t.Errorf("nocatalog: %d %s", r.status, r.body)
	}

	// Unscoped (admin has no default project): no roles, no catalog, as Keystone.
	r = e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth("admin", "admin-secret", ""))
	tok = r.json(t)["token"].(map[string]any)
	if _, ok := tok["catalog"]; ok {
		t.Errorf("unscoped token has a catalog: %s", r.body)
	}
	if _, ok := tok["roles"]; ok {
		t.Errorf("unscoped token has roles: %s", r.body)
	}

	// System scope.
	r = e.do("POST", "/v3/auth/tokens", "", `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"id":"default"},"password":"admin-secret"}}},"scope":{"system":{"all":true}}}}`)
	if r.status != http.StatusCreated || !strings.Contains(r.body, `"system": {"all": true}`) || strings.Contains(r.body, `"project"`) {
		t.Errorf("system token: %d %s", r.status, r.body)
	}
}

func TestTokenIssueErrors(t *testing.T) {
	e := newIdentityEnv(t)
	for name, body := range map[string]string{
		"wrong password":  identityPasswordAuth("admin", "nope", "admin"),
		"unknown user":    identityPasswordAuth("nobody", "admin-secret", "admin"),
		"unknown project": identityPasswordAuth("admin", "admin-secret", "nope"),
		"no role there":   identityPasswordAuth("admin", "admin-secret", "service"),
		"unknown domain":  `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"admin","domain":{"name":"Nope"},"password":"admin-secret"}}}}}`,
	} {
		r := e.do("POST", "/v3/auth/tokens", "", body)
		expectIdentity(t, name, r, http.StatusUnauthorized, bodyAuthRequired)
		if got := r.header.Get("WWW-Authenticate"); got != `Keystone uri="`+e.url+`/v3"` {
			t.Errorf("%s: WWW-Authenticate %q", name, got)
		}
	}
	expectIdentity(t, "bad json", e.do("POST", "/v3/auth/tokens", "", `{"auth":`), http.StatusBadRequest,
		`{"error":{"code":400,"message":"Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.","title":"Bad Request"}}`)
	expectIdentity(t, "unknown method", e.do("POST", "/v3/auth/tokens", "", `{"auth":{"identity":{"methods":["foo"]}}}`), http.StatusBadRequest,
		`{"error":{"code":400,"message":"Expecting to find foo in identity. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.","title":"Bad Request"}}`)
	r := e.do("PATCH", "/v3/auth/tokens", "", "")
	expectIdentity(t, "PATCH tokens", r, http.StatusMethodNotAllowed, `{"message": "The method is not allowed for the requested URL."}`)
	if got := r.header.Get("Allow"); got != "DELETE, GET, HEAD, POST" {
		t.Errorf("Allow = %q", got)
	}
	expectIdentity(t, "PUT projects", e.do("PUT", "/v3/projects", e.admin, ""), http.StatusMethodNotAllowed, "")
	expectIdentity(t, "DELETE system grant list", e.do("DELETE", "/v3/system/users/x/roles", e.admin, ""), http.StatusMethodNotAllowed, "")
	r = e.do("GET", "/v3/nope", e.admin, "")
	expectIdentity(t, "unknown path", r, http.StatusNotFound, identityNotFoundPage)
	if r.header.Get("Content-Type") != "text/html; charset=utf-8" || len(r.body) != 207 {
		t.Errorf("unknown path: %v, %d bytes (Keystone: 207)", r.header, len(r.body))
	}
	expectIdentity(t, "token method, bad token", e.do("POST", "/v3/auth/tokens", "", `{"auth":{"identity":{"methods":["token"],"token":{"id":"gAAAAgarbage"}}}}`),
		http.StatusNotFound, bodyUnrecognized)
}

func TestTokenValidateCheckRevoke(t *testing.T) {
	e := newIdentityEnv(t)
	userID, _ := e.createUserWithRole("demo", "member")
	demo := e.token("demo", "demo-secret", "demo")

	r := e.do("GET", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo)
	expectIdentity(t, "validate", r, http.StatusOK, "")
	if r.header.Get("X-Subject-Token") != demo || !strings.Contains(r.body, `"id": "`+userID+`", "name": "demo"`) {
		t.Errorf("validate: %v %s", r.header, r.body)
	}
	expectIdentity(t, "validate own", e.do("GET", "/v3/auth/tokens", demo, "", "X-Subject-Token", demo), http.StatusOK, "")
	expectIdentity(t, "demo validates admin's token", e.do("GET", "/v3/auth/tokens", demo, "", "X-Subject-Token", e.admin), http.StatusForbidden,
		`{"error":{"code":403,"message":"You are not authorized to perform the requested action: identity:validate_token.","title":"Forbidden"}}`)
	expectIdentity(t, "bad subject", e.do("GET", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", "garbage"), http.StatusNotFound, bodyUnrecognized)
	expectIdentity(t, "no auth token", e.do("GET", "/v3/auth/tokens", "", "", "X-Subject-Token", demo), http.StatusUnauthorized, bodyAuthRequired)
	expectIdentity(t, "bad auth token", e.do("GET", "/v3/auth/tokens", "garbage", "", "X-Subject-Token", demo), http.StatusUnauthorized, bodyAuthRequired)
	expectIdentity(t, "head", e.do("HEAD", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo), http.StatusOK, "")

	expectIdentity(t, "revoke", e.do("DELETE", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo), http.StatusNoContent, "")
	expectIdentity(t, "validate revoked", e.do("GET", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo), http.StatusNotFound, bodyInvalidToken)
	expectIdentity(t, "head revoked", e.do("HEAD", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo), http.StatusNotFound, "")
	expectIdentity(t, "revoke again", e.do("DELETE", "/v3/auth/tokens", e.admin, "", "X-Subject-Token", demo), http.StatusNotFound, bodyInvalidToken)
	expectIdentity(t, "use revoked", e.do("GET", "/v3/auth/catalog", demo, ""), http.StatusUnauthorized, bodyAuthRequired)

	// Rescoping with the token method keeps the audit chain.
	unscoped := e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth("admin", "admin-secret", "")).header.Get("X-Subject-Token")
	r = e.do("POST", "/v3/auth/tokens", "", `{"auth":{"identity":{"methods":["token"],"token":{"id":"`+unscoped+`"}},"scope":{"project":{"name":"admin","domain":{"id":"default"}}}}}`)
	expectIdentity(t, "rescope", r, http.StatusCreated, "")
	if !strings.Contains(r.body, `"methods": ["password", "token"]`) || len(r.json(t)["token"].(map[string]any)["audit_ids"].([]any)) != 2 {
		t.Errorf("rescoped token: %s", r.body)
	}
}

func TestAuthScopesLists(t *testing.T) {
	e := newIdentityEnv(t)
	r := e.do("GET", "/v3/auth/projects", e.admin, "")
	expectIdentity(t, "auth projects", r, http.StatusOK, "")
	projects := r.json(t)["projects"].([]any)
	if len(projects) != 1 || projects[0].(map[string]any)["name"] != "admin" {
		t.Errorf("auth projects: %s", r.body)
	}
	if !strings.HasSuffix(r.body, `"links": {"next": null, "self": "`+e.url+`/v3/auth/projects", "previous": null}}`) {
		t.Errorf("auth projects links: %s", r.body)
	}
	expectIdentity(t, "auth domains", e.do("GET", "/v3/auth/domains", e.admin, ""), http.StatusOK,
		`{"domains": [], "links": {"next": null, "self": "`+e.url+`/v3/auth/domains", "previous": null}}`)
	expectIdentity(t, "auth system", e.do("GET", "/v3/auth/system", e.admin, ""), http.StatusOK,
		`{"system": [{"all": true}], "links": {"self": "`+e.url+`/v3/auth/system"}}`)
	r = e.do("GET", "/v3/auth/catalog", e.admin, "")
	if r.status != http.StatusOK || !strings.HasPrefix(r.body, `{"catalog": [{"endpoints": [{"id": "`) ||
		!strings.HasSuffix(r.body, `"links": {"self": "`+e.url+`/v3/auth/catalog"}}`) {
		t.Errorf("auth catalog: %d %s", r.status, r.body)
	}
	expectIdentity(t, "catalog without a token", e.do("GET", "/v3/auth/catalog", "", ""), http.StatusUnauthorized, bodyAuthRequired)
	unscoped := e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth("admin", "admin-secret", "")).header.Get("X-Subject-Token")
	expectIdentity(t, "catalog of an unscoped token", e.do("GET", "/v3/auth/catalog", unscoped, ""), http.StatusForbidden,
		`{"error":{"code":403,"message":"You are not authorized to perform the requested action.","title":"Forbidden"}}`)
	expectIdentity(t, "no subject token", e.do("GET", "/v3/auth/tokens", e.admin, ""), http.StatusNotFound,
		`{"error":{"code":404,"message":"No token in the request","title":"Not Found"}}`)
}
