package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/glimpse-image/glimpse"
)

// routeIdentityAPI registers the Keystone v3 routes ("Identity API v3" reference). Every
// route but version discovery and POST /v3/auth/tokens needs a valid X-Auth-Token.
func (s *Server) routeIdentityAPI(mux *http.ServeMux) {
	methods := map[string][]string{} // path → the methods routed for it
	route := func(pattern string, h identityHandler, auth bool) {
		mux.Handle(pattern, s.identity(h, auth))
		method, path, _ := strings.Cut(pattern, " ")
		methods[path] = append(methods[path], method)
	}
	open := func(pattern string, h identityHandler) { route(pattern, h, false) }
	authed := func(pattern string, h identityHandler) { route(pattern, h, true) }
	defer func() {
		// Any other method on a known path: Keystone's 405 (a method-less pattern is less
		// specific than the routes above, so it only catches what they do not).
		for path, ms := range methods {
			if slices.Contains(ms, "GET") && !slices.Contains(ms, "HEAD") {
				ms = append(ms, "HEAD")
			}
			slices.Sort(ms)
			mux.Handle(path, s.identity(methodNotAllowed(strings.Join(ms, ", ")), false))
		}
	}()

	mux.Handle("/", s.identity(handleIdentityNotFound, false))
	mux.Handle("/healthcheck", healthcheck(""))
	open("GET /{$}", s.handleIdentityVersions)
	open("GET /v3", s.handleIdentityVersion)
	open("GET /v3/{$}", s.handleIdentityVersion)

	open("POST /v3/auth/tokens", s.handleTokenIssue)
	authed("GET /v3/auth/tokens", s.handleTokenValidate)
	authed("HEAD /v3/auth/tokens", s.handleTokenCheck)
	authed("DELETE /v3/auth/tokens", s.handleTokenRevoke)
	authed("GET /v3/auth/catalog", s.handleAuthCatalog)
	authed("GET /v3/auth/projects", s.handleAuthProjects)
	authed("GET /v3/auth/domains", s.handleAuthDomains)
	authed("GET /v3/auth/system", s.handleAuthSystem)

	authed("GET /v3/domains", s.handleDomainList)
	authed("POST /v3/domains", s.handleDomainCreate)
	authed("GET /v3/domains/{domain_id}", s.handleDomainGet)
	authed("PATCH /v3/domains/{domain_id}", s.handleDomainUpdate)
	authed("DELETE /v3/domains/{domain_id}", s.handleDomainDelete)

	authed("GET /v3/projects", s.handleProjectList)
	authed("POST /v3/projects", s.handleProjectCreate)
	authed("GET /v3/projects/{project_id}", s.handleProjectGet)
	authed("PATCH /v3/projects/{project_id}", s.handleProjectUpdate)
	authed("DELETE /v3/projects/{project_id}", s.handleProjectDelete)

	authed("GET /v3/users", s.handleUserList)
	authed("POST /v3/users", s.handleUserCreate)
	authed("GET /v3/users/{user_id}", s.handleUserGet)
	authed("PATCH /v3/users/{user_id}", s.handleUserUpdate)
	authed("DELETE /v3/users/{user_id}", s.handleUserDelete)
	open("POST /v3/users/{user_id}/password", s.handleUserChangePassword)
	authed("GET /v3/users/{user_id}/projects", s.handleUserProjects)

	authed("GET /v3/roles", s.handleRoleList)
	authed("POST /v3/roles", s.handleRoleCreate)
	authed("GET /v3/roles/{role_id}", s.handleRoleGet)
	authed("DELETE /v3/roles/{role_id}", s.handleRoleDelete)
	authed("GET /v3/role_inferences", s.handleRoleInferences)
	authed("GET /v3/roles/{prior_role_id}/implies", s.handleImpliedRoleList)
	authed("PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}", s.handleImpliedRoleCreate)
	authed("GET /v3/role_assignments", s.handleRoleAssignmentList)

	for _, target := range []string{"/v3/projects/{project_id}", "/v3/domains/{domain_id}", "/v3/system"} {
		authed("GET "+target+"/users/{user_id}/roles", s.handleGrantList)
		authed("PUT "+target+"/users/{user_id}/roles/{role_id}", s.handleGrantCreate)
		authed("GET "+target+"/users/{user_id}/roles/{role_id}", s.handleGrantCheck)
		authed("HEAD "+target+"/users/{user_id}/roles/{role_id}", s.handleGrantCheck)
		authed("DELETE "+target+"/users/{user_id}/roles/{role_id}", s.handleGrantDelete)
	}

	authed("GET /v3/regions", s.handleRegionList)
	authed("POST /v3/regions", s.handleRegionCreate)
	authed("GET /v3/regions/{region_id}", s.handleRegionGet)
	authed("PATCH /v3/regions/{region_id}", s.handleRegionUpdate)
	authed("DELETE /v3/regions/{region_id}", s.handleRegionDelete)

	authed("GET /v3/services", s.handleServiceList)
	authed("POST /v3/services", s.handleServiceCreate)
	authed("GET /v3/services/{service_id}", s.handleServiceGet)
	authed("PATCH /v3/services/{service_id}", s.handleServiceUpdate)
	authed("DELETE /v3/services/{service_id}", s.handleServiceDelete)

	authed("GET /v3/endpoints", s.handleEndpointList)
	authed("POST /v3/endpoints", s.handleEndpointCreate)
	authed("GET /v3/endpoints/{endpoint_id}", s.handleEndpointGet)
	authed("PATCH /v3/endpoints/{endpoint_id}", s.handleEndpointUpdate)
	authed("DELETE /v3/endpoints/{endpoint_id}", s.handleEndpointDelete)

	// Keystone features glimpse does not offer: Keystone's 501, naming the feature, rather
	// than the bare 404 of an unknown path, so that a client says what is missing.
	for path, feature := range map[string]string{
		"/v3/users/{user_id}/application_credentials":        "application credentials",
		"/v3/users/{user_id}/application_credentials/{rest}": "application credentials",
		"/v3/groups":                  "groups",
		"/v3/groups/{rest...}":        "groups",
		"/v3/users/{user_id}/groups":  "groups",
		"/v3/OS-TRUST/{rest...}":      "trusts",
		"/v3/credentials":             "credentials",
		"/v3/credentials/{rest...}":   "credentials",
		"/v3/OS-FEDERATION/{rest...}": "federation",
	} {
		mux.Handle(path, s.identity(notImplemented(feature), true))
	}
}

