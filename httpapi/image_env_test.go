package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
)

// imageEnv is an image API over real parts: a SQLite file, a filesystem store, the
// imagedata service and glimpse's own identity with the reference users admin (admin
// role), demo and alt_demo (member role in their own projects).
type imageEnv struct {
	t        *testing.T
	srv      *httptest.Server
	server   *Server // the API under test; tests may set more of its fields
	db       *sqlstore.DB
	store    *filesystem.Store
	tokens   map[string]string // user name -> project-scoped token
	projects map[string]string // user name -> project id
}

const testIdentityURL = "http://127.0.0.1:15000"

func newImageEnv(t *testing.T) *imageEnv {
	t.Helper()
	p := newTestParts(t)
	tokens, projects := p.bootstrapReferenceUsers(t)
	s := p.imageServer()
	s.IdentityURL = testIdentityURL
	s.Authorizer = legacyAuthorizer(t) // the golden exchanges were recorded with Glance's legacy policies
	e := &imageEnv{t: t, server: s, db: p.db, store: p.store, tokens: tokens, projects: projects}
	e.srv = httptest.NewServer(s.ImageHandler())
	t.Cleanup(e.srv.Close)
	return e
}

// imageResponse is a received answer with its body read.
type imageResponse struct {
	*http.Response
	Body []byte
}

func (r *imageResponse) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s: body is not a JSON object: %v\n%s", r.Request.URL, err, r.Body)
	}
	return m
}

// do sends a request as user ("" for no token) with optional headers "Key: value"
// ("Accept: -" removes the default Accept: */*).
func (e *imageEnv) do(user, method, path, body string, headers ...string) *imageResponse {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-Auth-Token", e.tokens[user])
	}
	req.Header.Set("Accept", "*/*") // as curl, which the golden exchanges use
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		if strings.TrimSpace(v) == "-" {
			req.Header.Del(strings.TrimSpace(k))
			continue
		}
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return &imageResponse{resp, b}
}

// mustStatus fails unless r has the status.
func mustStatus(t *testing.T, r *imageResponse, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d\n%s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.Body)
	}
}

// createImage creates an image as user and returns its id.
func (e *imageEnv) createImage(user, body string) string {
	e.t.Helper()
	r := e.do(user, "POST", "/v2/images", body, "Content-Type: application/json")
	mustStatus(e.t, r, http.StatusCreated)
	return r.json(e.t)["id"].(string)
}

// upload puts data into the image as user.
func (e *imageEnv) upload(user, id, data string) {
	e.t.Helper()
	r := e.do(user, "PUT", "/v2/images/"+id+"/file", data, "Content-Type: application/octet-stream")
	mustStatus(e.t, r, http.StatusNoContent)
}

// webobHTML is the HTML page Glance (webob) answers errors with, around body (the
// message in webob's form, e.g. "No image found with ID x<br /><br />\n\n\n").
func webobHTML(status int, body string) string {
	title := http.StatusText(status)
	if status == http.StatusRequestedRangeNotSatisfiable {
		title = "Request Range Not Satisfiable"
	}
	code := strconv.Itoa(status) + " " + title
	return "<html>\n <head>\n  <title>" + code + "</title>\n </head>\n <body>\n  <h1>" + code + "</h1>\n  " + body + "\n </body>\n</html>"
}
