package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/identity"
	"github.com/glimpse-image/glimpse/sqlstore"
	"golang.org/x/crypto/bcrypt"
)

// Passwords hashed in tests use bcrypt's lowest cost: hashing is not what they test, and
// it is very slow under the race detector.
func init() { identity.BcryptCost = bcrypt.MinCost }

// identityEnv is an identity API over a real SQLite file and a real identity.Service,
// bootstrapped with admin / admin-secret and a catalog pointing at itself.
type identityEnv struct {
	t      *testing.T
	url    string // e.g. http://127.0.0.1:12345
	db     *sqlstore.DB
	tokens *identity.Service
	admin  string // an admin token scoped to the admin project
}

func newIdentityEnv(t *testing.T) *identityEnv {
	t.Helper()
	p := newTestParts(t)
	db, tokens := p.db, p.tokens
	srv := &Server{Tokens: tokens, Identity: db, Logger: p.logger}
	ts := httptest.NewUnstartedServer(srv.IdentityHandler())
	base := "http://" + ts.Listener.Addr().String()
	srv.IdentityURL = base
	ts.Start()
	t.Cleanup(ts.Close)
	if _, err := identity.Bootstrap(context.Background(), db, identity.BootstrapOptions{AdminPassword: "admin-secret",
		IdentityURL: base, ImageURL: "http://127.0.0.1:9292"}); err != nil {
		t.Fatal(err)
	}
	e := &identityEnv{t: t, url: base, db: db, tokens: tokens}
	e.admin = e.token("admin", "admin-secret", "admin")
	return e
}

// identityPasswordAuth is a POST /v3/auth/tokens body as openstackclient sends it.
func identityPasswordAuth(user, password, project string) string {
	scope := ""
	if project != "" {
		scope = `,"scope":{"project":{"name":"` + project + `","domain":{"name":"Default"}}}`
	}
	return `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + user +
		`","domain":{"name":"Default"},"password":"` + password + `"}}}` + scope + `}}`
}

// token issues a project-scoped token and returns it.
func (e *identityEnv) token(user, password, project string) string {
	e.t.Helper()
	resp := e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth(user, password, project))
	if resp.status != http.StatusCreated {
		e.t.Fatalf("token for %s: %d %s", user, resp.status, resp.body)
	}
	return resp.header.Get("X-Subject-Token")
}

type identityResponse struct {
	status int
	header http.Header
	body   string
}

// json decodes the body into a generic value.
func (r identityResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	return v
}

// do sends a request with X-Auth-Token token (none when empty) and a JSON body.
func (e *identityEnv) do(method, path, token, body string, headers ...string) identityResponse {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return identityResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// expectIdentity checks a identityResponse's status and, when wantBody is not empty, its exact body.
func expectIdentity(t *testing.T, what string, r identityResponse, status int, wantBody string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
	}
	if wantBody != "" && r.body != wantBody {
		t.Errorf("%s: body\n%s\nwant\n%s", what, r.body, wantBody)
	}
}

// createUserWithRole makes a project, a user with a password in it and a role there,
// through the store, and returns their ids.
func (e *identityEnv) createUserWithRole(name, role string) (userID, projectID string) {
	e.t.Helper()
	ctx := context.Background()
	p := &glimpse.Project{ID: identity.NewID(), Name: name, DomainID: "default", Enabled: true}
	if err := e.db.CreateProject(ctx, p); err != nil {
		e.t.Fatal(err)
	}
	hash, err := identity.HashPassword(name + "-secret")
	if err != nil {
		e.t.Fatal(err)
	}
	u := &glimpse.User{ID: identity.NewID(), Name: name, DomainID: "default", DefaultProjectID: p.ID, Enabled: true, PasswordHash: hash}
	if err := e.db.CreateUser(ctx, u); err != nil {
		e.t.Fatal(err)
	}
	r, err := e.db.FindRoleByName(ctx, role)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: r.ID, UserID: u.ID, ProjectID: p.ID}); err != nil {
		e.t.Fatal(err)
	}
	return u.ID, p.ID
}
