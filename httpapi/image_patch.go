package httpapi

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// Glance's image update is its own JSON-patch dialect ("Update image" in the Image API
// reference; media types application/openstack-images-v2.1-json-patch and the older
// -v2.0-json-patch): ops add, replace and remove on one top-level attribute or custom
// property; "add" of an existing attribute replaces it; "remove" of a core attribute is
// forbidden; paths deeper than one level exist only for locations. parseImagePatch does
// what Glance's request deserializer checks before the image is read; applyImagePatch what
// its controller does with the image.

const (
	mediaPatchV21 = "application/openstack-images-v2.1-json-patch"
	mediaPatchV20 = "application/openstack-images-v2.0-json-patch"
)

var patchOperations = []string{"add", "remove", "replace"}

// imagePatchReadOnly are the attributes a patch may not touch (403 "Attribute 'x' is
// read-only.").
var imagePatchReadOnly = []string{"created_at", "updated_at", "status", "checksum", "os_hash_algo",
	"os_hash_value", "size", "virtual_size", "direct_url", "self", "file", "schema", "id", "stores"}

// imagePatchCore are the core attributes a patch may set; they cannot be removed.
var imagePatchCore = []string{"name", "visibility", "protected", "os_hidden", "min_ram", "min_disk",
	"disk_format", "container_format", "owner", "tags"}

// imagePatchOp is one checked change. Path is the decoded JSON pointer (one element, or
// two for locations).
type imagePatchOp struct {
	Op       string
	Path     []string
	Value    any
	Draft4   bool // from a -v2.0-json-patch body: "add" of an existing attribute is 409
	HasValue bool
}

// parseImagePatch checks a PATCH body: a JSON array of operations, each with a known op,
// a valid pointer of the allowed depth, a value for add/replace, no read-only or reserved
// attribute, and a value that matches the image schema. Errors are Glance's 400/403.
func parseImagePatch(body []byte, mediaType string) ([]imagePatchOp, error) {
	v, err := decodeJSON(body)
	if err != nil {
		return nil, err
	}
	list, ok := v.([]any)
	if !ok {
		return nil, errExplained(http.StatusBadRequest, "Request body must be a JSON array of operation objects.")
	}
	draft4 := mediaType == mediaPatchV20
	ops := make([]imagePatchOp, 0, len(list))
	for _, raw := range list {
		change, ok := raw.(map[string]any)
		if !ok {
			return nil, errExplained(http.StatusBadRequest, "Operations must be JSON objects.")
		}
		op, pointer, err := patchOpAndPointer(change, draft4)
		if err != nil {
			return nil, err
		}
		path, err := decodeJSONPointer(pointer)
		if err != nil {
			return nil, err
		}
		depth := 1
		if path[0] == "locations" && op != "replace" {
			depth = 2
		}
		if len(path) != depth {
			return nil, errExplained(http.StatusBadRequest, "Invalid JSON pointer for this resource: '/%s'", strings.Join(path, "/"))
		}
		p := imagePatchOp{Op: op, Path: path, Draft4: draft4}
		if op != "remove" {
			value, ok := change["value"]
			if !ok {
				return nil, errExplained(http.StatusBadRequest, `Operation "%s" requires a member named "value".`, op)
			}
			p.Value, p.HasValue = value, true
		}
		if err := checkPatchChange(p); err != nil {
			return nil, err
		}
		ops = append(ops, p)
	}
	return ops, nil
}

