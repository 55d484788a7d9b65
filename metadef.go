package glimpse

import (
	"context"
	"encoding/json"
	"time"
)

// Metadata definition ("metadefs") visibilities: a private namespace is seen only by its
// owner project and admins ("Metadata definition namespaces" in the Glance API reference).
const (
	MetadefVisibilityPublic  = "public"
	MetadefVisibilityPrivate = "private"
)

// MetadefNamespace is one namespace of the metadata definitions catalog. Optional text
// fields are "" when unset (the API then omits them). UpdatedAt is nil for namespaces that
// were seeded and never changed.
type MetadefNamespace struct {
	Namespace   string // unique name, at most 80 characters
	DisplayName string
	Description string
	Visibility  string // MetadefVisibility*
	Protected   bool   // a protected namespace and its contents cannot be deleted
	Owner       string // project id ("admin" for the seeded standard namespaces)
	CreatedAt   time.Time
	UpdatedAt   *time.Time
	// Associations are the namespace's resource-type associations, filled by the Find
	// methods, oldest first.
	Associations []MetadefAssociation
}

// MetadefAssociation associates a namespace with a resource type
// ("Metadata definition resource types" in the Glance API reference).
type MetadefAssociation struct {
	Name             string // resource type name, e.g. "OS::Glance::Image"
	Prefix           string // "" when unset; prefixes property names for that resource type
	PropertiesTarget string // "" when unset
	CreatedAt        time.Time
	UpdatedAt        *time.Time
}

// MetadefResourceType is one resource type of the catalog.
type MetadefResourceType struct {
	Name      string
	Protected bool // a seeded system type
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// MetadefProperty is one property definition. Schema is its JSON object (title, type,
// description, enum, …) without "name", as the API shows it.
type MetadefProperty struct {
	Name      string
	Schema    json.RawMessage
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// MetadefObject is one object definition: a named group of property definitions.
// Properties keep the order they were given in.
type MetadefObject struct {
	Name        string
	Description string
	Required    []string // nil when unset
	Properties  []MetadefProperty
	CreatedAt   time.Time
	UpdatedAt   *time.Time
}

// MetadefTag is one tag definition.
type MetadefTag struct {
	Name      string
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// MetadefContents are what a namespace holds besides its associations; CreateNamespace
// stores them with the namespace, and the standard catalog seeds them.
type MetadefContents struct {
	Objects    []*MetadefObject
	Properties []*MetadefProperty
	Tags       []*MetadefTag
}

// MetadefSeedNamespace is one namespace of the standard catalog with its contents.
type MetadefSeedNamespace struct {
	Namespace *MetadefNamespace // Associations included
	Contents  MetadefContents
}

// MetadefNamespaceFilter selects namespaces for FindNamespaces (GET /v2/metadefs/namespaces).
type MetadefNamespaceFilter struct {
	Viewer        *Viewer  // nil: all; else public ones, the viewer's own, or all for an admin
	Visibility    string   // "" for any
	ResourceTypes []string // the namespace must be associated with one of them
	SortKey       string   // a namespace field: created_at (default), updated_at, namespace, …
	SortDesc      bool
	Limit         int    // 0: no limit
	Marker        string // namespace name of the last item of the previous page
}

// MetadefTagFilter pages the tags of a namespace (GET …/tags).
type MetadefTagFilter struct {
	SortKey  string // created_at (default), updated_at, name
	SortDesc bool
	Limit    int    // 0: no limit
	Marker   string // tag name
}

// Parts of a namespace that DeleteNamespaceContent removes.
const (
	MetadefObjects    = "objects"
	MetadefProperties = "properties"
	MetadefTags       = "tags"
)

// MetadefService stores the metadata definitions catalog. Like ImageService it does not
// check who may do what: callers apply the visibility rule (a private namespace is seen
// by its owner project and admins) and the metadef policies first. Errors carry Glance's messages: ENOTFOUND for a missing namespace, object,
// property, tag, resource type or association; ECONFLICT for a duplicate name; EINVALID
// for a bad filter. Times are set by the store.
type MetadefService interface {
	// CreateNamespace stores ns with its associations and contents in one transaction,
	// creating resource types that do not exist yet.
	CreateNamespace(ctx context.Context, ns *MetadefNamespace, contents *MetadefContents) error
	FindNamespace(ctx context.Context, name string) (*MetadefNamespace, error)
	FindNamespaces(ctx context.Context, filter MetadefNamespaceFilter) ([]*MetadefNamespace, error)
	// UpdateNamespace reads the namespace, calls fn on it and writes back its fields (a new
	// Namespace renames it), in one transaction. Associations are not changed.
	UpdateNamespace(ctx context.Context, name string, fn func(ns *MetadefNamespace) error) (*MetadefNamespace, error)
	// DeleteNamespace removes the namespace and everything in it.
	DeleteNamespace(ctx context.Context, name string) error
	// DeleteNamespaceContent removes all objects, properties or tags (MetadefObjects, …).
	DeleteNamespaceContent(ctx context.Context, name, part string) error

	CreateObject(ctx context.Context, namespace string, o *MetadefObject) error
	FindObject(ctx context.Context, namespace, name string) (*MetadefObject, error)
	FindObjects(ctx context.Context, namespace string) ([]*MetadefObject, error) // by name
	// UpdateObject replaces the object called name with o (o.Name may rename it).
	UpdateObject(ctx context.Context, namespace, name string, o *MetadefObject) error
	DeleteObject(ctx context.Context, namespace, name string) error

	CreateProperty(ctx context.Context, namespace string, p *MetadefProperty) error
	FindProperty(ctx context.Context, namespace, name string) (*MetadefProperty, error)
	FindProperties(ctx context.Context, namespace string) ([]*MetadefProperty, error) // by name
	// UpdateProperty replaces the property called name with p (p.Name may rename it).
	UpdateProperty(ctx context.Context, namespace, name string, p *MetadefProperty) error
	DeleteProperty(ctx context.Context, namespace, name string) error

	// CreateTags adds tags with the given names; unless appending, the namespace's
	// existing tags are removed first. A duplicate name fails the whole call.
	CreateTags(ctx context.Context, namespace string, names []string, appending bool) ([]*MetadefTag, error)
	FindTag(ctx context.Context, namespace, name string) (*MetadefTag, error)
	FindTags(ctx context.Context, namespace string, filter MetadefTagFilter) ([]*MetadefTag, error)
	// RenameTag changes a tag's name.
	RenameTag(ctx context.Context, namespace, name, newName string) (*MetadefTag, error)
	DeleteTag(ctx context.Context, namespace, name string) error

	// FindResourceTypes lists every resource type, oldest first.
	FindResourceTypes(ctx context.Context) ([]*MetadefResourceType, error)
	// CreateAssociation associates the namespace with a resource type, creating the
	// resource type when it does not exist.
	CreateAssociation(ctx context.Context, namespace string, a *MetadefAssociation) error
	DeleteAssociation(ctx context.Context, namespace, resourceType string) error

	// SeedMetadefs stores the standard catalog once per database: it returns false and
	// changes nothing when the database was seeded before (even if the catalog was emptied
	// since). Concurrent callers on a shared database seed it once.
	SeedMetadefs(ctx context.Context, resourceTypes []*MetadefResourceType, namespaces []*MetadefSeedNamespace) (bool, error)
}
