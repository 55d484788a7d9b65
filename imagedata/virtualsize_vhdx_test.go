package imagedata

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// qemuImg returns the path of qemu-img, skipping the test when it is not installed.
func qemuImg(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("qemu-img")
	if err != nil {
		t.Skipf("qemu-img not installed (%v): the vhdx tests need real images made by qemu-img (package qemu-utils)", err)
	}
	return p
}

// run runs qemu-img and fails the test on error.
func run(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("%s %q: %v\n%s", name, args, err, ee.Stderr)
		}
		t.Fatalf("%s %q: %v", name, args, err)
	}
	return out
}

// qemuVirtualSize is the virtual size qemu-img info reports for the image at path.
func qemuVirtualSize(t *testing.T, qemu, path string) int64 {
	t.Helper()
	var info struct {
		Format      string `json:"format"`
		VirtualSize int64  `json:"virtual-size"`
	}
	if err := json.Unmarshal(run(t, qemu, "info", "--output=json", path), &info); err != nil {
		t.Fatal(err)
	}
	if info.Format != "vhdx" || info.VirtualSize <= 0 {
		t.Fatalf("qemu-img info %s: format %q virtual-size %d", path, info.Format, info.VirtualSize)
	}
	return info.VirtualSize
}

// vhdxImage is a vhdx made by qemu-img and the virtual size qemu-img reports for it.
type vhdxImage struct {
	name string
	data []byte
	want int64
}

// makeVHDX creates the test images: dynamic ones of several sizes, a fixed one and one
// converted from a raw file of random data.
func makeVHDX(t *testing.T) []vhdxImage {
	qemu := qemuImg(t)
	dir := t.TempDir()
	var imgs []vhdxImage
	add := func(name, path string) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, vhdxImage{name, data, qemuVirtualSize(t, qemu, path)})
	}
	for _, c := range []struct{ name, size, opts string }{
		{"dynamic 1G", "1G", ""},
		{"dynamic 10G", "10G", ""},
		{"dynamic 3M", "3M", ""},
		{"dynamic 1000001 bytes", "1000001", ""}, // qemu-img rounds it up to whole sectors
		{"fixed 8M", "8M", "subformat=fixed"},
	} {
		path := filepath.Join(dir, c.size+".vhdx")
		args := []string{"create", "-q", "-f", "vhdx"}
		if c.opts != "" {
			args = append(args, "-o", c.opts)
		}
		run(t, qemu, append(args, path, c.size)...)
		add(c.name, path)
	}
	raw := make([]byte, 5<<20+3<<9)
	rand.NewChaCha8([32]byte{7}).Read(raw)
	rawPath, path := filepath.Join(dir, "data.raw"), filepath.Join(dir, "data.vhdx")
	if err := os.WriteFile(rawPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	run(t, qemu, "convert", "-q", "-f", "raw", "-O", "vhdx", rawPath, path)
	add("converted from random raw", path)
	if imgs[len(imgs)-1].want != int64(len(raw)) {
		t.Fatalf("qemu-img reports %d for the converted image, want %d", imgs[len(imgs)-1].want, len(raw))
	}
	return imgs
}

// sizeInChunks feeds data to a vhdxSizer in chunks whose sizes cycle through sizes and
// returns the size found, failing the test if the sizer ever holds more than 64 KiB.
func sizeInChunks(t *testing.T, data []byte, sizes ...int) uint64 {
	t.Helper()
	var z vhdxSizer
	for i := 0; len(data) > 0; i++ {
		k := min(sizes[i%len(sizes)], len(data))
		if n, err := z.Write(data[:k]); n != k || err != nil {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, k)
		}
		if cap(z.buf) > 64<<10 {
			t.Fatalf("sizer holds %d bytes, want at most 64 KiB", cap(z.buf))
		}
		data = data[k:]
	}
	return z.size
}

// wholeVirtualSize is virtualSize for data declared vhdx, given all at once.
func wholeVirtualSize(containerFormat string, data []byte) *int64 {
	var z vhdxSizer
	z.Write(data)
	return virtualSize("vhdx", containerFormat, data, z.size, int64(len(data)))
}

// oddChunks are the chunk sizes the streaming tests cycle through.
var oddChunks = [][]int{{1}, {7}, {3, 509, 4093}, {65537}, {1 << 20, 13}, {32 << 20}}

