package imagedata_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/glimpse-image/glimpse"
)

func TestUploadMakesImageActive(t *testing.T) {
	for _, known := range []bool{true, false} {
		t.Run(fmt.Sprintf("sizeKnown=%v", known), func(t *testing.T) {
			e := newEnv(t, 0)
			id := e.createImage("raw", "bare")
			const n = 3<<20 + 7
			data := content(1, n)
			size := int64(-1)
			if known {
				size = n
			}
			got, err := e.svc.Upload(t.Context(), id, generated(1, n), size)
			if err != nil {
				t.Fatal(err)
			}
			for name, img := range map[string]*glimpse.Image{"returned": got, "stored": e.image(id)} {
				if img.Status != glimpse.ImageStatusActive {
					t.Errorf("%s status = %s, want active", name, img.Status)
				}
				if img.Size == nil || *img.Size != n {
					t.Errorf("%s size = %v, want %d", name, ptrInt64(img.Size), n)
				}
				if img.VirtualSize == nil || *img.VirtualSize != n {
					t.Errorf("%s virtual_size = %v, want %d (raw/bare)", name, ptrInt64(img.VirtualSize), n)
				}
				if img.Checksum == nil || *img.Checksum != md5Hex(data) {
					t.Errorf("%s checksum = %v, want md5 %s", name, img.Checksum, md5Hex(data))
				}
				if img.OSHashAlgo == nil || *img.OSHashAlgo != "sha512" {
					t.Errorf("%s os_hash_algo = %v, want sha512", name, img.OSHashAlgo)
				}
				if img.OSHashValue == nil || *img.OSHashValue != sha512Hex(data) {
					t.Errorf("%s os_hash_value = %v, want sha512 of the data", name, img.OSHashValue)
				}
				wantLoc := glimpse.Location{URL: "file://" + filepath.Join(e.store.Dir(), id), StoreID: "file", Status: "active"}
				if len(img.Locations) != 1 || img.Locations[0].URL != wantLoc.URL ||
					img.Locations[0].StoreID != wantLoc.StoreID || img.Locations[0].Status != wantLoc.Status {
					t.Errorf("%s locations = %+v, want [%+v]", name, img.Locations, wantLoc)
				}
			}
			stored, err := os.ReadFile(filepath.Join(e.store.Dir(), id))
			if err != nil || !bytes.Equal(stored, data) {
				t.Errorf("stored file: %d bytes, err %v; want the %d uploaded bytes", len(stored), err, n)
			}
			if files := e.storeFiles(); len(files) != 1 {
				t.Errorf("store holds %q, want only the image", files)
			}
		})
	}
}

