package glimpse

import (
	"context"
	"time"
)

// Image statuses, as in the Glance Image API v2 reference ("Image statuses").
const (
	ImageStatusQueued      = "queued"      // created, no data yet
	ImageStatusSaving      = "saving"      // data upload in progress
	ImageStatusUploading   = "uploading"   // data staged for an interoperable import
	ImageStatusImporting   = "importing"   // an import task is running
	ImageStatusActive      = "active"      // data present and readable
	ImageStatusDeactivated = "deactivated" // data readable only by admins
	ImageStatusKilled      = "killed"      // an error occurred during upload
	ImageStatusDeleted     = "deleted"     // soft-deleted; never listed or shown
)

// Image visibilities ("Image visibility" in the Glance API reference).
const (
	ImageVisibilityPublic    = "public"
	ImageVisibilityPrivate   = "private"
	ImageVisibilityShared    = "shared"
	ImageVisibilityCommunity = "community"
)

// DiskFormats and ContainerFormats are Glance's default allowed values
// (glance-api.conf [image_format] disk_formats / container_formats).
var (
	DiskFormats      = []string{"ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"}
	ContainerFormats = []string{"ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"}
)

// Image is one Glance image record. Pointer fields are null in the API until set.
// Properties are the custom ("additional") properties, all strings as the image schema says.
type Image struct {
	ID              string
	Name            *string
	Status          string
	Visibility      string
	Protected       bool
	OSHidden        bool
	Owner           string  // project id; "" is null
	Size            *int64  // bytes
	VirtualSize     *int64  // bytes
	Checksum        *string // hex md5 of the data
	OSHashAlgo      *string // "sha512"
	OSHashValue     *string // hex digest of the data with OSHashAlgo
	DiskFormat      *string
	ContainerFormat *string
	MinDisk         int // GiB
	MinRAM          int // MiB
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       *time.Time
	Tags            []string          // unique, in insertion order
	Properties      map[string]string // custom properties
	Locations       []Location        // where the data lives; empty until uploaded
}

// Location is one copy of an image's data: in a configured store, or at an external
// http(s) URL added through PATCH /locations (Glance's show_multiple_locations).
type Location struct {
	URL      string         // as returned by Store.Put, or the external URL
	StoreID  string         // the id of the store (GET /v2/info/stores); "" for an external location
	Metadata map[string]any // Glance's location metadata (JSON values); usually empty
	Status   string         // "active" or "pending_delete"
}

// External reports whether the location is an external URL rather than a copy in one of
// the configured stores: glimpse reads it but never writes or deletes it.
func (l Location) External() bool { return l.StoreID == "" }

// ActiveLocations returns the locations the data can be read from, in order: neither
// staged data nor copies pending delete. An image has data when there is one.
func (img *Image) ActiveLocations() []Location {
	var locs []Location
	for _, l := range img.Locations {
		if l.Status == "" || l.Status == "active" {
			locs = append(locs, l)
		}
	}
	return locs
}

// Stores returns the ids of the stores holding the image's data, in location order,
// as the "stores" attribute of the image ("Multi-store" in the Glance API reference).
func (img *Image) Stores() []string {
	var ids []string
	for _, l := range img.Locations {
		if (l.Status == "" || l.Status == "active") && !l.External() {
			ids = append(ids, l.StoreID)
		}
	}
	return ids
}

// Filter operators for ImageFilter conditions ("Sorting, filtering and paginating" and
// "Comparison operators" in the Glance API reference).
const (
	OpEq  = "eq"
	OpNeq = "neq"
	OpGt  = "gt"
	OpGte = "gte"
	OpLt  = "lt"
	OpLte = "lte"
	OpIn  = "in"
)

// Condition is one filter on an image attribute or custom property.
// Values holds one value, or several for OpIn.
type Condition struct {
	Field  string // core attribute ("name", "status", "size", "created_at", …) or property key
	Op     string // one of the Op constants
	Values []string
}

// SortKey orders a listing. Field is a core attribute name accepted by the images schema
// ("name", "status", "created_at", "updated_at", "size", "id", …).
type SortKey struct {
	Field string
	Desc  bool
}

// Member statuses ("Image members" in the Glance API reference).
const (
	MemberStatusPending  = "pending"
	MemberStatusAccepted = "accepted"
	MemberStatusRejected = "rejected"
	MemberStatusAll      = "all" // filter value only
)

// Viewer scopes a listing to what one caller may see.
type Viewer struct {
	ProjectID string
	Admin     bool // sees every image, like Glance's is_admin context
}

// ImageFilter selects images for ImageService.FindImages (GET /v2/images).
//
// Visibility: "" lists public, the viewer's own, community images the viewer owns and shared
// images of which the viewer is a member with MemberStatus (default accepted); "all" also
// lists every community image; a visibility value lists only those. An admin Viewer sees all.
type ImageFilter struct {
	Viewer       *Viewer // nil: no scoping (internal callers)
	Visibility   string
	MemberStatus string      // "" means accepted; MemberStatusAll for any
	Conditions   []Condition // on core attributes
	Properties   []Condition // on custom properties (OpEq/OpIn/OpNeq)
	Tags         []string    // the image must carry every one
	Sort         []SortKey   // the store appends "created_at desc, id desc" as tie-breakers when missing
	Limit        int         // 0: the store's default
	Marker       string      // id of the last image of the previous page; EINVALID if unknown or unseen
}

// ImageService stores image metadata. It does not check who may do what: callers apply
// the access rules (access.go) first. Errors: ENOTFOUND for a missing or deleted image,
// ECONFLICT for a duplicate id, EINVALID for a bad filter or marker.
type ImageService interface {
	// CreateImage stores img, setting ID (when empty), CreatedAt and UpdatedAt.
	CreateImage(ctx context.Context, img *Image) error
	// FindImageByID returns the image, including its tags, properties and locations.
	FindImageByID(ctx context.Context, id string) (*Image, error)
	// FindImages returns one page of images in filter order.
	FindImages(ctx context.Context, filter ImageFilter) ([]*Image, error)
	// UpdateImage reads the image, calls fn on it and writes back what fn changed, in one
	// transaction, so concurrent updates never lose each other's writes. An error from fn
	// aborts the update and is returned as is. UpdatedAt is set by the store.
	UpdateImage(ctx context.Context, id string, fn func(img *Image) error) (*Image, error)
	// DeleteImage soft-deletes the image (status deleted, DeletedAt set) and its members.
	DeleteImage(ctx context.Context, id string) error
}

// Member is one project an image is shared with.
type Member struct {
	ImageID   string
	MemberID  string // project id
	Status    string // MemberStatus*
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MemberService stores image members. Errors: ENOTFOUND, ECONFLICT for a duplicate member.
type MemberService interface {
	CreateMember(ctx context.Context, m *Member) error
	FindMember(ctx context.Context, imageID, memberID string) (*Member, error)
	FindMembers(ctx context.Context, imageID string) ([]*Member, error)
	UpdateMember(ctx context.Context, m *Member) error // sets UpdatedAt
	DeleteMember(ctx context.Context, imageID, memberID string) error
}
