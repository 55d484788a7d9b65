package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBadInput checks that bad requests get Glance's status and message, and lose nothing.
func TestBadInput(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	n := startGlimpse(t)
	token := n.token()
	jsonHdr := map[string]string{"Content-Type": "application/json"}

	status, _, body := n.do("POST", "/v2/images", token, jsonHdr, strings.NewReader(`{"name": "x",`))
	expect(t, "malformed JSON", status, body, 400, "Malformed JSON in request body.")

	status, _, body = n.do("POST", "/v2/images", token, jsonHdr, strings.NewReader(`{"name": "x", "disk_format": "floppy"}`))
	expect(t, "unknown disk_format", status, body, 400, "floppy")

	status, hdr, body := n.do("POST", "/v2/images", token, jsonHdr,
		strings.NewReader(`{"name": "bad-input", "disk_format": "raw", "container_format": "bare"}`))
	expect(t, "create", status, body, 201, `"status": "queued"`)
	id := decode(t, body)["id"].(string)
	if hdr.Get("Location") == "" || !strings.HasPrefix(hdr.Get("x-openstack-request-id"), "req-") {
		t.Errorf("create headers: %v", hdr)
	}

	status, _, body = n.do("PATCH", "/v2/images/"+id, token, jsonHdr,
		strings.NewReader(`[{"op": "replace", "path": "/name", "value": "y"}]`))
	expect(t, "PATCH with application/json", status, body, 415, "")

	status, _, body = n.do("PUT", "/v2/images/"+id+"/file", token,
		map[string]string{"Content-Type": "application/octet-stream"}, strings.NewReader("first upload"))
	expect(t, "upload", status, body, 204, "")
	status, _, body = n.do("PUT", "/v2/images/"+id+"/file", token,
		map[string]string{"Content-Type": "application/octet-stream"}, strings.NewReader("second upload"))
	expect(t, "upload to an active image", status, body, 409, "Image status transition from active to saving is not allowed")
	status, _, body = n.do("GET", "/v2/images/"+id+"/file", token, nil, nil)
	expect(t, "download after the refused upload", status, body, 200, "first upload")

	status, _, body = n.do("GET", "/v2/images/00000000-0000-4000-8000-000000000000", token, nil, nil)
	expect(t, "unknown image", status, body, 404, "No image found with ID 00000000-0000-4000-8000-000000000000")

	status, hdr, body = n.do("GET", "/v2/images", "", nil, nil)
	expect(t, "no token", status, body, 401, "")
	if hdr.Get("WWW-Authenticate") != fmt.Sprintf("Keystone uri=%q", n.identityURL) {
		t.Errorf("401 WWW-Authenticate = %q", hdr.Get("WWW-Authenticate"))
	}
	status, _, body = n.do("GET", "/v2/images", token+"x", nil, nil)
	expect(t, "bad token", status, body, 401, "")
}

// TestExpiredToken starts glimpse with a one-second token lifetime.
func TestExpiredToken(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	n := startGlimpse(t, "GLIMPSE_TOKEN_TTL=1s")
	token := n.token()
	time.Sleep(1500 * time.Millisecond) // let the token expire; not a timing assertion
	status, _, body := n.do("GET", "/v2/images", token, nil, nil)
	expect(t, "expired token", status, body, 401, "")
}

// TestInterruptedUpload cuts an upload off midway, by the client and by stopping the
// server, and checks that the image is queued again with no bytes left in the store.
func TestInterruptedUpload(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	n := startGlimpse(t)
	token := n.token()
	create := func() string {
		status, _, body := n.do("POST", "/v2/images", token, map[string]string{"Content-Type": "application/json"},
			strings.NewReader(`{"name": "cut", "disk_format": "raw", "container_format": "bare"}`))
		expect(t, "create", status, body, 201, "")
		return decode(t, body)["id"].(string)
	}

	id := create()
	conn := n.startUpload(t, id, token, 64<<20, 8<<20)
	conn.Close() // the client goes away after 8 MiB of 64 MiB
	n.waitStatus(t, id, token, "queued")
	n.expectEmptyStore(t)

	// After an interruption the image takes a new upload.
	status, _, body := n.do("PUT", "/v2/images/"+id+"/file", token,
		map[string]string{"Content-Type": "application/octet-stream"}, strings.NewReader("complete"))
	expect(t, "upload after an interrupted one", status, body, 204, "")
	n.waitStatus(t, id, token, "active")
}

func (n *node) startUpload(t *testing.T, id, token string, size, send int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(n.imageURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "PUT /v2/images/%s/file HTTP/1.1\r\nHost: x\r\nX-Auth-Token: %s\r\n"+
		"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", id, token, size)
	chunk := make([]byte, 1<<20)
	for sent := 0; sent < send; sent += len(chunk) {
		if _, err := conn.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until the server has moved the image to saving, so the cut lands mid-stream.
	n.waitStatus(t, id, token, "saving")
	return conn
}

func (n *node) waitStatus(t *testing.T, id, token, want string) {
	t.Helper()
	var last string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		status, _, body := n.do("GET", "/v2/images/"+id, token, nil, nil)
		if status != 200 {
			t.Fatalf("show: %d %s", status, body)
		}
		if last = decode(t, body)["status"].(string); last == want {
			return
		}
	}
	t.Fatalf("image %s stayed %s, want %s", id, last, want)
}

func (n *node) expectEmptyStore(t *testing.T) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Join(n.dataDir, "images"))
	for _, e := range entries {
		t.Errorf("store holds %s after an interrupted upload", e.Name())
	}
}

func expect(t *testing.T, what string, status int, body []byte, wantStatus int, wantInBody string) {
	t.Helper()
	if status != wantStatus || !strings.Contains(string(body), wantInBody) {
		t.Errorf("%s: got %d %s\nwant %d with %q", what, status, body, wantStatus, wantInBody)
	}
}