func TestVHDXVirtualSizeQemuImg(t *testing.T) {
	for _, img := range makeVHDX(t) {
		t.Run(img.name, func(t *testing.T) {
			got := wholeVirtualSize("bare", img.data)
			if got == nil || *got != img.want {
				t.Errorf("virtualSize = %v, want %d (qemu-img info)", got, img.want)
			}
			if got := wholeVirtualSize("ovf", img.data); got != nil {
				t.Errorf("virtualSize for container ovf = %d, want nil", *got)
			}
			for _, sizes := range oddChunks {
				if got := sizeInChunks(t, img.data, sizes...); got != uint64(img.want) {
					t.Errorf("chunks of %v: size %d, want %d", sizes, got, img.want)
				}
			}
		})
	}
}

// vhdxLayout reads where the tables of a well-formed vhdx lie (without the code under test).
func vhdxLayout(t *testing.T, data []byte) (regionEntries, metaOff, metaEntries, itemOff int) {
	t.Helper()
	le := binary.LittleEndian
	rt := data[192<<10:]
	regionEntries = int(le.Uint32(rt[8:]))
	for i := range regionEntries {
		e := rt[16+32*i:]
		if bytes.Equal(e[:16], vhdxMetadataRegion) {
			metaOff = int(le.Uint64(e[16:]))
		}
	}
	mt := data[metaOff:]
	metaEntries = int(le.Uint16(mt[10:]))
	for i := range metaEntries {
		e := mt[32+32*i:]
		if bytes.Equal(e[:16], vhdxVirtualDisk) {
			itemOff = metaOff + int(le.Uint32(e[16:]))
		}
	}
	if metaOff == 0 || itemOff == 0 {
		t.Fatal("no metadata region or virtual disk size item")
	}
	return
}

// TestVHDXTruncated cuts real images just short of each table and expects no virtual
// size, and expects it again from the shortest prefix holding the Virtual Disk Size item.
func TestVHDXTruncated(t *testing.T) {
	for _, img := range makeVHDX(t) {
		t.Run(img.name, func(t *testing.T) {
			regions, meta, metaEntries, item := vhdxLayout(t, img.data)
			t.Logf("metadata table at %d, virtual disk size item at %d of %d bytes", meta, item, len(img.data))
			for _, n := range []int{0, 1, 7, 8, 512, 192 << 10, 192<<10 + 15, 192<<10 + 16 + 32*regions - 1,
				meta, meta + 31, meta + 32 + 32*metaEntries - 1, item, item + 7} {
				prefix := img.data[:n]
				if got := wholeVirtualSize("bare", prefix); got != nil {
					t.Errorf("first %d bytes: virtual size %d, want nil", n, *got)
				}
				if got := sizeInChunks(t, prefix, 3, 4093); got != 0 {
					t.Errorf("first %d bytes in chunks: size %d, want 0", n, got)
				}
			}
			if got := sizeInChunks(t, img.data[:item+8], 5, 65521); got != uint64(img.want) {
				t.Errorf("first %d bytes: size %d, want %d", item+8, got, img.want)
			}
		})
	}
}

