package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// Attribute classes of the image API (glance.api.v2.images and glance.domain).
var (
	// imageDisallowedKeys may never be sent: 403 "Attribute 'x' is read-only." before
	// anything else is checked.
	imageDisallowedKeys = []string{"direct_url", "self", "file", "schema", "stores"}
	// imageReservedKeys are refused on create with webob's "Access was denied" explanation.
	imageReservedKeys = []string{"location", "deleted", "deleted_at"}
	// imageReadOnlyKeys are set by the service only.
	imageReadOnlyKeys = []string{"created_at", "updated_at", "status", "checksum", "os_hash_algo",
		"os_hash_value", "size", "virtual_size"}
	// imageCoreKeys are the attributes that are not custom properties.
	imageCoreKeys = []string{"checksum", "created_at", "container_format", "disk_format", "id",
		"min_disk", "min_ram", "name", "size", "virtual_size", "status", "tags", "owner",
		"updated_at", "visibility", "protected", "os_hidden", "os_hash_algo", "os_hash_value",
		"locations", "direct_url", "self", "file", "schema", "stores"}
)

// imageReservedNamespace prefixes property names that only Glance itself may set.
const imageReservedNamespace = "os_glance"

// handleImageCreate answers POST /v2/images ("Create image"): 201 with the image, a
// Location header, and the OpenStack-image-import-methods / OpenStack-image-store-ids
// headers. The body is parsed as JSON whatever its Content-Type, as Glance does.
func (s *Server) handleImageCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSONBody(r)
	if err != nil {
		return err
	}
	p := imageCaller(r)
	img, err := newImageFromBody(body, p, func(owner *string, visibility string) error {
		return s.authorizeNewImage(p, owner, visibility)
	})
	if err != nil {
		return err
	}
	if err := s.enforceQuota(r.Context(), imageCaller(r).ProjectID, glimpse.QuotaImageCountTotal, 0, 1); err != nil {
		return err
	}
	if err := checkImage4Byte(img); err != nil {
		return err
	}
	if err := s.Images.CreateImage(r.Context(), img); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return errExplained(http.StatusConflict, "Image ID %s already exists!", img.ID)
		}
		return err
	}
	w.Header().Set("Location", s.imageBaseURL(r)+"/v2/images/"+img.ID)
	if methods := s.importMethods(); len(methods) > 0 {
		w.Header().Set("OpenStack-image-import-methods", strings.Join(methods, ","))
	}
	if ids := s.storeIDs(); len(ids) > 0 {
		w.Header().Set("OpenStack-image-store-ids", strings.Join(ids, ","))
	}
	writePyJSONResponse(w, http.StatusCreated, s.viewImage(imageCaller(r), img))
	return nil
}

func (s *Server) storeIDs() []string {
	ids := make([]string, 0, len(s.Stores))
	for _, st := range s.Stores {
		ids = append(ids, st.ID())
	}
	return ids
}

// newImageFromBody checks a decoded POST /v2/images body in Glance's order (read-only and
// reserved keys, the image schema, read-only attributes, negative minimums, then
// authorize with the requested owner (nil when absent, "" for null) and visibility ("" when
// absent): Server.authorizeNewImage) and returns the image to create for p.
func newImageFromBody(body any, p *glimpse.Principal, authorize func(owner *string, visibility string) error) (*glimpse.Image, error) {
	obj, isObject := body.(map[string]any)
	if isObject {
		for _, k := range imageDisallowedKeys {
			if _, ok := obj[k]; ok {
				return nil, errExplained(http.StatusForbidden, "Attribute '%s' is read-only.", k)
			}
		}
		for _, k := range sortedKeys(obj) {
			if slices.Contains(imageReservedKeys, k) || strings.HasPrefix(k, imageReservedNamespace) {
				return nil, errDetailed(http.StatusForbidden, "Attribute '%s' is reserved.", k)
			}
		}
	}
	if err := validateImage(body); err != nil {
		return nil, err
	}
	if !isObject {
		return nil, errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	for k := range obj {
		if !slices.Contains(imageCoreKeys, k) && len([]rune(k)) > 255 {
			return nil, errExplained(http.StatusBadRequest, "Custom property should not be greater than 255 characters.")
		}
	}
	for _, k := range imageReadOnlyKeys {
		if _, ok := obj[k]; ok {
			return nil, errExplained(http.StatusForbidden, "Attribute '%s' is read-only.", k)
		}
	}
	if _, ok := obj["locations"]; ok {
		return nil, errExplained(http.StatusForbidden, "Attribute 'locations' is reserved.")
	}

	img := &glimpse.Image{
		Status:     glimpse.ImageStatusQueued,
		Visibility: glimpse.ImageVisibilityShared,
		Owner:      p.ProjectID,
		Properties: map[string]string{},
		Tags:       []string{},
	}
	for _, k := range []string{"min_ram", "min_disk"} {
		v, ok := obj[k]
		if !ok {
			continue
		}
		n, err := nonNegativeInt(k, v)
		if err != nil {
			return nil, err
		}
		if k == "min_ram" {
			img.MinRAM = n
		} else {
			img.MinDisk = n
		}
	}
	var owner *string
	if v, ok := obj["owner"]; ok {
		o, _ := v.(string)
		owner = &o
		img.Owner = o
	}
	visibility, _ := obj["visibility"].(string)
	if visibility != "" {
		img.Visibility = visibility
	}
	if err := authorize(owner, visibility); err != nil {
		return nil, err
	}
	for k, v := range obj {
		switch k {
		case "id":
			img.ID, _ = v.(string)
		case "name":
			img.Name = optionalString(v)
		case "disk_format":
			img.DiskFormat = optionalString(v)
		case "container_format":
			img.ContainerFormat = optionalString(v)
		case "protected":
			img.Protected, _ = v.(bool)
		case "os_hidden":
			img.OSHidden, _ = v.(bool)
		case "tags":
			img.Tags = uniqueTags(v)
		case "min_ram", "min_disk", "owner", "visibility":
		default:
			if s, ok := v.(string); ok {
				img.Properties[k] = s
			}
		}
	}
	if err := checkImageQuotas(img); err != nil {
		return nil, err
	}
	return img, nil
}

// errPublicize is Glance's answer when a non-admin makes an image public.
func errPublicize() *webobError {
	return errExplained(http.StatusForbidden, "You are not authorized to complete publicize_image action.")
}

// nonNegativeInt returns a schema-checked integer attribute, refusing negatives as
// Glance's domain does.
func nonNegativeInt(name string, v any) (int, error) {
	num, _ := v.(json.Number)
	n, err := num.Int64()
	if err != nil {
		f, ferr := num.Float64()
		if ferr != nil {
			return 0, errExplained(http.StatusBadRequest, "Invalid value '%s' for parameter '%s': must be an integer", num, name)
		}
		n = int64(f)
	}
	if n < 0 {
		return 0, errExplained(http.StatusBadRequest, "Invalid value '%d' for parameter '%s': Cannot be a negative value", n, name)
	}
	if n > 1<<31-1 {
		return 0, errExplained(http.StatusBadRequest, "'%s' value out of range, must not exceed 2147483647.", name)
	}
	return int(n), nil
}

func optionalString(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

// uniqueTags returns the schema-checked tags list without repeats, in first-seen order
// (Glance keeps tags as a set).
func uniqueTags(v any) []string {
	list, _ := v.([]any)
	tags := make([]string, 0, len(list))
	for _, t := range list {
		if s, ok := t.(string); ok && !slices.Contains(tags, s) {
			tags = append(tags, s)
		}
	}
	return tags
}
