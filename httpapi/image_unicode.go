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
// Basic Multilingual Plane. glimpse could store them, but answers as Glance does.
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
	return nil
}