// TestVHDXCorrupted damages each field the sizer reads in a real image and expects no
// virtual size (and no panic), whole or in chunks.
func TestVHDXCorrupted(t *testing.T) {
	img := makeVHDX(t)[0]
	_, meta, _, item := vhdxLayout(t, img.data)
	rt := 192 << 10
	// entry finds the table entry with guid in the table at off (header hdr bytes).
	entry := func(data []byte, off, hdr int, guid []byte) int {
		i := bytes.Index(data[off+hdr:off+hdr+2047*32], guid)
		if i < 0 || i%32 != 0 {
			t.Fatal("entry not found")
		}
		return off + hdr + i
	}
	metaEntry := entry(img.data, rt, 16, vhdxMetadataRegion)
	sizeEntry := entry(img.data, meta, 32, vhdxVirtualDisk)
	le := binary.LittleEndian
	for _, c := range []struct {
		name   string
		damage func(b []byte)
	}{
		{"identifier", func(b []byte) { b[3] = 'X' }},
		{"region table signature", func(b []byte) { copy(b[rt:], "REGI") }},
		{"region count 2048", func(b []byte) { le.PutUint32(b[rt+8:], 2048) }},
		{"region count max", func(b []byte) { le.PutUint32(b[rt+8:], 1<<32-1) }},
		{"region count 0", func(b []byte) { le.PutUint32(b[rt+8:], 0) }},
		{"metadata region guid", func(b []byte) { b[metaEntry+15] ^= 1 }},
		{"metadata offset before the region table", func(b []byte) { le.PutUint64(b[metaEntry+16:], 4096) }},
		{"metadata offset inside the region table", func(b []byte) { le.PutUint64(b[metaEntry+16:], uint64(rt+8)) }},
		{"metadata offset inside the header section", func(b []byte) { le.PutUint64(b[metaEntry+16:], 1<<20-4096) }},
		{"metadata offset past the end", func(b []byte) { le.PutUint64(b[metaEntry+16:], uint64(len(b))) }},
		{"metadata offset huge", func(b []byte) { le.PutUint64(b[metaEntry+16:], 1<<64-1) }},
		{"metadata signature", func(b []byte) { copy(b[meta:], "METADATA") }},
		{"metadata count 2048", func(b []byte) { le.PutUint16(b[meta+10:], 2048) }},
		{"metadata count max", func(b []byte) { le.PutUint16(b[meta+10:], 1<<16-1) }},
		{"metadata count 0", func(b []byte) { le.PutUint16(b[meta+10:], 0) }},
		{"virtual disk size guid", func(b []byte) { b[sizeEntry] ^= 0x80 }},
		{"virtual disk size length 4", func(b []byte) { le.PutUint32(b[sizeEntry+20:], 4) }},
		{"virtual disk size length 64K", func(b []byte) { le.PutUint32(b[sizeEntry+20:], 64<<10) }},
		{"virtual disk size offset past the end", func(b []byte) { le.PutUint32(b[sizeEntry+16:], 1<<32-1) }},
		{"virtual disk size offset inside the table", func(b []byte) { le.PutUint32(b[sizeEntry+16:], 0) }},
		{"virtual disk size offset just inside the table", func(b []byte) { le.PutUint32(b[sizeEntry+16:], 64<<10-8) }},
		{"virtual disk size 0", func(b []byte) { le.PutUint64(b[item:], 0) }},
		{"virtual disk size over int64", func(b []byte) { le.PutUint64(b[item:], 1<<63) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := bytes.Clone(img.data)
			c.damage(data)
			if got := wholeVirtualSize("bare", data); got != nil {
				t.Errorf("virtual size %d, want nil", *got)
			}
			for _, sizes := range oddChunks {
				if got := sizeInChunks(t, data, sizes...); got != 0 && got < 1<<63 {
					t.Errorf("chunks of %v: size %d, want 0", sizes, got)
				}
			}
		})
	}
	// Data of another format declared vhdx has no virtual size either.
	qcow2 := filepath.Join(t.TempDir(), "disk.qcow2")
	run(t, qemuImg(t), "create", "-q", "-f", "qcow2", qcow2, "1G")
	data, err := os.ReadFile(qcow2)
	if err != nil {
		t.Fatal(err)
	}
	if got := wholeVirtualSize("bare", data); got != nil {
		t.Errorf("qcow2 declared vhdx: virtual size %d, want nil", *got)
	}
}

// TestVHDXRandomDamage overwrites random bytes of the tables of a real image and feeds
// it in random chunks: the sizer must never panic, hold more than 64 KiB or report a
// size when the identifier is gone.
func TestVHDXRandomDamage(t *testing.T) {
	img := makeVHDX(t)[0]
	_, meta, _, item := vhdxLayout(t, img.data)
	end := max(meta+64<<10, item+8)
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		data := bytes.Clone(img.data[:end])
		for range 1 + r.IntN(8) {
			switch r.IntN(4) {
			case 0:
				data[r.IntN(8)] = byte(r.Uint32())
			case 1:
				data[192<<10+r.IntN(128)] = byte(r.Uint32())
			default:
				data[meta+r.IntN(256)] = byte(r.Uint32())
			}
		}
		chunks := []int{1 + r.IntN(70000), 1 + r.IntN(17)}
		got := sizeInChunks(t, data, chunks...)
		if !bytes.HasPrefix(data, []byte("vhdxfile")) && got != 0 {
			t.Fatalf("size %d without the vhdx identifier", got)
		}
		if whole := wholeVirtualSize("bare", data); (whole == nil) != (got == 0 || got >= 1<<63) ||
			whole != nil && uint64(*whole) != got {
			t.Fatalf("whole data gives %v, chunks of %v give %d", whole, chunks, got)
		}
	}
}
