package httpapi

import (
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// validationData are the checksum and multihash a location's validation_data sets on a
// queued image.
type validationData map[string]string

func (vd validationData) apply(img *glimpse.Image) {
	for k, v := range vd {
		switch k {
		case "checksum":
			img.Checksum = &v
		case "os_hash_algo":
			img.OSHashAlgo = &v
		case "os_hash_value":
			img.OSHashValue = &v
		}
	}
}

// checkValidationData is Glance's _validate_validation_data: the locations must agree
// with each other and with the values the image already has (409 otherwise); new values
// are taken only by a queued image, and must be an md5 checksum and a sha512 multihash.
func checkValidationData(img *glimpse.Image, locs []newLocation) (validationData, error) {
	all := map[string]string{}
	for _, l := range locs {
		for _, k := range []string{"checksum", "os_hash_algo", "os_hash_value"} {
			v, ok := l.validationData[k]
			if !ok {
				continue
			}
			if prev, seen := all[k]; seen && prev != v {
				return nil, errExplained(http.StatusConflict, "Conflicting values for %s", k)
			}
			all[k] = v
		}
	}
	current := map[string]*string{"checksum": img.Checksum, "os_hash_algo": img.OSHashAlgo, "os_hash_value": img.OSHashValue}
	fresh := validationData{}
	var names []string
	for _, k := range []string{"checksum", "os_hash_algo", "os_hash_value"} {
		v, ok := all[k]
		if !ok {
			continue
		}
		cur := current[k]
		if cur != nil && *cur == v {
			continue
		}
		if cur != nil && *cur != "" {
			return nil, errExplained(http.StatusConflict, "%s is already set with a different value", k)
		}
		fresh[k] = v
		names = append(names, k)
	}
	if len(fresh) == 0 {
		return fresh, nil
	}
	if img.Status != glimpse.ImageStatusQueued {
		return nil, errExplained(http.StatusConflict, "New value(s) for %s may only be provided when image status is 'queued'", strings.Join(names, ", "))
	}
	if c, ok := fresh["checksum"]; ok {
		b, err := hex.DecodeString(c)
		if err != nil {
			return nil, errExplained(http.StatusConflict, "checksum (%s) is not a valid hexadecimal value", c)
		}
		if len(b) != 16 {
			return nil, errExplained(http.StatusConflict, "checksum (%s) is not the correct size for md5 (should be 16 bytes)", c)
		}
	}
	algo, ok := fresh["os_hash_algo"]
	if !ok {
		algo = "None"
	}
	if algo != "sha512" {
		return nil, errExplained(http.StatusConflict, "os_hash_algo must be sha512, not %s", algo)
	}
	value, ok := fresh["os_hash_value"]
	if !ok {
		value = "None"
	}
	b, err := hex.DecodeString(value)
	if err != nil {
		return nil, errExplained(http.StatusConflict, "os_hash_value (%s) is not a valid hexadecimal value", value)
	}
	if len(b) != 64 {
		return nil, errExplained(http.StatusConflict, "os_hash_value (%s) is not the correct size for sha512 (should be 64 bytes)", value)
	}
	return fresh, nil
}
