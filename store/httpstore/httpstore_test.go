package httpstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse/urlfilter"
)

// server serves data at /image, honouring Range when ranges is true, and 404 elsewhere.
func server(t *testing.T, data []byte, ranges bool) (*httptest.Server, *Store) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/image" {
			http.NotFound(w, r)
			return
		}
		if ranges {
			http.ServeContent(w, r, "image", time.Time{}, bytes.NewReader(data))
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		if r.Method != http.MethodHead {
			w.Write(data)
		}
	}))
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	return srv, New(&urlfilter.Filter{AllowedSchemes: []string{"http"}, AllowedPorts: []int{port}, AllowedHosts: []string{"127.0.0.1"}})
}

func TestStatAndOpen(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 1000)
	for _, ranges := range []bool{true, false} {
		srv, st := server(t, data, ranges)
		ctx := context.Background()
		n, err := st.Stat(ctx, srv.URL+"/image")
		if err != nil || n != int64(len(data)) {
			t.Fatalf("ranges=%v: Stat = %d, %v; want %d", ranges, n, err, len(data))
		}
		for _, c := range []struct{ offset, length int64 }{{0, -1}, {0, 10}, {5, -1}, {9995, 5}, {123, 456}, {7, 0}} {
			rc, err := st.Open(ctx, srv.URL+"/image", c.offset, c.length)
			if err != nil {
				t.Fatalf("ranges=%v: Open(%d, %d): %v", ranges, c.offset, c.length, err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			end := int64(len(data))
			if c.length >= 0 {
				end = c.offset + c.length
			}
			if err != nil || !bytes.Equal(got, data[c.offset:end]) {
				t.Fatalf("ranges=%v: Open(%d, %d) read %d bytes (%v), want data[%d:%d]", ranges, c.offset, c.length, len(got), err, c.offset, end)
			}
		}
		if _, err := st.Stat(ctx, srv.URL+"/missing"); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Stat of a 404: %v, want fs.ErrNotExist", err)
		}
		if _, err := st.Open(ctx, srv.URL+"/missing", 0, -1); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Open of a 404: %v, want fs.ErrNotExist", err)
		}
	}
}

// TestFilterAndSchemes: the filter decides before any request is sent, and only http(s)
// URLs are external locations.
func TestFilterAndSchemes(t *testing.T) {
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests++ }))
	defer srv.Close()
	st := New(nil) // Glance's default filter: ports 80 and 443, no loopback
	ctx := context.Background()
	if _, err := st.Stat(ctx, srv.URL+"/image"); err == nil {
		t.Fatal("Stat of a loopback URL on another port passed the default filter")
	}
	if _, err := st.Open(ctx, srv.URL+"/image", 0, -1); err == nil {
		t.Fatal("Open of a loopback URL passed the default filter")
	}
	if requests != 0 {
		t.Fatalf("%d requests reached the server", requests)
	}
	for _, u := range []string{"file:///etc/passwd", "gopher://info.cern.ch", "swift+config://x/y", "http://127.0.0.1/x", "http://169.254.169.254/latest"} {
		if err := st.Check(u); err == nil {
			t.Errorf("Check(%s) passed", u)
		}
	}
	if err := st.Check("https://images.example.org/cirros.img"); err != nil {
		t.Errorf("Check of a public https URL: %v", err)
	}
	if _, _, err := st.Put(ctx, "id", bytes.NewReader(nil), 0); !errors.Is(err, ErrReadOnly) {
		t.Errorf("Put: %v, want ErrReadOnly", err)
	}
}

// TestStalledServer: a read that gets no data for IdleTimeout fails instead of hanging.
func TestStalledServer(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		w.Write([]byte("ten bytes."))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	u, _ := url.Parse(srv.URL)
	port, _ := strconv.Atoi(u.Port())
	st := New(&urlfilter.Filter{AllowedSchemes: []string{"http"}, AllowedPorts: []int{port}, AllowedHosts: []string{"127.0.0.1"}})
	st.IdleTimeout = 200 * time.Millisecond
	rc, err := st.Open(context.Background(), srv.URL+"/image", 0, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	start := time.Now()
	got, err := io.ReadAll(rc)
	if err == nil || string(got) != "ten bytes." {
		t.Fatalf("read %q, %v; want the first ten bytes and an error", got, err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("the stalled read took %s", waited)
	}
}
