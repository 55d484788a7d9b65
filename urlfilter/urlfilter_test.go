package urlfilter

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFilterCheck(t *testing.T) {
	def := Default()
	local := Default()
	local.AllowedHosts = []string{"127.0.0.1"}
	anyPort := &Filter{AllowedSchemes: []string{"http"}, DisallowedPorts: []int{25}, DisallowedHosts: []string{"evil.example"}}
	tests := []struct {
		f    *Filter
		url  string
		pass bool
	}{
		{def, "http://example.com/disk.img", true},
		{def, "https://example.com/disk.img", true},
		{def, "http://example.com:443/disk.img", true},
		{def, "http://does-not.exist/no/possible/way", true}, // not resolved at request time
		{def, "ftp://example.com/disk.img", false},
		{def, "file:///etc/passwd", false},
		{def, "http://example.com:8080/disk.img", false},
		{def, "http://127.0.0.1/disk.img", false},
		{def, "http://127.1.2.3/disk.img", false},
		{def, "http://localhost/disk.img", false},
		{def, "http://[::1]/disk.img", false},
		{def, "http://169.254.169.254/latest/meta-data", false},
		{def, "http://0.0.0.0/disk.img", false},
		{def, "", false},
		{def, "not a url", false},
		{local, "http://127.0.0.1/tempest-image.img", true},
		{local, "http://127.0.0.2/disk.img", false},
		{local, "http://example.com/disk.img", true}, // allowing a loopback host forbids nothing else
		{anyPort, "http://example.com:8080/x", true},
		{anyPort, "http://example.com:25/x", false},
		{anyPort, "http://EVIL.example/x", false},
		{anyPort, "https://example.com/x", false},
	}
	for _, tt := range tests {
		err := tt.f.Check(tt.url)
		if (err == nil) != tt.pass {
			t.Errorf("Check(%q) with %+v = %v, want pass %v", tt.url, tt.f, err, tt.pass)
		}
	}
}

// TestFilterClient fetches through the filtered client: an allowed loopback server
// answers; a redirect to a host that fails the filter is refused; a name resolving to
// loopback is refused unless allowed, even though the URL itself passes.
func TestFilterClient(t *testing.T) {
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "payload")
	}))
	defer target.Close()
	port := target.Listener.Addr().(*net.TCPAddr).Port
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, strings.Replace(target.URL, "127.0.0.1", "localhost", 1)+"/x", http.StatusFound)
	}))
	defer redirector.Close()
	rport := redirector.Listener.Addr().(*net.TCPAddr).Port

	f := &Filter{AllowedSchemes: []string{"http"}, AllowedPorts: []int{port, rport}, AllowedHosts: []string{"127.0.0.1"}}
	resp, err := f.Client().Get(target.URL + "/disk.img")
	if err != nil {
		t.Fatalf("allowed loopback host: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if _, err := f.Client().Get(redirector.URL + "/"); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("redirect to localhost: err = %v, want a refused redirect", err)
	}
	// The URL check passes for a name, but the dialer refuses the loopback address it
	// resolves to.
	g := &Filter{AllowedSchemes: []string{"http"}}
	if _, err := g.Client().Get(fmt.Sprintf("http://localhost.:%d/x", port)); err == nil {
		t.Fatal("a name resolving to loopback was fetched")
	}
}
