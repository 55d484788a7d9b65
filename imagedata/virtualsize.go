package imagedata

import (
	"bytes"
	"encoding/binary"
	"slices"
)

// virtualSize returns the virtual size Glance Zed's in-flight format inspection records
// for data of the given formats, head being the data's first bytes (the upload stream
// keeps 512) and size its length, or nil where Glance leaves virtual_size null.
//
// Glance inspects only container_format "bare", and only disk formats it has an
// inspector for: raw (the data size; null for empty data), qcow2 (big-endian uint64 at
// offset 24 of the header, magic "QFI\xfb"), vhd (big-endian uint64 at offset 40 of the
// "conectix" footer copy at the start) and vdi (little-endian uint64 at 0x170, signature
// 0xbeda107f at 0x40) and sparse vmdk (little-endian uint64 capacity in 512-byte sectors at
// offset 12 of the "KDMV" header, which equals the sum of the extents Glance's inspector
// reads from the embedded descriptor). Each header inspector needs the full 512-byte header.
// vhdx (Glance 25's VHDXInspector) needs more than a header: vhdxSize is what the
// vhdxSizer the data streamed through found (0: nothing). Other formats (iso, ami, …)
// are null in Glance too.
func virtualSize(diskFormat, containerFormat string, head []byte, vhdxSize uint64, size int64) *int64 {
	if containerFormat != "bare" {
		return nil
	}
	var v uint64
	switch diskFormat {
	case "raw":
		v = uint64(size)
	case "qcow2":
		if len(head) < headerSize || string(head[:4]) != "QFI\xfb" {
			return nil
		}
		v = binary.BigEndian.Uint64(head[24:32])
	case "vhd":
		if len(head) < headerSize || string(head[:8]) != "conectix" {
			return nil
		}
		v = binary.BigEndian.Uint64(head[40:48])
	case "vdi":
		if len(head) < headerSize || binary.LittleEndian.Uint32(head[0x40:0x44]) != 0xbeda107f {
			return nil
		}
		v = binary.LittleEndian.Uint64(head[0x170:0x178])
	case "vmdk":
		if len(head) < headerSize || string(head[:4]) != "KDMV" {
			return nil
		}
		v = binary.LittleEndian.Uint64(head[12:20]) * 512
	case "vhdx":
		v = vhdxSize
	default:
		return nil
	}
	if v == 0 || v > 1<<63-1 {
		return nil // Glance treats 0 ("unknown") as no virtual size
	}
	vs := int64(v)
	return &vs
}

// vhdxSizer finds the virtual size of a VHDX image in its data, written to it once, in
// order and in chunks of any size, as it streams past. It keeps only the table it is
// reading, at most 64 KiB (2047 entries of 32 bytes) whatever the image size, and never
// fails a write: data that is not a well-formed VHDX or whose tables are cut short just
// leaves size 0.
//
// The format facts come from Microsoft's VHDX Format Specification v1.00, as read by
// Glance's format_inspector.VHDXInspector: the file starts with the identifier
// "vhdxfile"; the region table at 192 KiB (signature "regi", entry count uint32 at 8,
// 32-byte entries after a 16-byte header) locates the metadata region (entry GUID
// 8B7CA206-4790-4B9A-B8FE-575F050F886E, file offset uint64 at 16, past the 1 MiB header
// section); the metadata table at the region's start (signature "metadata", entry count
// uint16 at 10, 32-byte entries after a 32-byte header) locates the Virtual Disk Size
// item (GUID 2FA54224-CD1B-4876-B211-5DBED83BF4B8, offset from the region's start uint32
// at 16, at least 64 KiB so past the table, length uint32 at 20), an 8-byte little-endian
// size in bytes. Both tables hold at most 2047 entries, so each of the reads lies after
// the one before and nothing is needed twice. Like Glance, it reads the first region table copy only (the second, at
// 256 KiB, is its backup) and checks no checksums.
type vhdxSizer struct {
	n    int64  // bytes written so far
	step int    // what buf holds: one of the vhdx* steps below
	off  int64  // file offset of the bytes being captured into buf
	want int    // how many of them are wanted
	buf  []byte // the bytes captured so far
	meta int64  // file offset of the metadata region
	size uint64 // the virtual size, once found; 0 until then or when there is none
}

