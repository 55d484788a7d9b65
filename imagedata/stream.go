package imagedata

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"io"
)

// headerSize is how much of the data's start the sniffer keeps: the 512-byte header the
// format inspectors of Glance read (qcow2, vhd, vdi).
const headerSize = 512

// errTooLarge and errSizeMismatch are returned by the stream when the data passes the size
// cap or does not have the announced length; Upload turns them into application errors.
var (
	errTooLarge     = errors.New("imagedata: data exceeds the size cap")
	errSizeMismatch = errors.New("imagedata: data length differs from the announced size")
)

// stream is the single pass over an upload: it counts and hashes every byte it passes on,
// keeps the first headerSize bytes, and fails as soon as the data exceeds limit or,
// when size >= 0, differs from size. Nothing in it grows with the data.
//
// md5 runs in a helper goroutine beside sha512 for large chunks, so that hashing costs
// the slower of the two hashes rather than their sum; close stops that goroutine.
type stream struct {
	r       io.Reader
	limit   int64 // maximum bytes allowed
	size    int64 // announced bytes, or -1
	n       int64 // bytes passed on so far
	md5     *asyncHash
	sha512  hash.Hash
	header  [headerSize]byte
	vhdx    vhdxSizer // finds the virtual size of vhdx data as it passes
	readErr error     // the first error of r other than io.EOF
}

func newStream(r io.Reader, size, limit int64) *stream {
	return &stream{r: r, size: size, limit: limit, md5: newAsyncHash(md5.New()), sha512: sha512.New()}
}

// close stops the helper goroutine; the sums stay readable.
func (s *stream) close() { s.md5.close() }

// parallelMin is the smallest chunk worth handing to the helper goroutine.
const parallelMin = 64 << 10

// asyncHash is a hash fed by a goroutine of its own. start hands it a chunk and wait
// returns once the chunk is hashed; the caller must not touch the chunk in between.
type asyncHash struct {
	h    hash.Hash
	in   chan []byte
	done chan struct{}
}

func newAsyncHash(h hash.Hash) *asyncHash {
	a := &asyncHash{h: h, in: make(chan []byte), done: make(chan struct{})}
	go func() {
		for b := range a.in {
			a.h.Write(b)
			a.done <- struct{}{}
		}
	}()
	return a
}

func (a *asyncHash) start(b []byte) { a.in <- b }
func (a *asyncHash) wait()          { <-a.done }
func (a *asyncHash) close()         { close(a.in) }

func (s *stream) Read(p []byte) (int, error) {
	// Never ask for more than one byte past what may still come, so an oversized
	// upload is caught without reading (and storing) far past the limit.
	allowed := s.limit - s.n
	if s.size >= 0 {
		allowed = min(allowed, s.size-s.n)
	}
	if allowed < int64(len(p)) {
		p = p[:max(allowed, 0)+1]
	}
	// Fill p rather than taking what one Read of the network gives (often a few KiB), so
	// that chunks are large enough for the two hashes to run side by side.
	m, err := io.ReadFull(s.r, p)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if m > 0 {
		chunk := p[:m]
		if s.n < headerSize {
			copy(s.header[s.n:], chunk)
		}
		s.vhdx.Write(chunk)
		s.n += int64(m)
		switch {
		case s.n > s.limit:
			return 0, errTooLarge
		case s.size >= 0 && s.n > s.size:
			return 0, errSizeMismatch
		}
		if len(chunk) >= parallelMin {
			s.md5.start(chunk)
			s.sha512.Write(chunk)
			s.md5.wait()
		} else {
			s.md5.h.Write(chunk)
			s.sha512.Write(chunk)
		}
	}
	if err == io.EOF && s.size >= 0 && s.n != s.size {
		return m, errSizeMismatch
	}
	if err != nil && err != io.EOF && s.readErr == nil {
		s.readErr = err
	}
	return m, err
}

// head returns the captured start of the data (at most headerSize bytes).
func (s *stream) head() []byte { return s.header[:min(s.n, headerSize)] }

func (s *stream) checksum() string  { return hex.EncodeToString(s.md5.h.Sum(nil)) }
func (s *stream) multihash() string { return hex.EncodeToString(s.sha512.Sum(nil)) }
