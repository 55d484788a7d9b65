package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestUndecodableInput: invalid UTF-8 and NUL in the path, query or a JSON body are 400
// with Glance's "Error decoding your request" (Keystone's invalid-input 400 on the identity
// API), and never reach a database, where PostgreSQL cannot store NUL. Image data, which is
// not JSON, passes untouched.
func TestUndecodableInput(t *testing.T) {
	e := newImageEnv(t)
	id := e.createImage("admin", `{"name":"ok","disk_format":"raw","container_format":"bare"}`)
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v2/images?name=%ff", ""},
		{"GET", "/v2/images?name=a%00b", ""},
		{"GET", "/v2/images?marker=%00", ""},
		{"GET", "/v2/images/%ff", ""},
		{"POST", "/v2/images", `{"name":"a\u0000b"}`},
		{"POST", "/v2/images", `{"os_distro":"x\u0000"}`},
		{"PATCH", "/v2/images/" + id, `[{"op":"add","path":"/k","value":"\u0000"}]`},
		{"PUT", "/v2/images/" + id + "/tags/x%00", ""},
	} {
		ct := "Content-Type: application/json"
		if c.method == "PATCH" {
			ct = "Content-Type: application/openstack-images-v2.1-json-patch"
		}
		r := e.do("admin", c.method, c.path, c.body, ct)
		expectMessage(t, r, http.StatusBadRequest, undecodableMessage)
	}
	// A JSON body that is not UTF-8 is malformed JSON, as Glance's decoder says.
	r := e.do("admin", "POST", "/v2/images", "{\"name\":\"a\xffb\"}", "Content-Type: application/json")
	expectMessage(t, r, http.StatusBadRequest, "Malformed JSON in request body.")
	// Binary image data holds NUL bytes and invalid UTF-8, and is stored as sent.
	data := "\x00\xff\xfe binary \x00"
	e.upload("admin", id, data)
	expectText(t, e.do("admin", "GET", "/v2/images/"+id+"/file", ""), data)
	// Other characters are fine, escaped or not.
	e.createImage("admin", `{"name":"caf\u00e9 中文 \\u0000 literal","disk_format":"raw","container_format":"bare"}`)

	// The identity API: a NUL in a user name needs no token to be sent.
	ids := httptest.NewServer(e.server.IdentityHandler())
	defer ids.Close()
	resp, err := http.Post(ids.URL+"/v3/auth/tokens", "application/json", strings.NewReader(
		`{"auth":{"identity":{"methods":["password"],"password":{"user":{"name":"ad\u0000min","domain":{"id":"default"},"password":"x"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `"code":400`) {
		t.Errorf("identity token with a NUL user name: %d %s", resp.StatusCode, body)
	}
}

// TestFourByteUnicode: names, properties and tags outside the Basic Multilingual Plane are
// refused with the messages of Glance 25 (checked against the reference).
func TestFourByteUnicode(t *testing.T) {
	e := newImageEnv(t)
	for body, msg := range map[string]string{
		`{"name":"a😀","os_distro":"x"}`: "Name can't contain 4 byte unicode characters.",
		`{"name":"a","os_distro":"x😀"}`: "Os_Distro can't contain 4 byte unicode characters.",
		`{"name":"a","os😀":"x"}`:        "Property names can't contain 4 byte unicode.",
	} {
		r := e.do("admin", "POST", "/v2/images", body, "Content-Type: application/json", "Accept: application/json")
		expectMessage(t, r, http.StatusBadRequest, msg)
	}
	r := e.do("admin", "POST", "/v2/images", `{"name":"a","tags":["😀"]}`, "Content-Type: application/json", "Accept: application/json")
	expectMessage(t, r, http.StatusBadRequest, "Param values can't contain 4 byte unicode.")
	id := e.createImage("admin", `{"name":"ok"}`)
	expectMessage(t, e.patch("admin", id, `[{"op":"replace","path":"/name","value":"😀"}]`), http.StatusBadRequest,
		"Name can't contain 4 byte unicode characters.")
	expectMessage(t, e.patch("admin", id, `[{"op":"replace","path":"/tags","value":["😀"]}]`), http.StatusBadRequest,
		"Param values can't contain 4 byte unicode.")
	r = e.do("admin", "PUT", "/v2/images/"+id+"/tags/%F0%9F%98%80", "", "Accept: application/json")
	expectMessage(t, r, http.StatusBadRequest, "Could not update image: Param values can't contain 4 byte unicode.")
}

// TestHealthcheck: /healthcheck answers without a token on both APIs, as oslo.middleware's
// healthcheck in front of the real Glance 25 and Keystone 22 (checked against them).
func TestHealthcheck(t *testing.T) {
	e := newImageEnv(t)
	ids := httptest.NewServer(e.server.IdentityHandler())
	defer ids.Close()
	for _, c := range []struct {
		base, method string
		status       int
		body         string
	}{
		{e.srv.URL, "GET", 200, "OK"}, {e.srv.URL, "POST", 200, "OK"}, {e.srv.URL, "HEAD", 204, ""},
		{ids.URL, "GET", 200, ""}, {ids.URL, "HEAD", 204, ""},
	} {
		req, _ := http.NewRequest(c.method, c.base+"/healthcheck", nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != c.status || string(body) != c.body || (c.status == 200 && r.Header.Get("Content-Type") != "text/plain; charset=UTF-8") {
			t.Errorf("%s %s/healthcheck: %d %q %q, want %d %q", c.method, c.base, r.StatusCode, r.Header.Get("Content-Type"), body, c.status, c.body)
		}
	}
}