// The steps of vhdxSizer, in the order of the data it reads.
const (
	vhdxIdent       = iota // the file type identifier
	vhdxRegionHead         // the region table header
	vhdxRegionTable        // the whole region table
	vhdxMetaHead           // the metadata table header
	vhdxMetaTable          // the whole metadata table
	vhdxSizeItem           // the Virtual Disk Size item
	vhdxDone               // size found, or given up
)

// The GUIDs as stored on disk (the first three fields little-endian).
var (
	vhdxMetadataRegion = []byte{0x06, 0xa2, 0x7c, 0x8b, 0x90, 0x47, 0x9a, 0x4b, 0xb8, 0xfe, 0x57, 0x5f, 0x05, 0x0f, 0x88, 0x6e}
	vhdxVirtualDisk    = []byte{0x24, 0x42, 0xa5, 0x2f, 0x1b, 0xcd, 0x76, 0x48, 0xb2, 0x11, 0x5d, 0xbe, 0xd8, 0x3b, 0xf4, 0xb8}
)

// Write takes the next chunk of the data; it always accepts all of p.
func (z *vhdxSizer) Write(p []byte) (int, error) {
	if z.want == 0 { // the zero vhdxSizer: start with the identifier
		z.want = 8
	}
	start := z.n
	z.n += int64(len(p))
	for z.step != vhdxDone {
		if len(z.buf) == z.want {
			z.parse()
			continue
		}
		next := z.off + int64(len(z.buf)) // file offset of the next byte wanted
		if next < start {
			z.giveUp() // it streamed past before we knew we wanted it
			break
		}
		if next >= z.n {
			break // it is still to come
		}
		i := next - start
		k := min(int64(z.want-len(z.buf)), z.n-next)
		z.buf = append(z.buf, p[i:i+k]...)
	}
	return len(p), nil
}

// capture makes buf collect the want bytes at file offset off for step.
func (z *vhdxSizer) capture(step int, off int64, want int) {
	z.step, z.off, z.want, z.buf = step, off, want, z.buf[:0]
}

// extend makes buf, which holds a table header, collect the whole table for step.
func (z *vhdxSizer) extend(step, want int) {
	z.step, z.want, z.buf = step, want, slices.Grow(z.buf, want-len(z.buf))
}

func (z *vhdxSizer) giveUp() { z.step, z.buf = vhdxDone, nil }

// parse reads the complete buf of the current step and moves to the next one.
func (z *vhdxSizer) parse() {
	le := binary.LittleEndian
	b := z.buf
	switch z.step {
	case vhdxIdent:
		if string(b) != "vhdxfile" {
			z.giveUp()
			return
		}
		z.capture(vhdxRegionHead, 192<<10, 16)
	case vhdxRegionHead:
		if count := le.Uint32(b[8:12]); string(b[:4]) == "regi" && count <= 2047 {
			z.extend(vhdxRegionTable, 16+32*int(count))
			return
		}
		z.giveUp()
	case vhdxRegionTable:
		e := vhdxEntry(b[16:], vhdxMetadataRegion)
		if e == nil || le.Uint64(e[:8]) < 1<<20 || le.Uint64(e[:8]) >= 1<<62 {
			z.giveUp()
			return
		}
		z.meta = int64(le.Uint64(e[:8]))
		z.capture(vhdxMetaHead, z.meta, 32)
	case vhdxMetaHead:
		if count := le.Uint16(b[10:12]); string(b[:8]) == "metadata" && count <= 2047 {
			z.extend(vhdxMetaTable, 32+32*int(count))
			return
		}
		z.giveUp()
	case vhdxMetaTable:
		e := vhdxEntry(b[32:], vhdxVirtualDisk)
		if e == nil || le.Uint32(e[:4]) < 64<<10 || le.Uint32(e[4:8]) != 8 {
			z.giveUp()
			return
		}
		z.capture(vhdxSizeItem, z.meta+int64(le.Uint32(e[:4])), 8)
	case vhdxSizeItem:
		z.size = le.Uint64(b)
		z.giveUp()
	}
}

// vhdxEntry returns the 16 bytes after the GUID of the first 32-byte table entry in
// entries with that GUID, or nil.
func vhdxEntry(entries, guid []byte) []byte {
	for ; len(entries) >= 32; entries = entries[32:] {
		if bytes.Equal(entries[:16], guid) {
			return entries[16:32]
		}
	}
	return nil
}