// notImplemented answers Keystone's 501 (its NotImplemented error) for a feature
// glimpse's identity service lacks, naming it.
func notImplemented(feature string) identityHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		return glimpse.Errorf(glimpse.ENOTIMPLEMENTED, "The action you have requested has not been implemented. "+
			"glimpse's identity service has no %s (README.md, \"Identity\", lists what it has).", feature)
	}
}

// methodNotAllowed answers as Keystone (Flask) does for a method a path does not have:
// 405, Allow, {"message": "The method is not allowed for the requested URL."}.
func methodNotAllowed(allow string) identityHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Allow", allow)
		return writeKeystoneJSON(w, http.StatusMethodNotAllowed,
			map[string]string{"message": "The method is not allowed for the requested URL."})
	}
}

// identityNotFoundPage is Flask's 404 page, which Keystone answers for an unknown path.
const identityNotFoundPage = "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n" +
	"<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n"

func handleIdentityNotFound(w http.ResponseWriter, r *http.Request) error {
	writeRaw(w, http.StatusNotFound, "text/html; charset=utf-8", []byte(identityNotFoundPage))
	return nil
}

// identityHandler is a Keystone route: it writes its answer, or returns an error that
// writeIdentityError turns into Keystone's error body.
type identityHandler func(w http.ResponseWriter, r *http.Request) error

// msgAuthRequired is Keystone's 401 message for a missing, invalid, expired or revoked
// X-Auth-Token, and for bad credentials.
const msgAuthRequired = "The request you have made requires authentication."