func TestUploadEmptyData(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	img, err := e.svc.Upload(t.Context(), id, bytes.NewReader(nil), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Glance: size 0, md5 of nothing, virtual_size null (0 means unknown to its inspector).
	if img.Status != "active" || img.Size == nil || *img.Size != 0 || img.VirtualSize != nil ||
		*img.Checksum != "d41d8cd98f00b204e9800998ecf8427e" {
		t.Errorf("empty upload: status %s size %v virtual_size %v checksum %v", img.Status,
			ptrInt64(img.Size), ptrInt64(img.VirtualSize), *img.Checksum)
	}
}

// qcow2Header returns a minimal 512-byte qcow2 (v3) header for a disk of virtualSize bytes.
func qcow2Header(virtualSize uint64) []byte {
	h := make([]byte, 512)
	copy(h, "QFI\xfb")
	binary.BigEndian.PutUint32(h[4:], 3)            // version
	binary.BigEndian.PutUint32(h[20:], 16)          // cluster_bits
	binary.BigEndian.PutUint64(h[24:], virtualSize) // size
	return h
}

func TestUploadVirtualSize(t *testing.T) {
	vhd := make([]byte, 512)
	copy(vhd, "conectix")
	binary.BigEndian.PutUint64(vhd[40:], 10<<30)
	vdi := make([]byte, 1024)
	binary.LittleEndian.PutUint32(vdi[0x40:], 0xbeda107f)
	binary.LittleEndian.PutUint64(vdi[0x170:], 3<<30)
	short := qcow2Header(1 << 30)[:300]
	for _, c := range []struct {
		name, disk, container string
		data                  []byte
		want                  any // int64 or nil
	}{
		{"qcow2 header", "qcow2", "bare", append(qcow2Header(5<<30), make([]byte, 4096)...), int64(5 << 30)},
		{"qcow2 not bare", "qcow2", "ovf", qcow2Header(5 << 30), nil},
		{"qcow2 bad magic", "qcow2", "bare", append([]byte("QFI\x00"), qcow2Header(5 << 30)[4:]...), nil},
		{"qcow2 header cut short", "qcow2", "bare", short, nil},
		{"vhd", "vhd", "bare", vhd, int64(10 << 30)},
		{"vdi", "vdi", "bare", vdi, int64(3 << 30)},
		{"raw", "raw", "bare", []byte("hello world"), int64(11)},
		{"raw in ovf", "raw", "ovf", []byte("hello world"), nil},
		{"iso", "iso", "bare", []byte("hello world"), nil}, // as Glance Zed: no inspector for iso
		{"vmdk", "vmdk", "bare", []byte("KDMV and more"), nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 0)
			id := e.createImage(c.disk, c.container)
			img, err := e.svc.Upload(t.Context(), id, bytes.NewReader(c.data), int64(len(c.data)))
			if err != nil {
				t.Fatal(err)
			}
			if got := ptrInt64(e.image(id).VirtualSize); got != c.want {
				t.Errorf("stored virtual_size = %v, want %v", got, c.want)
			}
			if got := ptrInt64(img.VirtualSize); got != c.want {
				t.Errorf("returned virtual_size = %v, want %v", got, c.want)
			}
		})
	}
}

// TestUploadQemuImg uploads real images made by qemu-img and expects the virtual size the
// real Glance reports for them (golden 020 for qcow2; 67108864 for a 64M vmdk).
func TestUploadQemuImg(t *testing.T) {
	qemuImg, err := exec.LookPath("qemu-img")
	if err != nil {
		t.Skipf("qemu-img not installed (%v): the real-image variant does not run; TestUploadVirtualSize covers hand-made headers", err)
	}
	for _, c := range []struct {
		format, size string
		want         int64
	}{{"qcow2", "1G", 1 << 30}, {"vmdk", "64M", 64 << 20}, {"vhdx", "10G", 10 << 30}} {
		t.Run(c.format, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "disk."+c.format)
			if out, err := exec.Command(qemuImg, "create", "-f", c.format, path, c.size).CombinedOutput(); err != nil {
				t.Fatalf("qemu-img create: %v\n%s", err, out)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, 0)
			id := e.createImage(c.format, "bare")
			img, err := e.svc.Upload(t.Context(), id, bytes.NewReader(data), -1)
			if err != nil {
				t.Fatal(err)
			}
			if img.VirtualSize == nil || *img.VirtualSize != c.want {
				t.Errorf("virtual_size = %v, want %d", ptrInt64(img.VirtualSize), c.want)
			}
			if *img.Size != int64(len(data)) || *img.Checksum != md5Hex(data) {
				t.Errorf("size %d checksum %s, want %d %s", *img.Size, *img.Checksum, len(data), md5Hex(data))
			}
		})
	}
}

func TestUploadTwiceIsConflict(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	if _, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("first")), 5); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("second!")), 7)
	// golden 014-image-upload-twice-409.txt
	if code(err) != glimpse.ECONFLICT || glimpse.ErrorMessage(err) != "Image status transition from active to saving is not allowed" {
		t.Fatalf("second upload: %v, want ECONFLICT with Glance's message", err)
	}
	img := e.image(id)
	if img.Status != "active" || *img.Size != 5 || len(img.Locations) != 1 {
		t.Errorf("after a refused second upload: status %s size %d locations %d", img.Status, *img.Size, len(img.Locations))
	}
	if b, _ := os.ReadFile(filepath.Join(e.store.Dir(), id)); string(b) != "first" {
		t.Errorf("stored data = %q, want the first upload", b)
	}
}

