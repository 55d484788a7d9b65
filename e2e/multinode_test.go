package e2e

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// The multi-node tests run two `glimpse serve` processes on different ports that share
// what a deployment behind a load balancer shares: one PostgreSQL or MySQL database
// (GLIMPSE_DATABASE), one token keys file (GLIMPSE_TOKEN_KEYS_FILE) and one filesystem
// store directory (a config file's stores). Each node keeps its own data directory for
// openrc and clouds.yaml. They skip, naming the variable, when the server DSN is unset.

func TestMultiNodePostgres(t *testing.T) { testMultiNode(t, sqltest.PostgresEnv) }

func TestMultiNodeMySQL(t *testing.T) { testMultiNode(t, sqltest.MySQLEnv) }

// TestMultiNodeConcurrentStartPostgres and …MySQL start two nodes on one empty database
// at the same moment: both migrate and bootstrap at once, and both must come up and agree.
func TestMultiNodeConcurrentStartPostgres(t *testing.T) {
	testMultiNodeConcurrentStart(t, sqltest.PostgresEnv)
}

func TestMultiNodeConcurrentStartMySQL(t *testing.T) {
	testMultiNodeConcurrentStart(t, sqltest.MySQLEnv)
}

const multiNodeAdminPassword = "multi-node-secret"

// sharedEnv creates a throwaway database on the server of env, a shared directory for the
// token keys and image files, and returns the environment every node gets.
func sharedEnv(t *testing.T, env string) (vars []string, imagesDir string) {
	t.Helper()
	dsn := sqltest.NewDatabase(t, env)
	shared := t.TempDir()
	imagesDir = filepath.Join(shared, "images")
	config := filepath.Join(shared, "glimpse.yaml")
	yaml := fmt.Sprintf("stores:\n  - id: file\n    type: filesystem\n    path: %q\n", imagesDir)
	if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{
		"GLIMPSE_DATABASE=" + dsn,
		"GLIMPSE_TOKEN_KEYS_FILE=" + filepath.Join(shared, "token-keys"),
		"GLIMPSE_CONFIG=" + config,
		"GLIMPSE_ADMIN_PASSWORD=" + multiNodeAdminPassword,
	}, imagesDir
}

func testMultiNode(t *testing.T, env string) {
	vars, imagesDir := sharedEnv(t, env)
	// One after the other, as the README says to start nodes (the first migrates and
	// bootstraps, the second finds everything in place).
	a := startGlimpse(t, vars...)
	b := startGlimpse(t, vars...)

	// A token issued by node A works on node B, and one issued by B on A.
	tokenA := a.issueToken()
	b.mustValidate(tokenA)
	tokenB := b.issueToken()
	a.mustValidate(tokenB)

	// An image created and uploaded on A is listed, shown and downloaded on B.
	status, _, body := a.do("POST", "/v2/images", tokenA, map[string]string{"Content-Type": "application/json"},
		strings.NewReader(`{"name": "multi-node", "disk_format": "raw", "container_format": "bare", "visibility": "private"}`))
	if status != http.StatusCreated {
		t.Fatalf("create on A: %d %s", status, body)
	}
	id, _ := decode(t, body)["id"].(string)
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	status, _, body = a.do("PUT", "/v2/images/"+id+"/file", tokenA,
		map[string]string{"Content-Type": "application/octet-stream"}, bytes.NewReader(data))
	if status != http.StatusNoContent {
		t.Fatalf("upload on A: %d %s", status, body)
	}
	if files, _ := os.ReadDir(imagesDir); len(files) != 1 {
		t.Fatalf("shared store holds %d files after one upload, want 1", len(files))
	}

	status, _, body = b.do("GET", "/v2/images", tokenA, nil, nil)
	if status != http.StatusOK || !slices.Contains(listedIDs(t, body), id) {
		t.Fatalf("list on B: %d, image %s missing from %s", status, id, body)
	}
	status, _, body = b.do("GET", "/v2/images/"+id, tokenB, nil, nil)
	shown := decode(t, body)
	if status != http.StatusOK || shown["status"] != "active" || shown["size"] != float64(len(data)) {
		t.Fatalf("show on B: %d %s", status, body)
	}
	status, _, body = b.do("GET", "/v2/images/"+id+"/file", tokenB, nil, nil)
	if status != http.StatusOK || sha256.Sum256(body) != sha256.Sum256(data) {
		t.Fatalf("download on B: %d, %d bytes, want the %d uploaded on A", status, len(body), len(data))
	}

	// A PATCH on B is seen on A.
	status, _, body = b.do("PATCH", "/v2/images/"+id, tokenB,
		map[string]string{"Content-Type": "application/openstack-images-v2.1-json-patch"},
		strings.NewReader(`[{"op": "replace", "path": "/name", "value": "renamed-on-b"},
			{"op": "add", "path": "/os_distro", "value": "ubuntu"}, {"op": "add", "path": "/tags", "value": ["from-b"]}]`))
	if status != http.StatusOK {
		t.Fatalf("patch on B: %d %s", status, body)
	}
	status, _, body = a.do("GET", "/v2/images/"+id, tokenA, nil, nil)
	seen := decode(t, body)
	if status != http.StatusOK || seen["name"] != "renamed-on-b" || seen["os_distro"] != "ubuntu" ||
		fmt.Sprint(seen["tags"]) != "[from-b]" {
		t.Fatalf("show on A after the patch on B: %d %s", status, body)
	}
	status, _, body = a.do("GET", "/v2/images?os_distro=ubuntu", tokenA, nil, nil)
	if status != http.StatusOK || !slices.Equal(listedIDs(t, body), []string{id}) {
		t.Fatalf("property-filtered list on A: %d %s", status, body)
	}

	// Deleting on A removes it on B: not shown, not listed, no data, and the file is gone.
	if status, _, body = a.do("DELETE", "/v2/images/"+id, tokenA, nil, nil); status != http.StatusNoContent {
		t.Fatalf("delete on A: %d %s", status, body)
	}
	if status, _, body = b.do("GET", "/v2/images/"+id, tokenB, nil, nil); status != http.StatusNotFound {
		t.Fatalf("show on B after the delete on A: %d %s", status, body)
	}
	if status, _, body = b.do("GET", "/v2/images/"+id+"/file", tokenB, nil, nil); status != http.StatusNotFound {
		t.Fatalf("download on B after the delete on A: %d %s", status, body)
	}
	status, _, body = b.do("GET", "/v2/images", tokenB, nil, nil)
	if status != http.StatusOK || slices.Contains(listedIDs(t, body), id) {
		t.Fatalf("list on B after the delete on A: %d %s", status, body)
	}
	if files, _ := os.ReadDir(imagesDir); len(files) != 0 {
		t.Errorf("shared store holds %d files after the delete", len(files))
	}
}

