package httpapi

import (
	"maps"
	"net/http"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// checkImage4Byte is Glance's no_4byte_params on what its database layer writes for an
// image (metadef_unicode.go): 400 "Property names can't contain 4 byte unicode." or
// "<Key> can't contain 4 byte unicode characters." for a name or property outside the
// Basic Multilingual Plane, then "Param values can't contain 4 byte unicode." for a tag.
// glimpse could store them, but answers as Glance does (checked against Glance 25).
func checkImage4Byte(img *glimpse.Image) error {
	values := pyObject{}
	if img.Name != nil {
		values = append(values, pyField{"name", *img.Name})
	}
	props := pyObject{}
	for _, k := range slices.Sorted(maps.Keys(img.Properties)) {
		props = append(props, pyField{k, img.Properties[k]})
	}
	values = append(values, pyField{"properties", props})
	if msg := fourByteMessage(values); msg != "" {
		return errExplained(http.StatusBadRequest, "%s", msg)
	}
	// Tags are written one by one after the image (image_tag_create's str argument).
	if slices.ContainsFunc(img.Tags, has4Byte) {
		return errExplained(http.StatusBadRequest, "Param values can't contain 4 byte unicode.")
	}
	return nil
}

// checkLocation4Byte is no_4byte_params on a location as image_location_add writes it:
// its url and, one level into each object, its metadata keys and string values.
func checkLocation4Byte(url string, metadata map[string]any) error {
	if msg := fourByteMessage(pyObject{{"url", url}, {"metadata", metadataObject(metadata)}}); msg != "" {
		return errExplained(http.StatusBadRequest, "%s", msg)
	}
	return nil
}

// metadataObject is metadata as fourByteMessage walks it: objects (sorted keys) nested.
func metadataObject(m map[string]any) pyObject {
	o := make(pyObject, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		if nested, ok := v.(map[string]any); ok {
			v = metadataObject(nested)
		}
		o = append(o, pyField{k, v})
	}
	return o
}
