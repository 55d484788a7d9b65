package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"sync/atomic"

	"github.com/google/uuid"
)

// newImageID returns a fresh image id shaped like Glance's (a UUID).
func newImageID() string { return uuid.NewString() }

// generated returns n deterministic pseudo-random bytes from seed, as a reader that never
// holds them all (so 64 MiB tests cost no memory). The reader is wrapped so that drivers
// cannot see a Len or WriterTo: they get a plain stream.
func generated(seed uint64, n int64) io.Reader {
	return struct{ io.Reader }{io.LimitReader(rand.NewChaCha8(seedOf(seed)), n)}
}

func seedOf(seed uint64) [32]byte {
	var s [32]byte
	for i := range 8 {
		s[i] = byte(seed >> (8 * i))
	}
	return s
}

// content returns the bytes generated(seed, n) yields; for small n only.
func content(seed uint64, n int64) []byte {
	b, err := io.ReadAll(generated(seed, n))
	if err != nil {
		panic(err)
	}
	return b
}

// digest returns the sha256 of everything r yields.
func digest(r io.Reader) ([32]byte, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum, n, err
}

var errReaderBroke = errors.New("storetest: the client went away")

// failingReader yields `after` bytes of generated data and then fails with errReaderBroke,
// like a client disconnecting mid-upload.
type failingReader struct {
	r     io.Reader
	after int64
	n     int64
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n >= f.after {
		return 0, errReaderBroke
	}
	if rest := f.after - f.n; int64(len(p)) > rest {
		p = p[:rest]
	}
	n, err := f.r.Read(p)
	f.n += int64(n)
	return n, err
}

// errReadOnAfterCancel is what cancellingReader returns when a driver keeps reading long
// after its ctx was cancelled; a driver that sees it has ignored ctx.
var errReadOnAfterCancel = errors.New("storetest: the store kept reading long after ctx was cancelled")

// slackAfterCancel is how much a driver may still read after ctx is cancelled (one buffered
// part of a multipart upload, say) before it is taken as ignoring ctx.
const slackAfterCancel = 64 << 20

// cancellingReader yields endless generated data and calls cancel once `after` bytes were
// read; it fails with errReadOnAfterCancel if the driver reads slackAfterCancel more.
type cancellingReader struct {
	r      io.Reader
	after  int64
	cancel func()
	n      atomic.Int64
}

func (c *cancellingReader) Read(p []byte) (int, error) {
	n := c.n.Load()
	if n >= c.after+slackAfterCancel {
		return 0, errReadOnAfterCancel
	}
	if n >= c.after {
		c.cancel()
	}
	m, err := c.r.Read(p)
	c.n.Add(int64(m))
	return m, err
}

// readAll opens url at offset/length and returns everything read.
func (h *harness) readAll(url string, offset, length int64) []byte {
	h.t.Helper()
	rc, err := h.store.Open(h.ctx(), url, offset, length)
	if err != nil {
		h.t.Fatalf("Open(%q, %d, %d): %v", url, offset, length, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		h.t.Fatalf("reading %q from %d length %d: %v", url, offset, length, err)
	}
	return b
}

// put stores n bytes generated from seed under imageID, with the size known or not, and
// fails the test on error or a wrong byte count.
func (h *harness) put(imageID string, seed uint64, n int64, sizeKnown bool) string {
	h.t.Helper()
	size := int64(-1)
	if sizeKnown {
		size = n
	}
	url, written, err := h.store.Put(h.ctx(), imageID, generated(seed, n), size)
	if err != nil {
		h.t.Fatalf("Put(%s, %d bytes, size %d): %v", imageID, n, size, err)
	}
	if written != n {
		h.t.Fatalf("Put(%s) wrote %d bytes, want %d", imageID, written, n)
	}
	if url == "" {
		h.t.Fatalf("Put(%s) returned an empty URL", imageID)
	}
	return url
}

// checkContent fails unless the object at url holds exactly the n bytes of seed.
func (h *harness) checkContent(url string, seed uint64, n int64) {
	h.t.Helper()
	if n <= 1<<20 {
		if got, want := h.readAll(url, 0, -1), content(seed, n); !bytes.Equal(got, want) {
			h.t.Fatalf("object %s holds %d bytes that differ from the %d written", url, len(got), len(want))
		}
		return
	}
	rc, err := h.store.Open(h.ctx(), url, 0, -1)
	if err != nil {
		h.t.Fatalf("Open(%q): %v", url, err)
	}
	defer rc.Close()
	got, gotN, err := digest(rc)
	if err != nil {
		h.t.Fatalf("reading %s: %v", url, err)
	}
	want, _, _ := digest(generated(seed, n))
	if gotN != n || got != want {
		h.t.Fatalf("object %s: read %d bytes (sha256 %x), want %d bytes (sha256 %x)", url, gotN, got, n, want)
	}
}

// delete removes url and fails the test on error.
func (h *harness) delete(url string) {
	h.t.Helper()
	if err := h.store.Delete(h.ctx(), url); err != nil {
		h.t.Fatalf("Delete(%q): %v", url, err)
	}
}
