package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"sync"
	"testing"
)

func testRoundTrip(h *harness) {
	for _, n := range []int64{0, 1, 1 << 20, 64<<20 + 123} {
		for _, known := range []bool{false, true} {
			h.t.Run(fmt.Sprintf("%dB/sizeKnown=%v", n, known), func(t *testing.T) {
				h := &harness{t: t, store: h.store, leftovers: h.leftovers}
				seed := uint64(n) + 1
				url := h.put(newImageID(), seed, n, known)
				h.checkContent(url, seed, n)
				if size, err := h.store.Stat(h.ctx(), url); err != nil || size != n {
					t.Errorf("Stat = %d, %v; want %d, nil", size, err, n)
				}
				h.delete(url)
			})
		}
	}
}

func testRangedReads(h *harness) {
	const n = 1000
	data := content(42, n)
	url := h.put(newImageID(), 42, n, true)
	defer h.delete(url)
	for _, c := range []struct {
		offset, length int64
		want           []byte
	}{
		{0, -1, data},
		{100, -1, data[100:]},
		{100, 50, data[100:150]},
		{999, 1, data[999:]},
		{990, 50, data[990:]},            // length past the end
		{990, math.MaxInt64, data[990:]}, // no overflow
		{0, 0, nil},                      // empty range
		{n, -1, nil},                     // offset at the end
		{0, n, data},
	} {
		got := h.readAll(url, c.offset, c.length)
		if !bytes.Equal(got, c.want) {
			h.t.Errorf("Open(offset %d, length %d) read %d bytes, want %d (same bytes: %v)",
				c.offset, c.length, len(got), len(c.want), bytes.HasPrefix(data[min(c.offset, n):], got))
		}
	}
}

func testStat(h *harness) {
	url := h.put(newImageID(), 3, 12345, false)
	size, err := h.store.Stat(h.ctx(), url)
	if err != nil || size != 12345 {
		h.t.Errorf("Stat = %d, %v; want 12345, nil", size, err)
	}
	h.delete(url)
	if _, err := h.store.Stat(h.ctx(), url); !errors.Is(err, fs.ErrNotExist) {
		h.t.Errorf("Stat of a deleted object: err = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func testDeleteTwice(h *harness) {
	url := h.put(newImageID(), 4, 100, true)
	h.delete(url)
	if err := h.store.Delete(h.ctx(), url); err != nil {
		h.t.Errorf("second Delete: %v, want nil", err)
	}
	if _, err := h.store.Open(h.ctx(), url, 0, -1); !errors.Is(err, fs.ErrNotExist) {
		h.t.Errorf("Open after Delete: err = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func testOpenMissing(h *harness) {
	// A URL of this store whose object is gone: put then delete.
	url := h.put(newImageID(), 5, 10, true)
	h.delete(url)
	rc, err := h.store.Open(h.ctx(), url, 0, -1)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		h.t.Errorf("Open of a missing object: err = %v, want one wrapping fs.ErrNotExist", err)
	}
	rc, err = h.store.Open(h.ctx(), url, 5, 3)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		h.t.Errorf("ranged Open of a missing object: err = %v, want one wrapping fs.ErrNotExist", err)
	}
}

func testPutOverExisting(h *harness) {
	id := newImageID()
	first := h.put(id, 6, 2<<20+7, false)
	second := h.put(id, 7, 1024, true)
	h.checkContent(second, 7, 1024)
	if size, err := h.store.Stat(h.ctx(), second); err != nil || size != 1024 {
		h.t.Errorf("Stat after replacing = %d, %v; want 1024, nil", size, err)
	}
	if got := h.leftovers(); len(got) != 1 {
		h.t.Errorf("after two Puts of one image the store holds %q, want one object", got)
	}
	h.delete(second)
	h.delete(first)
}

// checkFailedPut checks what a failed Put leaves: the existing object (if any) unchanged,
// and nothing else.
func (h *harness) checkFailedPut(existing string, seed uint64, size int64) {
	h.t.Helper()
	want := 0
	if existing != "" {
		want = 1
		h.checkContent(existing, seed, size)
	}
	if got := h.leftovers(); len(got) != want {
		h.t.Errorf("after a failed Put the store holds %q, want %d object(s)", got, want)
	}
}

func testReaderFailsHalfway(h *harness) {
	for _, withExisting := range []bool{false, true} {
		h.t.Run(fmt.Sprintf("existing=%v", withExisting), func(t *testing.T) {
			h := &harness{t: t, store: h.store, leftovers: h.leftovers}
			id, existing := newImageID(), ""
			if withExisting {
				existing = h.put(id, 8, 4096, true)
			}
			r := &failingReader{r: generated(9, 8<<20), after: 5<<20 + 3}
			_, _, err := h.store.Put(h.ctx(), id, r, 8<<20)
			if !errors.Is(err, errReaderBroke) {
				t.Errorf("Put with a reader failing halfway: err = %v, want one wrapping the reader's error", err)
			}
			h.checkFailedPut(existing, 8, 4096)
			if existing != "" {
				h.delete(existing)
			}
		})
	}
}

func testContextCancelledMidStream(h *harness) {
	for _, withExisting := range []bool{false, true} {
		h.t.Run(fmt.Sprintf("existing=%v", withExisting), func(t *testing.T) {
			h := &harness{t: t, store: h.store, leftovers: h.leftovers}
			id, existing := newImageID(), ""
			if withExisting {
				existing = h.put(id, 10, 4096, false)
			}
			ctx, cancel := context.WithCancel(h.ctx())
			defer cancel()
			r := &cancellingReader{r: generated(11, math.MaxInt64), after: 3<<20 + 5, cancel: cancel}
			_, _, err := h.store.Put(ctx, id, r, -1)
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put cancelled mid-stream: err = %v, want one wrapping context.Canceled", err)
			}
			h.checkFailedPut(existing, 10, 4096)
			if existing != "" {
				h.delete(existing)
			}
		})
	}
}

func testContextCancelledBeforePut(h *harness) {
	ctx, cancel := context.WithCancel(h.ctx())
	cancel()
	_, _, err := h.store.Put(ctx, newImageID(), generated(12, 1000), 1000)
	if !errors.Is(err, context.Canceled) {
		h.t.Errorf("Put with a cancelled ctx: err = %v, want one wrapping context.Canceled", err)
	}
	h.checkFailedPut("", 0, 0)
}

func testConcurrentPuts(h *harness) {
	const workers = 8
	type result struct {
		url  string
		seed uint64
		n    int64
		err  error
	}
	results := make([]result, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			seed, n := uint64(100+i), int64(1<<20+1000*i)
			url, written, err := h.store.Put(h.ctx(), newImageID(), generated(seed, n), -1)
			if err == nil && written != n {
				err = fmt.Errorf("wrote %d bytes, want %d", written, n)
			}
			results[i] = result{url, seed, n, err}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, r := range results {
		if r.err != nil {
			h.t.Errorf("concurrent Put %d: %v", i, r.err)
			continue
		}
		if seen[r.url] {
			h.t.Errorf("two images got the same URL %q", r.url)
		}
		seen[r.url] = true
		h.checkContent(r.url, r.seed, r.n)
	}
	if got := h.leftovers(); len(got) != len(seen) {
		h.t.Errorf("after %d concurrent Puts the store holds %d entries: %q", len(seen), len(got), got)
	}
	for url := range seen {
		h.delete(url)
	}
}
