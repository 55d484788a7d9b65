package imagedata_test

import (
	"context"
	"io"
	"math/rand/v2"
	"testing"
)

// patternReader yields n bytes by repeating one random 64 KiB block, so the benchmark
// measures the upload path rather than the generator.
type patternReader struct {
	block []byte
	n     int64
	off   int
}

func newPatternReader(n int64) *patternReader {
	block := make([]byte, 64<<10)
	rand.NewChaCha8([32]byte{1}).Read(block)
	return &patternReader{block: block, n: n}
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n <= 0 {
		return 0, io.EOF
	}
	b = b[:min(int64(len(b)), p.n)]
	total := 0
	for total < len(b) {
		c := copy(b[total:], p.block[p.off:])
		total += c
		p.off = (p.off + c) % len(p.block)
	}
	p.n -= int64(total)
	return total, nil
}

// BenchmarkUpload streams 256 MiB per operation through Upload (md5 + sha512 + the size cap)
// into the filesystem store with a real SQLite database. MB/s is the upload throughput;
// B/op shows that memory does not grow with the image size.
func BenchmarkUpload(b *testing.B) {
	const size = 256 << 20
	e := newEnv(b, 0)
	ctx := context.Background()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		id := e.createImage("raw", "bare")
		r := newPatternReader(size)
		b.StartTimer()
		img, err := e.svc.Upload(ctx, id, r, -1)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := e.svc.DeleteData(ctx, img); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
