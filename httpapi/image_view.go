package httpapi

import (
	"slices"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
)

// glanceTime is how Glance writes image and member times (UTC, second precision).
const glanceTime = "2006-01-02T15:04:05Z"

func formatGlanceTime(t time.Time) string { return t.UTC().Format(glanceTime) }

// imageView is the wire form of an image (Glance API reference, "Show image": the
// response of GET /v2/images/{image_id}), in Glance's key order: custom properties first
// (sorted), then the core attributes, with null for unset ones; "stores" only when the
// image has readable data (hasData); extra ("locations", "direct_url") after
// "updated_at", as Glance's serializer places them.
func imageView(img *glimpse.Image, extra []pyField, hasData bool) pyObject {
	props := make([]string, 0, len(img.Properties))
	for k := range img.Properties {
		props = append(props, k)
	}
	slices.Sort(props)
	o := make(pyObject, 0, len(props)+24)
	for _, k := range props {
		o = append(o, pyField{k, img.Properties[k]})
	}
	var owner any
	if img.Owner != "" {
		owner = img.Owner
	}
	tags := img.Tags
	if tags == nil {
		tags = []string{}
	}
	o = append(o,
		pyField{"name", img.Name},
		pyField{"disk_format", img.DiskFormat},
		pyField{"container_format", img.ContainerFormat},
		pyField{"visibility", img.Visibility},
		pyField{"size", img.Size},
		pyField{"virtual_size", img.VirtualSize},
		pyField{"status", img.Status},
		pyField{"checksum", img.Checksum},
		pyField{"protected", img.Protected},
		pyField{"min_ram", img.MinRAM},
		pyField{"min_disk", img.MinDisk},
		pyField{"owner", owner},
		pyField{"os_hidden", img.OSHidden},
		pyField{"os_hash_algo", img.OSHashAlgo},
		pyField{"os_hash_value", img.OSHashValue},
		pyField{"id", img.ID},
		pyField{"created_at", formatGlanceTime(img.CreatedAt)},
		pyField{"updated_at", formatGlanceTime(img.UpdatedAt)},
	)
	o = append(o, extra...)
	o = append(o,
		pyField{"tags", tags},
		pyField{"self", "/v2/images/" + img.ID},
		pyField{"file", "/v2/images/" + img.ID + "/file"},
		pyField{"schema", "/v2/schemas/image"},
	)
	if stores := img.Stores(); hasData && len(stores) > 0 {
		// Sorted by id: Tempest (33) compares "stores" with the sorted store list.
		o = append(o, pyField{"stores", strings.Join(slices.Sorted(slices.Values(stores)), ",")})
	}
	return o
}

// memberView is the wire form of an image member ("Show image member details").
func memberView(m *glimpse.Member) pyObject {
	return pyObject{
		{"member_id", m.MemberID},
		{"image_id", m.ImageID},
		{"status", m.Status},
		{"created_at", formatGlanceTime(m.CreatedAt)},
		{"updated_at", formatGlanceTime(m.UpdatedAt)},
		{"schema", "/v2/schemas/member"},
	}
}