func patchOpAndPointer(change map[string]any, draft4 bool) (op, pointer string, err error) {
	available := strings.Join(patchOperations, ", ")
	if draft4 {
		// Draft 4 style: {"replace": "/name", "value": "x"}.
		for _, o := range patchOperations {
			if p, ok := change[o]; ok {
				if op != "" {
					return "", "", errExplained(http.StatusBadRequest, "Operation objects must contain only one member named \"add\", \"remove\", or \"replace\".")
				}
				op = o
				pointer, _ = p.(string)
			}
		}
		if op == "" {
			return "", "", errExplained(http.StatusBadRequest, "Operation objects must contain exactly one member named \"add\", \"remove\", or \"replace\".")
		}
		return op, pointer, nil
	}
	rawOp, ok := change["op"]
	if !ok || rawOp == nil {
		return "", "", errExplained(http.StatusBadRequest, "Unable to find `op` in JSON Schema change. It must be one of the following: %s.", available)
	}
	op, _ = rawOp.(string)
	if !slices.Contains(patchOperations, op) {
		return "", "", errExplained(http.StatusBadRequest, "Invalid operation: `%s`. It must be one of the following: %s.", pyStr(rawOp), available)
	}
	rawPath, ok := change["path"]
	if !ok {
		return "", "", errExplained(http.StatusBadRequest, "Unable to find '%s' in JSON Schema change", "path")
	}
	pointer, ok = rawPath.(string)
	if !ok {
		return "", "", errExplained(http.StatusBadRequest, "Pointer `%s` does not start with \"/\".", pyStr(rawPath))
	}
	return op, pointer, nil
}

// pyStr is Python's str() of a decoded JSON value (used where Glance formats one with %s).
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

var (
	pointerAdjacentSlashes = regexp.MustCompile(`/\s*?/`)
	pointerBadEscape       = regexp.MustCompile(`~[^01]`)
)

// decodeJSONPointer validates and splits a pointer as Glance's _decode_json_pointer.
func decodeJSONPointer(pointer string) ([]string, error) {
	switch {
	case !strings.HasPrefix(pointer, "/"):
		return nil, errExplained(http.StatusBadRequest, "Pointer `%s` does not start with \"/\".", pointer)
	case pointerAdjacentSlashes.MatchString(pointer[1:]):
		return nil, errExplained(http.StatusBadRequest, "Pointer `%s` contains adjacent \"/\".", pointer)
	case len(pointer) > 1 && strings.HasSuffix(pointer, "/"):
		return nil, errExplained(http.StatusBadRequest, "Pointer `%s` end with \"/\".", pointer)
	case strings.TrimSpace(pointer[1:]) == "/":
		return nil, errExplained(http.StatusBadRequest, "Pointer `%s` does not contains valid token.", pointer)
	case pointerBadEscape.MatchString(pointer) || strings.HasSuffix(pointer, "~"):
		return nil, errExplained(http.StatusBadRequest, "Pointer `%s` contains \"~\" not part of a recognized escape sequence.", pointer)
	}
	parts := strings.Split(strings.TrimLeft(pointer, "/"), "/")
	for i, part := range parts {
		parts[i] = strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~"))
	}
	return parts, nil
}

// checkPatchChange refuses read-only and reserved attributes and validates the value of an
// add or replace against the image schema, as Glance's _validate_change.
func checkPatchChange(p imagePatchOp) error {
	root := p.Path[0]
	if slices.Contains(imagePatchReadOnly, root) {
		return errExplained(http.StatusForbidden, "Attribute '%s' is read-only.", root)
	}
	if slices.Contains(imageReservedKeys, root) || strings.HasPrefix(root, imageReservedNamespace) {
		return errExplained(http.StatusForbidden, "Attribute '%s' is reserved.", root)
	}
	if p.Op == "remove" {
		return nil
	}
	var partial map[string]any
	switch {
	case len(p.Path) == 1:
		partial = map[string]any{root: p.Value}
	case root == "locations":
		partial = map[string]any{root: []any{p.Value}}
	}
	if partial == nil {
		return nil
	}
	return validateImage(partial)
}

