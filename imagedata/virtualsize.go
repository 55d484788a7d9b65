package imagedata

import "encoding/binary"

// virtualSize returns the virtual size Glance Zed's in-flight format inspection records
// for data of the given formats, head being the data's first bytes (up to 512) and size
// its length, or nil where Glance leaves virtual_size null.
//
// Glance inspects only container_format "bare", and only disk formats it has an
// inspector for: raw (the data size; null for empty data), qcow2 (big-endian uint64 at
// offset 24 of the header, magic "QFI\xfb"), vhd (big-endian uint64 at offset 40 of the
// "conectix" footer copy at the start) and vdi (little-endian uint64 at 0x170, signature
// 0xbeda107f at 0x40) and sparse vmdk (little-endian uint64 capacity in 512-byte sectors at
// offset 12 of the "KDMV" header, which equals the sum of the extents Glance's inspector
// reads from the embedded descriptor). Each header inspector needs the full 512-byte header.
// vhdx needs more than a fixed header and is left null here; other formats (iso, ami, …)
// are null in Glance too.
func virtualSize(diskFormat, containerFormat string, head []byte, size int64) *int64 {
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
	default:
		return nil
	}
	if v == 0 || v > 1<<63-1 {
		return nil // Glance treats 0 ("unknown") as no virtual size
	}
	vs := int64(v)
	return &vs
}