func testMultiNodeConcurrentStart(t *testing.T, env string) {
	vars, _ := sharedEnv(t, env)
	nodes := []*node{spawnGlimpse(t, vars...), spawnGlimpse(t, vars...)}
	for i, n := range nodes {
		if err := n.waitReady(); err != nil {
			t.Fatalf("node %d of 2 started at once: %v", i, err)
		}
	}
	a, b := nodes[0], nodes[1]
	b.mustValidate(a.issueToken())
	a.mustValidate(b.issueToken())
	// Both bootstraps together made one admin, one of each role and project, one catalog.
	token := a.issueToken()
	for path, want := range map[string]int{"/v3/users?name=admin": 1, "/v3/projects?name=admin": 1,
		"/v3/roles?name=admin": 1, "/v3/services?type=image": 1, "/v3/services?type=identity": 1} {
		status, body := a.identity("GET", path, token, nil)
		var m map[string]any
		json.Unmarshal(body, &m)
		var n int
		for _, v := range m {
			if list, ok := v.([]any); ok {
				n = len(list)
			}
		}
		if status != http.StatusOK || n != want {
			t.Errorf("GET %s: %d, %d objects, want %d: %s", path, status, n, want, body)
		}
	}
}

// identity sends one request to the node's identity API.
func (n *node) identity(method, path, token string, body any) (int, []byte) {
	n.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.identityURL+path, r)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if strings.HasPrefix(path, "/v3/auth/tokens") && method == "GET" {
		req.Header.Set("X-Subject-Token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if method == "POST" && path == "/v3/auth/tokens" && resp.StatusCode == http.StatusCreated {
		return resp.StatusCode, []byte(resp.Header.Get("X-Subject-Token"))
	}
	return resp.StatusCode, data
}

// issueToken issues a project-scoped admin token with the shared admin password
// (POST /v3/auth/tokens) and returns it.
func (n *node) issueToken() string {
	n.t.Helper()
	status, token := n.identity("POST", "/v3/auth/tokens", "", map[string]any{"auth": map[string]any{
		"identity": map[string]any{"methods": []string{"password"}, "password": map[string]any{"user": map[string]any{
			"name": "admin", "domain": map[string]any{"id": "default"}, "password": multiNodeAdminPassword}}},
		"scope": map[string]any{"project": map[string]any{"name": "admin", "domain": map[string]any{"id": "default"}}},
	}})
	if status != http.StatusCreated || len(token) == 0 {
		n.t.Fatalf("issue token on %s: %d %s", n.identityURL, status, token)
	}
	return string(token)
}

// mustValidate checks the token on this node: GET /v3/auth/tokens and an image listing.
func (n *node) mustValidate(token string) {
	n.t.Helper()
	if status, body := n.identity("GET", "/v3/auth/tokens", token, nil); status != http.StatusOK {
		n.t.Fatalf("validate on %s: %d %s", n.identityURL, status, body)
	}
	if status, _, body := n.do("GET", "/v2/images", token, nil, nil); status != http.StatusOK {
		n.t.Fatalf("list images on %s with the token: %d %s", n.imageURL, status, body)
	}
}

// listedIDs returns the ids of a GET /v2/images body.
func listedIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var page struct {
		Images []struct {
			ID string `json:"id"`
		} `json:"images"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		t.Fatalf("not an image list: %v\n%s", err, body)
	}
	ids := make([]string, len(page.Images))
	for i, img := range page.Images {
		ids[i] = img.ID
	}
	return ids
}