func TestUploadToDeactivatedImageIsConflict(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	if _, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("data")), 4); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.UpdateImage(t.Context(), id, func(img *glimpse.Image) error {
		img.Status = glimpse.ImageStatusDeactivated
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("x")), 1)
	if code(err) != glimpse.ECONFLICT || glimpse.ErrorMessage(err) != "Image status transition from deactivated to saving is not allowed" {
		t.Fatalf("upload to a deactivated image: %v", err)
	}
}

func TestUploadNeedsFormats(t *testing.T) {
	for _, c := range []struct{ disk, container, msg string }{
		{"", "", "Properties disk_format, container_format must be set prior to saving data."},
		{"raw", "", "Property container_format must be set prior to saving data."},
		{"", "bare", "Property disk_format must be set prior to saving data."},
	} {
		e := newEnv(t, 0)
		id := e.createImage(c.disk, c.container)
		_, err := e.svc.Upload(t.Context(), id, bytes.NewReader([]byte("x")), 1)
		if code(err) != glimpse.EINVALID || glimpse.ErrorMessage(err) != c.msg {
			t.Errorf("formats %q/%q: %v, want EINVALID %q", c.disk, c.container, err, c.msg)
		}
		e.checkRolledBack(id)
	}
}

func TestUploadMissingImage(t *testing.T) {
	e := newEnv(t, 0)
	_, err := e.svc.Upload(t.Context(), "00000000-0000-0000-0000-000000000000", bytes.NewReader([]byte("x")), 1)
	if code(err) != glimpse.ENOTFOUND {
		t.Errorf("upload to a missing image: %v, want ENOTFOUND", err)
	}
	if files := e.storeFiles(); len(files) != 0 {
		t.Errorf("store holds %q", files)
	}
}

func TestUploadReaderFailsHalfway(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	r := &failingReader{r: generated(2, 10<<20), after: 5<<20 + 11}
	_, err := e.svc.Upload(t.Context(), id, r, 10<<20)
	if !errors.Is(err, errClientGone) {
		t.Errorf("Upload = %v, want an error wrapping the reader's", err)
	}
	e.checkRolledBack(id)

	// The image can be uploaded again, as after Glance's _restore.
	if _, err := e.svc.Upload(t.Context(), id, generated(3, 1000), 1000); err != nil {
		t.Fatalf("upload after a failed one: %v", err)
	}
	if img := e.image(id); img.Status != "active" || *img.Checksum != md5Hex(content(3, 1000)) {
		t.Errorf("retry: status %s checksum %s", img.Status, *img.Checksum)
	}
}

func TestUploadContextCancelled(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r := &hookReader{r: generated(4, math.MaxInt64), after: 3 << 20, hook: cancel}
	_, err := e.svc.Upload(ctx, id, r, -1)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Upload = %v, want an error wrapping context.Canceled", err)
	}
	// A client hanging up is the client's doing: 400 as a short body, never a 500.
	if code := glimpse.ErrorCode(err); code != glimpse.EINVALID {
		t.Errorf("Upload error code %s, want %s", code, glimpse.EINVALID)
	}
	if r.n > 3<<20+64<<20 {
		t.Errorf("the upload read %d bytes, long after ctx was cancelled", r.n)
	}
	e.checkRolledBack(id)
}

func TestUploadSizeMismatch(t *testing.T) {
	for _, c := range []struct{ sent, declared int64 }{{50, 100}, {150, 100}, {0, 1}, {1, 0}} {
		t.Run(fmt.Sprintf("sent=%d,declared=%d", c.sent, c.declared), func(t *testing.T) {
			e := newEnv(t, 0)
			id := e.createImage("raw", "bare")
			_, err := e.svc.Upload(t.Context(), id, generated(5, c.sent), c.declared)
			if code(err) != glimpse.EINVALID {
				t.Errorf("Upload = %v, want EINVALID", err)
			}
			e.checkRolledBack(id)
		})
	}
}

