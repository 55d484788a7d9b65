package httpapi

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestImageDataRanges checks ranged downloads against what the reference Glance answers
// for the same 11-byte image.
func TestImageDataRanges(t *testing.T) {
	e := newImageEnv(t)
	id := e.createImage("demo", `{"name":"r","disk_format":"raw","container_format":"bare"}`)
	e.upload("demo", id, "hello world")
	for _, c := range []struct {
		rng, want, contentRange string
	}{
		{"bytes=5-100", " world", "bytes 5-10/11"},
		{"bytes=-3", "rld", "bytes 8-10/11"},
		{"bytes=3-", "lo world", "bytes 3-10/11"},
		{"bytes=0-0", "h", "bytes 0-0/11"},
		{"bytes=-100", "hello world", "bytes 0-10/11"},
		{"bytes=-0", "hello world", "bytes 0-10/11"},
		{"BYTES = 1 - 2", "el", "bytes 1-2/11"},
		{"content-range bytes 1-2/11", "el", "bytes 1-2/11"},
	} {
		header := "Range: " + c.rng
		if rest, ok := strings.CutPrefix(c.rng, "content-range "); ok {
			header = "Content-Range: " + rest
		}
		r := e.do("demo", "GET", "/v2/images/"+id+"/file", "", header)
		mustStatus(t, r, http.StatusPartialContent)
		expectHeader(t, r, "Content-Range", c.contentRange)
		expectHeader(t, r, "Content-MD5", "5eb63bbbe01eeed093cb22bb8f5acdc3")
		expectText(t, r, c.want)
	}
	for _, c := range []struct {
		rng    string
		status int
		text   string
	}{
		{"bytes=20-30", 416, "The Range requested is not available.<br /><br />\nInvalid start position in Range header. Start position MUST be in the inclusive range [0, 10].\n\n"},
		{"bytes=5-2", 416, "The Range requested is not available.<br /><br />\nInvalid Range header.\n\n"},
		{"items=0-1", 416, "The Range requested is not available.<br /><br />\nInvalid Range header.\n\n"},
		{"bytes=0-1,3-4", 400, "Requests with multiple ranges are not supported in Glance. You may make multiple single-range requests instead.<br /><br />\n\n\n"},
	} {
		r := e.do("demo", "GET", "/v2/images/"+id+"/file", "", "Range: "+c.rng)
		mustStatus(t, r, c.status)
		expectText(t, r, webobHTML(c.status, c.text))
	}
}

// TestImageDataChunkedUpload streams a body of unknown length (Transfer-Encoding: chunked)
// and reads it back whole.
func TestImageDataChunkedUpload(t *testing.T) {
	e := newImageEnv(t)
	id := e.createImage("demo", `{"name":"big","disk_format":"raw","container_format":"bare"}`)
	data := make([]byte, 3<<20+17)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	go func() {
		for off := 0; off < len(data); off += 64 << 10 {
			pw.Write(data[off:min(off+64<<10, len(data))])
		}
		pw.Close()
	}()
	req, err := http.NewRequest("PUT", e.srv.URL+"/v2/images/"+id+"/file", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Auth-Token", e.tokens["demo"])
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("chunked upload: status %d", resp.StatusCode)
	}
	sum := md5.Sum(data)
	img := e.do("demo", "GET", "/v2/images/"+id, "").json(t)
	if img["checksum"] != hex.EncodeToString(sum[:]) || img["size"] != float64(len(data)) || img["status"] != "active" {
		t.Errorf("after chunked upload: checksum %v size %v status %v", img["checksum"], img["size"], img["status"])
	}
	r := e.do("demo", "GET", "/v2/images/"+id+"/file", "")
	mustStatus(t, r, http.StatusOK)
	if !bytes.Equal(r.Body, data) {
		t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(r.Body), len(data))
	}
	expectHeader(t, r, "Content-MD5", hex.EncodeToString(sum[:]))
}

// TestImageDataAccess: who may upload, as the reference Glance answers.
func TestImageDataAccess(t *testing.T) {
	e := newImageEnv(t)
	public := e.createImage("admin", `{"name":"pub","visibility":"public","disk_format":"raw","container_format":"bare"}`)
	r := e.do("demo", "PUT", "/v2/images/"+public+"/file", "x", "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusForbidden)
	expectText(t, r, webobHTML(403, "Not allowed to upload image data for image "+public+"<br /><br />\n\n\n"))
	private := e.createImage("admin", `{"name":"priv","visibility":"private"}`)
	r = e.do("demo", "PUT", "/v2/images/"+private+"/file", "x", "Content-Type: application/octet-stream")
	mustStatus(t, r, http.StatusNotFound)
	expectText(t, r, webobHTML(404, "No image found with ID "+private+"<br /><br />\n\n\n"))
	r = e.do("demo", "GET", "/v2/images/"+private+"/file", "")
	mustStatus(t, r, http.StatusNotFound)
	r = e.do("admin", "PUT", "/v2/images/"+public+"/file", "x", "Content-Type: text/plain")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	expectText(t, r, webobHTML(415, "The request media type text/plain is not supported by this server.\n<br /><br />\n"))
	r = e.do("admin", "PUT", "/v2/images/"+public+"/file", "x", "Content-Type: Application/Octet-Stream")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	r = e.do("admin", "PUT", "/v2/images/"+public+"/file", "x")
	mustStatus(t, r, http.StatusUnsupportedMediaType)
	expectText(t, r, webobHTML(415, "The request media type ${CONTENT_TYPE} is not supported by this server.\n<br /><br />\n"))

	// Formats must be set first; the image stays queued.
	bare := e.createImage("demo", `{"name":"no formats"}`)
	r = e.do("demo", "PUT", "/v2/images/"+bare+"/file", "x", "Content-Type: application/octet-stream; charset=x")
	mustStatus(t, r, http.StatusBadRequest)
	expectText(t, r, webobHTML(400, "Properties disk_format, container_format must be set prior to saving data.<br /><br />\n\n\n"))
	if status := e.do("demo", "GET", "/v2/images/"+bare, "").json(t)["status"]; status != "queued" {
		t.Errorf("status after a refused upload = %v", status)
	}
}

func TestParseByteRange(t *testing.T) {
	for _, c := range []struct {
		header     string
		size       int64
		start, end int64
		status     int
	}{
		{"bytes=0-9", 46, 0, 9, 0},
		{"bytes=40-", 46, 40, 45, 0},
		{"bytes=-6", 46, 40, 45, 0},
		{"bytes=45-1000", 46, 45, 45, 0},
		{" bytes = 1 - 2 ", 46, 1, 2, 0},
		{"bytes=46-", 46, 0, 0, 416},
		{"bytes=0-", 0, 0, 0, 416},
		{"bytes=-0", 46, 0, 45, 0},
		{"Bytes = 3 - 4", 46, 3, 4, 0},
		{"bytes=a-b", 46, 0, 0, 416},
		{"bytes=", 46, 0, 0, 416},
		{"bytes=1-2,4-5", 46, 0, 0, 400},
	} {
		start, end, err := parseByteRange(c.header, c.size)
		if c.status != 0 {
			if err == nil || asWebob(err).status != c.status {
				t.Errorf("parseByteRange(%q, %d) = %d, %d, %v; want status %d", c.header, c.size, start, end, err, c.status)
			}
			continue
		}
		if err != nil || start != c.start || end != c.end {
			t.Errorf("parseByteRange(%q, %d) = %d, %d, %v; want %d, %d", c.header, c.size, start, end, err, c.start, c.end)
		}
	}
}
