package filesystem

import (
	"context"
	"io"
	"sync"
)

// bufferSize is the size of the one buffer a Put streams through, whatever the image size.
const bufferSize = 1 << 20

var buffers = sync.Pool{New: func() any { b := make([]byte, bufferSize); return &b }}

// copyContext copies r to w through a pooled 1 MiB buffer until r's EOF, checking ctx
// before every read. It returns the bytes written and the first error of ctx, r or w.
func copyContext(ctx context.Context, w io.Writer, r io.Reader) (int64, error) {
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	buf := *bp
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		nr, rerr := r.Read(buf)
		if nr > 0 {
			nw, werr := w.Write(buf[:nr])
			n += int64(nw)
			if werr != nil {
				return n, werr
			}
			if nw != nr {
				return n, io.ErrShortWrite
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}
