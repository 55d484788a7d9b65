package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

// cloud talks to an identity and an image endpoint over HTTP only, so that the same test
// code runs against an in-process glimpse and, to record answers, against the real
// Glance and Keystone.
type cloud struct {
	t             testing.TB
	identityURL   string // without /v3
	imageURL      string
	adminToken    string
	adminProject  string
	adminPassword string
	roles         map[string]string // role name → id
	suffix        string            // makes names unique on a long-lived reference
	seq           int
	created       []string // paths to DELETE as admin when cleaning up (images, users, projects)
}

// cleanup deletes what the test created, newest first (only needed on a shared reference).
func (c *cloud) cleanup() {
	for i := len(c.created) - 1; i >= 0; i-- {
		base := c.identityURL
		if strings.HasPrefix(c.created[i], "/v2/") {
			base = c.imageURL
		}
		c.send(base, c.adminToken, "DELETE", c.created[i], "", "")
	}
}

// newGlimpseCloud starts glimpse's identity and image APIs with authz, bootstrapped with
// admin / admin-secret.
func newGlimpseCloud(t *testing.T, authz glimpse.Authorizer) *cloud {
	t.Helper()
	p := newTestParts(t)
	s := p.imageServer()
	s.Authorizer = authz
	identityURL, imageURL := p.serveIdentityAndImage(t, s)
	return newCloud(t, identityURL, imageURL, "admin-secret")
}

func newCloud(t testing.TB, identityURL, imageURL, adminPassword string) *cloud {
	c := &cloud{t: t, identityURL: identityURL, imageURL: imageURL, roles: map[string]string{},
		suffix: fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)}
	c.adminToken, c.adminProject = c.token("admin", adminPassword, "admin")
	c.adminPassword = adminPassword
	var roles struct {
		Roles []struct{ ID, Name string }
	}
	c.identity("GET", "/v3/roles", "", http.StatusOK, &roles)
	for _, r := range roles.Roles {
		c.roles[r.Name] = r.ID
	}
	return c
}

// send makes one request and returns the status and body.
func (c *cloud) send(base, token, method, path, contentType, body string) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, data
}

// identity sends an admin identity request and decodes the answer into out.
func (c *cloud) identity(method, path, body string, want int, out any) {
	c.t.Helper()
	status, data := c.send(c.identityURL, c.adminToken, method, path, "application/json", body)
	if status != want {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, status, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// token issues a token for user scoped to the project with that name (domain Default).
func (c *cloud) token(user, password, project string) (token, projectID string) {
	c.t.Helper()
	body := identityPasswordAuth(user, password, project)
	req, _ := http.NewRequest("POST", c.identityURL+"/v3/auth/tokens", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Token struct {
			Project struct{ ID string }
		}
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("token for %s: %d %s", user, resp.StatusCode, data)
	}
	json.Unmarshal(data, &out)
	return resp.Header.Get("X-Subject-Token"), out.Token.Project.ID
}

// systemToken issues a system-scoped token ("scope": {"system": {"all": true}}) for user.
func (c *cloud) systemToken(user, password string) string {
	c.t.Helper()
	body := `{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"` + user +
		`","domain":{"name":"Default"},"password":"` + password + `"}}},"scope":{"system":{"all":true}}}}`
	req, _ := http.NewRequest("POST", c.identityURL+"/v3/auth/tokens", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("system token for %s: %d", user, resp.StatusCode)
	}
	return resp.Header.Get("X-Subject-Token")
}

// persona is one caller: a user with roles in a project, and its token.
type persona struct {
	name, token, project string
}

// newProject creates a project and returns its id.
func (c *cloud) newProject(name string) string {
	c.t.Helper()
	var out struct{ Project struct{ ID string } }
	c.identity("POST", "/v3/projects", `{"project":{"name":"`+name+"-"+c.suffix+`","domain_id":"default"}}`, http.StatusCreated, &out)
	c.created = append(c.created, "/v3/projects/"+out.Project.ID)
	return out.Project.ID
}

// newPersona creates a user with the roles in project and logs it in.
func (c *cloud) newPersona(name, projectID string, roles ...string) persona {
	c.t.Helper()
	var proj struct{ Project struct{ Name string } }
	c.identity("GET", "/v3/projects/"+projectID, "", http.StatusOK, &proj)
	user := name + "-" + c.suffix
	var out struct{ User struct{ ID string } }
	c.identity("POST", "/v3/users", `{"user":{"name":"`+user+`","password":"pw-`+user+`","domain_id":"default"}}`, http.StatusCreated, &out)
	c.created = append(c.created, "/v3/users/"+out.User.ID)
	for _, role := range roles {
		c.identity("PUT", "/v3/projects/"+projectID+"/users/"+out.User.ID+"/roles/"+c.roles[role], "", http.StatusNoContent, nil)
	}
	tok, _ := c.token(user, "pw-"+user, proj.Project.Name)
	return persona{name: name, token: tok, project: projectID}
}

// image sends an image API request as who.
func (c *cloud) image(who persona, method, path, body string) (int, []byte) {
	c.t.Helper()
	ct := ""
	switch {
	case method == "PATCH":
		ct = "application/openstack-images-v2.1-json-patch"
	case strings.HasSuffix(path, "/file"):
		ct = "application/octet-stream"
	case body != "":
		ct = "application/json"
	}
	return c.send(c.imageURL, who.token, method, path, ct, body)
}

// mustImage is image failing the test unless the answer has the status want.
func (c *cloud) mustImage(who persona, method, path, body string, want int) []byte {
	c.t.Helper()
	status, data := c.image(who, method, path, body)
	if status != want {
		c.t.Fatalf("%s %s %s: %d, want %d: %s", who.name, method, path, status, want, data)
	}
	return data
}

// uniqueName returns a fresh image name.
func (c *cloud) uniqueName(prefix string) string {
	c.seq++
	return fmt.Sprintf("%s-%s-%d", prefix, c.suffix, c.seq)
}

// listedIDs lists images as who with the query and returns their ids (following next links).
func (c *cloud) listedIDs(who persona, query string) (int, []string) {
	c.t.Helper()
	var ids []string
	path := "/v2/images?" + query
	for range 50 {
		status, data := c.image(who, "GET", path, "")
		if status != http.StatusOK {
			return status, nil
		}
		var page struct {
			Images []struct{ ID string }
			Next   string
		}
		if err := json.Unmarshal(data, &page); err != nil {
			c.t.Fatal(err)
		}
		for _, img := range page.Images {
			ids = append(ids, img.ID)
		}
		if page.Next == "" {
			break
		}
		path = page.Next
	}
	return http.StatusOK, ids
}

// newRole creates a global role.
func (c *cloud) newRole(name string) {
	c.t.Helper()
	var out struct{ Role struct{ ID string } }
	c.identity("POST", "/v3/roles", `{"role":{"name":"`+name+`"}}`, http.StatusCreated, &out)
	c.roles[name] = out.Role.ID
}