func TestUploadSizeCap(t *testing.T) {
	const limit = 1 << 20
	for _, c := range []struct {
		name       string
		sent, size int64
		ok         bool
	}{
		{"exactly the cap, size unknown", limit, -1, true},
		{"exactly the cap, size known", limit, limit, true},
		{"one byte over, size unknown", limit + 1, -1, false},
		{"far over, size unknown", 8 * limit, -1, false},
		{"declared over the cap", 2 * limit, 2 * limit, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, limit)
			id := e.createImage("raw", "bare")
			r := &hookReader{r: generated(6, c.sent), hook: func() {}}
			_, err := e.svc.Upload(t.Context(), id, r, c.size)
			if c.ok {
				if err != nil {
					t.Fatalf("Upload = %v, want success", err)
				}
				return
			}
			if code(err) != glimpse.ETOOLARGE || glimpse.ErrorMessage(err) != "The incoming image is too large: The provided image is too large." {
				t.Errorf("Upload = %v, want ETOOLARGE with Glance's message", err)
			}
			if r.n > limit+1 {
				t.Errorf("read %d bytes, want at most the cap plus one", r.n)
			}
			e.checkRolledBack(id)
		})
	}
}

func TestUploadImageDeletedDuringUpload(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	r := &hookReader{r: generated(7, 4<<20), after: 2 << 20, hook: func() {
		if err := e.db.DeleteImage(context.Background(), id); err != nil {
			t.Errorf("DeleteImage during upload: %v", err)
		}
	}}
	_, err := e.svc.Upload(t.Context(), id, r, 4<<20)
	if code(err) != glimpse.EGONE {
		t.Errorf("Upload = %v, want EGONE (410, as Glance)", err)
	}
	if files := e.storeFiles(); len(files) != 0 {
		t.Errorf("the data of a deleted image was kept: %q", files)
	}
	if _, err := e.db.FindImageByID(t.Context(), id); code(err) != glimpse.ENOTFOUND {
		t.Errorf("FindImageByID after delete: %v, want ENOTFOUND", err)
	}
}

// gateReader blocks its first Read until gate is closed.
type gateReader struct {
	r    io.Reader
	gate chan struct{}
}

func (g *gateReader) Read(p []byte) (int, error) {
	<-g.gate
	return g.r.Read(p)
}

func TestConcurrentUploadsOneWins(t *testing.T) {
	e := newEnv(t, 0)
	id := e.createImage("raw", "bare")
	gate := make(chan struct{})
	var once sync.Once
	open := func() { once.Do(func() { close(gate) }) }
	defer open()

	type result struct {
		seed uint64
		err  error
	}
	results := make(chan result, 2)
	for _, seed := range []uint64{8, 9} {
		go func() {
			_, err := e.svc.Upload(t.Context(), id, &gateReader{generated(seed, 2<<20), gate}, 2<<20)
			results <- result{seed, err}
		}()
	}
	// The winner is saving and blocked in its first Read, so the first to return is the
	// loser; then let the winner finish.
	first := <-results
	open()
	second := <-results
	if code(first.err) != glimpse.ECONFLICT || glimpse.ErrorMessage(first.err) != "Image status transition from saving to saving is not allowed" {
		t.Errorf("losing upload: %v, want ECONFLICT from saving", first.err)
	}
	if second.err != nil {
		t.Fatalf("winning upload: %v", second.err)
	}
	img := e.image(id)
	if img.Status != "active" || *img.Checksum != md5Hex(content(second.seed, 2<<20)) || len(img.Locations) != 1 {
		t.Errorf("image after the race: status %s checksum %s locations %d; want the winner's data",
			img.Status, *img.Checksum, len(img.Locations))
	}
}