// identity adapts h: it sets Keystone's Vary header and, when auth is true, validates
// X-Auth-Token with s.Tokens and puts the caller's principal in the request context.
func (s *Server) identity(h identityHandler, auth bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "X-Auth-Token")
		if auth {
			p, err := s.authenticate(r.Context(), r.Header.Get("X-Auth-Token"))
			if err != nil {
				s.writeIdentityError(w, r, err)
				return
			}
			r = r.WithContext(glimpse.NewContextWithPrincipal(r.Context(), p))
		}
		if err := h(w, r); err != nil {
			s.writeIdentityError(w, r, err)
		}
	})
}

// authenticate validates a caller's token: any rejection is EUNAUTHORIZED, as Keystone
// answers 401 for a bad X-Auth-Token (unlike a bad X-Subject-Token, which is 404).
func (s *Server) authenticate(ctx context.Context, token string) (*glimpse.Principal, error) {
	if token == "" || s.Tokens == nil {
		return nil, glimpse.Errorf(glimpse.EUNAUTHORIZED, msgAuthRequired)
	}
	p, err := s.Tokens.ValidateToken(ctx, token)
	if err != nil {
		if glimpse.ErrorCode(err) == glimpse.EINTERNAL || glimpse.ErrorCode(err) == glimpse.EUNAVAILABLE {
			return nil, err
		}
		return nil, glimpse.Errorf(glimpse.EUNAUTHORIZED, msgAuthRequired)
	}
	return p, nil
}

// writeIdentityError writes err as Keystone does: {"error": {"code": 404, "message": "...",
// "title": "Not Found"}} (compact JSON), with WWW-Authenticate: Keystone uri="<base>/v3"
// on 401. A HEAD request gets the status and headers only.
func (s *Server) writeIdentityError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status := statusOf(glimpse.ErrorCode(err))
	body, _ := json.Marshal(map[string]any{"error": map[string]any{
		"code": status, "message": glimpse.ErrorMessage(err), "title": http.StatusText(status),
	}})
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Keystone uri=%q", s.identityBase(r)+"/v3"))
	}
	writeRaw(w, status, "application/json", body)
}

// identityBase is the public identity URL without a version: s.IdentityURL, or the
// request's own scheme and host when it is not configured.
func (s *Server) identityBase(r *http.Request) string {
	if s.IdentityURL != "" {
		return strings.TrimSuffix(strings.TrimSuffix(s.IdentityURL, "/"), "/v3")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// selfURL is the "self" link of a collection: the request's URL on the public endpoint.
func (s *Server) selfURL(r *http.Request) string {
	u := s.identityBase(r) + r.URL.Path
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// resourceLinks is the "links" of one object: {"self": "<base>/v3/<kind>/<id>"}.
type resourceLinks struct {
	Self string `json:"self"`
}

func (s *Server) linksOf(r *http.Request, kind, id string) resourceLinks {
	return resourceLinks{Self: s.identityBase(r) + "/v3/" + kind + "/" + id}
}

// collectionLinks is the "links" of a list: glimpse does not paginate identity lists.
type collectionLinks struct {
	Next     *string `json:"next"`
	Self     string  `json:"self"`
	Previous *string `json:"previous"`
}

func (s *Server) collectionLinksOf(r *http.Request) collectionLinks {
	return collectionLinks{Self: s.selfURL(r)}
}

// writeKeystoneJSON writes v as Keystone does: Python's json.dumps layout (", " and ": "
// separators, non-ASCII escaped), keys in struct field order.
func writeKeystoneJSON(w http.ResponseWriter, status int, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	writeRaw(w, status, "application/json", pythonLayout(bytes.TrimSuffix(b.Bytes(), []byte("\n"))))
	return nil
}

// pythonLayout rewrites compact JSON with Python's default separators and ASCII escapes.
func pythonLayout(compact []byte) []byte {
	out := make([]byte, 0, len(compact)+len(compact)/8)
	inString, escaped := false, false
	for i := 0; i < len(compact); {
		c := compact[i]
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRune(compact[i:])
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
			i += size
			continue
		}
		out = append(out, c)
		i++
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString && (c == ',' || c == ':'):
			out = append(out, ' ')
		}
	}
	return out
}

// writeNoBody answers a status without a body (204 for PUT grants, DELETE).
func writeNoBody(w http.ResponseWriter, status int) {
	w.WriteHeader(status)
}

// decodeIdentityBody reads a JSON request body into v. Errors: EINVALID with Keystone's
// message for a body that is not JSON.
func decodeIdentityBody(r *http.Request, v any) error {
	body, err := readIdentityBody(r)
	if err != nil {
		return err
	}
	return decodeIdentityJSON(body, v)
}

// decodeIdentityJSON decodes a request body read by readIdentityBody into v, with
// decodeIdentityBody's errors.
func decodeIdentityJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field '%s': wrong type. %s", typeErr.Field, invalidSuffix)
		}
		return glimpse.Errorf(glimpse.EINVALID, "Expecting to find valid JSON in request body. %s", invalidSuffix)
	}
	return nil
}

