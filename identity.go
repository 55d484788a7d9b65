package glimpse

import (
	"context"
	"slices"
	"time"
)

// Role names that glimpse bootstraps; admin implies member implies reader
// (Keystone's default roles, "keystone-manage bootstrap").
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
	RoleReader = "reader"
)

// Domain, Project, User, Role, Region, Service and Endpoint are the Keystone v3 identity
// objects glimpse keeps ("Identity API v3" reference, sections of the same names).
type Domain struct {
	ID          string
	Name        string
	Description string
	Enabled     bool
}

type Project struct {
	ID          string
	Name        string
	DomainID    string
	Description string
	Enabled     bool
	Tags        []string       // Keystone's project tags, in order; nil is none
	Extra       map[string]any // Keystone's other attributes, kept as given; nil is none
}

type User struct {
	ID               string
	Name             string
	DomainID         string
	DefaultProjectID string
	Enabled          bool
	PasswordHash     string // bcrypt; never leaves the identity package or the store
	CreatedAt        time.Time
	Extra            map[string]any // Keystone's other attributes (email, description, …); nil is none
}

type Role struct {
	ID          string
	Name        string
	DomainID    string // "" for global roles
	Description string
}

// RoleAssignment grants RoleID to UserID on exactly one target: a project, a domain, or
// the system ("all").
type RoleAssignment struct {
	RoleID    string
	UserID    string
	ProjectID string
	DomainID  string
	System    bool
}

// ImpliedRole says that holding PriorRoleID also grants ImpliedRoleID.
type ImpliedRole struct {
	PriorRoleID   string
	ImpliedRoleID string
}

type Region struct {
	ID             string
	Description    string
	ParentRegionID string
}

type Service struct {
	ID          string
	Type        string // "image", "identity"
	Name        string // "glance", "keystone"
	Description string
	Enabled     bool
}

type Endpoint struct {
	ID        string
	ServiceID string
	RegionID  string
	Interface string // public | internal | admin
	URL       string
	Enabled   bool
}

// AssignmentFilter selects role assignments; empty fields match anything.
type AssignmentFilter struct {
	UserID    string
	ProjectID string
	DomainID  string
	RoleID    string
	System    *bool
}

// IdentityStore keeps the Keystone objects. Errors: ENOTFOUND, ECONFLICT for a duplicate id
// or a duplicate name within its scope (domain name; project/user name within a domain;
// role name). Find* by name take the domain id as Keystone scopes names.
type IdentityStore interface {
	CreateDomain(ctx context.Context, d *Domain) error
	FindDomainByID(ctx context.Context, id string) (*Domain, error)
	FindDomainByName(ctx context.Context, name string) (*Domain, error)
	FindDomains(ctx context.Context) ([]*Domain, error)
	UpdateDomain(ctx context.Context, d *Domain) error
	DeleteDomain(ctx context.Context, id string) error

	CreateProject(ctx context.Context, p *Project) error
	FindProjectByID(ctx context.Context, id string) (*Project, error)
	FindProjectByName(ctx context.Context, domainID, name string) (*Project, error)
	FindProjects(ctx context.Context, domainID string) ([]*Project, error) // "" = all domains
	UpdateProject(ctx context.Context, p *Project) error
	DeleteProject(ctx context.Context, id string) error // also removes its assignments

	CreateUser(ctx context.Context, u *User) error
	FindUserByID(ctx context.Context, id string) (*User, error)
	FindUserByName(ctx context.Context, domainID, name string) (*User, error)
	FindUsers(ctx context.Context, domainID string) ([]*User, error) // "" = all domains
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, id string) error // also removes its assignments

	CreateRole(ctx context.Context, r *Role) error
	FindRoleByID(ctx context.Context, id string) (*Role, error)
	FindRoleByName(ctx context.Context, name string) (*Role, error) // global roles
	FindRoles(ctx context.Context) ([]*Role, error)
	DeleteRole(ctx context.Context, id string) error // also removes assignments and implications

	CreateImpliedRole(ctx context.Context, ir ImpliedRole) error // idempotent
	FindImpliedRoles(ctx context.Context) ([]ImpliedRole, error)

	CreateAssignment(ctx context.Context, a RoleAssignment) error // idempotent
	FindAssignments(ctx context.Context, f AssignmentFilter) ([]RoleAssignment, error)
	DeleteAssignment(ctx context.Context, a RoleAssignment) error // ENOTFOUND when absent

	CreateRegion(ctx context.Context, r *Region) error
	FindRegionByID(ctx context.Context, id string) (*Region, error)
	FindRegions(ctx context.Context) ([]*Region, error)
	DeleteRegion(ctx context.Context, id string) error

	CreateService(ctx context.Context, s *Service) error
	FindServiceByID(ctx context.Context, id string) (*Service, error)
	FindServices(ctx context.Context) ([]*Service, error)
	UpdateService(ctx context.Context, s *Service) error
	DeleteService(ctx context.Context, id string) error // also removes its endpoints

	CreateEndpoint(ctx context.Context, e *Endpoint) error
	FindEndpointByID(ctx context.Context, id string) (*Endpoint, error)
	FindEndpoints(ctx context.Context) ([]*Endpoint, error)
	UpdateEndpoint(ctx context.Context, e *Endpoint) error
	DeleteEndpoint(ctx context.Context, id string) error
}