// applyImagePatch applies checked operations to img as Glance's _do_add, _do_replace and
// _do_remove, asking pol before each change (the visibility policies, modify_image or the
// location policies; 404 or 403 as Glance): 403 for owner changes by non-admins, removing
// core attributes and format changes of non-queued images; 409 for replacing or removing
// a missing property; 400 for negative minimums. Location operations go to locs.
func applyImagePatch(img *glimpse.Image, ops []imagePatchOp, pol imagePatchPolicy, locs *locationPatch) error {
	if img.Properties == nil {
		img.Properties = map[string]string{}
	}
	for _, op := range ops {
		root := op.Path[0]
		if root == "locations" {
			if op.Op == "replace" && isEmptyList(op.Value) {
				return errDetailed(http.StatusForbidden, "Cannot set locations to empty list.")
			}
			if err := pol.locations(img, op.Op == "remove"); err != nil {
				return err
			}
			if err := locs.apply(img, op); err != nil {
				return err
			}
			continue
		}
		core := slices.Contains(imagePatchCore, root)
		if op.Op == "replace" && root == "owner" && !pol.isAdmin() {
			return errDetailed(http.StatusForbidden, "Owner can't be updated by non admin.")
		}
		var value any
		if op.Op != "remove" {
			value = op.Value
		}
		if err := pol.property(img, root, value); err != nil {
			return err
		}
		switch op.Op {
		case "remove":
			if core {
				return errDetailed(http.StatusForbidden, "Property %s may not be removed.", root)
			}
			if _, ok := img.Properties[root]; !ok {
				return errDetailed(http.StatusConflict, "Property %s does not exist.", root)
			}
			delete(img.Properties, root)
			continue
		case "replace":
			if !core {
				if _, ok := img.Properties[root]; !ok {
					return errDetailed(http.StatusConflict, "Property %s does not exist.", root)
				}
			}
		case "add":
			if op.Draft4 {
				_, exists := img.Properties[root]
				if core || exists {
					return errDetailed(http.StatusConflict, "Property %s already present.", root)
				}
			}
		}
		if !core {
			s, ok := op.Value.(string)
			if !ok {
				// A schema property that allows null (kernel_id, ramdisk_id) set to null.
				delete(img.Properties, root)
				continue
			}
			img.Properties[root] = s
			continue
		}
		if err := setCoreAttribute(img, root, op.Value, pol.isAdmin()); err != nil {
			return err
		}
	}
	return nil
}

func isEmptyList(v any) bool {
	l, ok := v.([]any)
	return ok && len(l) == 0
}

// setCoreAttribute sets one schema-checked core attribute.
func setCoreAttribute(img *glimpse.Image, name string, v any, admin bool) error {
	switch name {
	case "name":
		img.Name = optionalString(v)
	case "visibility":
		s, _ := v.(string)
		img.Visibility = s
	case "protected":
		img.Protected, _ = v.(bool)
	case "os_hidden":
		img.OSHidden, _ = v.(bool)
	case "min_ram", "min_disk":
		n, err := nonNegativeInt(name, v)
		if err != nil {
			return err
		}
		if name == "min_ram" {
			img.MinRAM = n
		} else {
			img.MinDisk = n
		}
	case "disk_format", "container_format":
		if img.Status != glimpse.ImageStatusQueued {
			return errExplained(http.StatusForbidden, "Attribute %s can be only replaced for a queued image.", name)
		}
		if name == "disk_format" {
			img.DiskFormat = optionalString(v)
		} else {
			img.ContainerFormat = optionalString(v)
		}
	case "owner":
		if !admin {
			return errDetailed(http.StatusForbidden, "Owner can't be updated by non admin.")
		}
		s, _ := v.(string)
		img.Owner = s
	case "tags":
		img.Tags = uniqueTags(v)
	}
	return nil
}

// errPatchMediaType is Glance's 415 for a PATCH that is not a JSON patch of its dialect.
func errPatchMediaType(contentType string) *webobError {
	e := errUnsupportedMedia(contentType)
	e.header = http.Header{"Accept-Patch": {mediaPatchV20 + ", " + mediaPatchV21}}
	return e
}