// Keystone's name lengths (its resource and identity schemas).
const (
	maxProjectName = 64
	maxUserName    = 255
)

// checkIdentityName is Keystone's schema check of a project or user name: at most max
// characters, and one that is not white space; 400 with jsonschema's message otherwise.
func checkIdentityName(name string, max int) error {
	schema := map[string]any{"maxLength": max, "minLength": 1, "pattern": `[\S]+`, "type": "string"}
	var problem, keyword string
	switch {
	case utf8.RuneCountInString(name) > max:
		problem, keyword = pyStrRepr(name)+" is too long", "maxLength"
	case strings.TrimSpace(name) == "" && name != "":
		problem, keyword = pyStrRepr(name)+" does not match "+pyStrRepr(`[\S]+`), "pattern"
	default:
		return nil
	}
	return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'name': %s\n\nFailed validating %s in schema['properties']['name']:\n%s\n\nOn instance['name']:\n    %s",
		problem, pyStrRepr(keyword), indentLines(pyPformat(schema, 72), "    "), pyStrRepr(name))
}

// invalidSuffix ends Keystone's 400 messages.
const invalidSuffix = "The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error."

// errRequired is Keystone's schema error for a missing property.
func errRequired(property string) error {
	return glimpse.Errorf(glimpse.EINVALID, "'%s' is a required property. %s", property, invalidSuffix)
}

// notFound returns Keystone's 404 "Could not find <kind>: <id>." for ENOTFOUND, and err
// otherwise.
func notFound(err error, kind, id string) error {
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return glimpse.Errorf(glimpse.ENOTFOUND, "Could not find %s: %s.", kind, id)
	}
	return err
}

// principal returns the caller set by the auth wrapper.
func principal(r *http.Request) *glimpse.Principal {
	return glimpse.PrincipalFromContext(r.Context())
}

// requireAdmin answers 403 with Keystone's policy message unless the caller holds the admin
// role (Keystone's Zed defaults with enforce_new_defaults=false: "rule:admin_required").
func requireAdmin(r *http.Request, rule string) error {
	if principal(r).IsAdmin() {
		return nil
	}
	return forbidden(rule)
}

func forbidden(rule string) error {
	return glimpse.Errorf(glimpse.EFORBIDDEN, "You are not authorized to perform the requested action: %s.", rule)
}

// tokenRevoker is what identity.Service offers beyond glimpse.TokenService to revoke the
// tokens of a user or a project when they change; found by type assertion on s.Tokens.
type tokenRevoker interface {
	RevokeUser(ctx context.Context, userID string) error
	RevokeProject(ctx context.Context, projectID string) error
	RevokeUserProject(ctx context.Context, userID, projectID string) error
}

func (s *Server) revoker() tokenRevoker {
	rv, _ := s.Tokens.(tokenRevoker)
	return rv
}

// revokeUser revokes a user's tokens when the token service can.
func (s *Server) revokeUser(ctx context.Context, userID string) error {
	if rv := s.revoker(); rv != nil {
		return rv.RevokeUser(ctx, userID)
	}
	return nil
}

func (s *Server) revokeProject(ctx context.Context, projectID string) error {
	if rv := s.revoker(); rv != nil {
		return rv.RevokeProject(ctx, projectID)
	}
	return nil
}

func (s *Server) revokeUserProject(ctx context.Context, userID, projectID string) error {
	if rv := s.revoker(); rv != nil {
		return rv.RevokeUserProject(ctx, userID, projectID)
	}
	return nil
}