// Revocation revokes every token that matches all of its non-empty fields and was issued
// at or before IssuedBefore (Keystone's revocation events, "OS-REVOKE").
type Revocation struct {
	AuditID      string // one token (and tokens rescoped from it)
	UserID       string // every token of a user (user disabled, deleted, password changed)
	ProjectID    string // every token scoped to a project (project deleted)
	IssuedBefore time.Time
	ExpiresAt    time.Time // when the event can be forgotten (the longest token lifetime after it)
}

// RevocationStore keeps revocation events so that every node sharing the database honours
// them. FindRevocations returns the events created after since (by insertion), unexpired.
type RevocationStore interface {
	CreateRevocation(ctx context.Context, r Revocation) error
	FindRevocations(ctx context.Context, since time.Time) ([]Revocation, error)
	PurgeRevocations(ctx context.Context, before time.Time) error
}

// Principal is who a token says the caller is. Exactly one of ProjectID, DomainID or
// System is set for a scoped token; none for an unscoped one.
type Principal struct {
	UserID            string
	UserName          string
	UserDomainID      string
	UserDomainName    string
	ProjectID         string
	ProjectName       string
	ProjectDomainID   string
	ProjectDomainName string
	DomainID          string // domain scope
	DomainName        string
	System            bool     // system scope ("all")
	Roles             []Role   // effective roles, implied roles included
	Methods           []string // "password", "token"
	AuditIDs          []string // [own] or [own, parent] for a rescoped token
	IssuedAt          time.Time
	ExpiresAt         time.Time
}

// HasRole reports whether the principal holds the named role.
func (p *Principal) HasRole(name string) bool {
	return p != nil && slices.ContainsFunc(p.Roles, func(r Role) bool { return r.Name == name })
}

// IsAdmin reports whether the principal holds the admin role in any scope, which is what
// Glance's legacy "role:admin" check (is_admin) means.
func (p *Principal) IsAdmin() bool { return p.HasRole(RoleAdmin) }

// AuthRequest is a parsed POST /v3/auth/tokens body ("Password authentication with scoped
// authorization" and "Token authentication" in the Identity API v3 reference).
type AuthRequest struct {
	Methods []string
	// password method: user by id, or by name within a domain given by id or name
	UserID, UserName, UserDomainID, UserDomainName, Password string
	// token method
	Token string
	// scope: at most one of project (id, or name + domain id/name), domain (id or name), system
	ProjectID, ProjectName, ProjectDomainID, ProjectDomainName string
	DomainID, DomainName                                       string
	System                                                     bool
	Unscoped                                                   bool // "scope": "unscoped"
}

// TokenService issues and validates tokens. Validation must not need a database round trip
// per call (tokens are signed; revocations are cached). Errors: EUNAUTHORIZED for bad
// credentials or a disabled user; ENOTFOUND for an invalid, expired or revoked token.
type TokenService interface {
	IssueToken(ctx context.Context, req AuthRequest) (token string, p *Principal, err error)
	ValidateToken(ctx context.Context, token string) (*Principal, error)
	RevokeToken(ctx context.Context, token string) error
}

type principalKey struct{}

// NewContextWithPrincipal returns ctx carrying the authenticated caller.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the caller set by the auth middleware, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
