package identity

import (
	"context"
	"fmt"
	"strings"

	"github.com/glimpse-image/glimpse"
	"github.com/google/uuid"
)

// BootstrapOptions configures Bootstrap. Empty fields take the defaults in brackets.
type BootstrapOptions struct {
	AdminUsername string // ["admin"]
	AdminPassword string // required when the admin user does not exist yet
	AdminProject  string // ["admin"]
	Region        string // ["RegionOne"]
	// IdentityURL is the public identity endpoint, e.g. "http://127.0.0.1:5000" or
	// "http://127.0.0.1:5000/v3"; the catalog gets it with "/v3" (appended when missing) for
	// the public, internal and admin interfaces, as keystone-manage bootstrap registers.
	// Empty: no identity service is registered.
	IdentityURL string
	// ImageURL is the image endpoint, e.g. "http://127.0.0.1:9292", registered for the
	// public and internal interfaces (as the reference deployment registers Glance).
	// Empty: no image service is registered.
	ImageURL string
	// KeepEndpointURLs leaves the URL of an existing endpoint as it is (only missing
	// endpoints are created). Nodes sharing one database set it, so that each start does
	// not point the whole deployment's catalog at itself.
	KeepEndpointURLs bool
}

// Default ids and names that Bootstrap creates (those of keystone-manage bootstrap).
const (
	DefaultDomainID   = "default"
	DefaultDomainName = "Default"
	ServiceProject    = "service"
)

// NewID returns a new Keystone-style object id: a random UUID as 32 hex digits.
func NewID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// Bootstrap creates what "keystone-manage bootstrap" creates, plus Glance's registration:
// the domain "default" (name "Default"), the projects admin and service, the admin user
// with opts.AdminPassword, the roles admin, member and reader with admin ⇒ member ⇒ reader,
// the admin role for the admin user on the admin project and on the system, the region,
// the keystone (identity) and glance (image) services and their endpoints.
//
// It is idempotent: what exists is kept (an existing admin user keeps its password, even
// if it was changed); an existing endpoint whose URL differs from the configured one is
// updated. created reports whether anything was created or changed.
func Bootstrap(ctx context.Context, store glimpse.IdentityStore, opts BootstrapOptions) (created bool, err error) {
	b := &bootstrapper{store: store}
	if opts.AdminUsername == "" {
		opts.AdminUsername = "admin"
	}
	if opts.AdminProject == "" {
		opts.AdminProject = "admin"
	}
	if opts.Region == "" {
		opts.Region = "RegionOne"
	}
	if err := b.run(ctx, opts); err != nil {
		return b.changed, fmt.Errorf("identity: bootstrap: %w", err)
	}
	return b.changed, nil
}

type bootstrapper struct {
	store   glimpse.IdentityStore
	changed bool
}

// isNotFound reports whether err is ENOTFOUND; other errors abort the bootstrap.
func isNotFound(err error) bool { return glimpse.ErrorCode(err) == glimpse.ENOTFOUND }

func (b *bootstrapper) run(ctx context.Context, opts BootstrapOptions) error {
	if err := b.domain(ctx); err != nil {
		return err
	}
	admin, err := b.project(ctx, opts.AdminProject, "Bootstrap project for initializing the cloud.")
	if err != nil {
		return err
	}
	if _, err := b.project(ctx, ServiceProject, "Service project"); err != nil {
		return err
	}
	user, err := b.user(ctx, opts.AdminUsername, opts.AdminPassword)
	if err != nil {
		return err
	}
	roles := map[string]*glimpse.Role{}
	for _, name := range []string{glimpse.RoleReader, glimpse.RoleMember, glimpse.RoleAdmin} {
		if roles[name], err = b.role(ctx, name); err != nil {
			return err
		}
	}
	if err := b.implied(ctx, roles[glimpse.RoleAdmin].ID, roles[glimpse.RoleMember].ID); err != nil {
		return err
	}
	if err := b.implied(ctx, roles[glimpse.RoleMember].ID, roles[glimpse.RoleReader].ID); err != nil {
		return err
	}
	adminRole := roles[glimpse.RoleAdmin].ID
	if err := b.assign(ctx, glimpse.RoleAssignment{RoleID: adminRole, UserID: user.ID, ProjectID: admin.ID}); err != nil {
		return err
	}
	if err := b.assign(ctx, glimpse.RoleAssignment{RoleID: adminRole, UserID: user.ID, System: true}); err != nil {
		return err
	}
	if err := b.region(ctx, opts.Region); err != nil {
		return err
	}
	if opts.IdentityURL != "" {
		url := strings.TrimRight(opts.IdentityURL, "/")
		if !strings.HasSuffix(url, "/v3") {
			url += "/v3"
		}
		if err := b.catalog(ctx, "keystone", "identity", "", opts.Region, url, opts.KeepEndpointURLs, "public", "internal", "admin"); err != nil {
			return err
		}
	}
	if opts.ImageURL != "" {
		url := strings.TrimRight(opts.ImageURL, "/")
		if err := b.catalog(ctx, "glance", "image", "OpenStack Image", opts.Region, url, opts.KeepEndpointURLs, "public", "internal"); err != nil {
			return err
		}
	}
	return nil
}

func (b *bootstrapper) domain(ctx context.Context) error {
	_, err := b.store.FindDomainByID(ctx, DefaultDomainID)
	if !isNotFound(err) {
		return err
	}
	b.changed = true
	return b.store.CreateDomain(ctx, &glimpse.Domain{ID: DefaultDomainID, Name: DefaultDomainName,
		Description: "The default domain", Enabled: true})
}

func (b *bootstrapper) project(ctx context.Context, name, description string) (*glimpse.Project, error) {
	p, err := b.store.FindProjectByName(ctx, DefaultDomainID, name)
	if !isNotFound(err) {
		return p, err
	}
	p = &glimpse.Project{ID: NewID(), Name: name, DomainID: DefaultDomainID, Description: description, Enabled: true}
	b.changed = true
	return p, b.store.CreateProject(ctx, p)
}

func (b *bootstrapper) user(ctx context.Context, name, password string) (*glimpse.User, error) {
	u, err := b.store.FindUserByName(ctx, DefaultDomainID, name)
	if !isNotFound(err) {
		return u, err
	}
	if password == "" {
		return nil, fmt.Errorf("no password for the new user %q", name)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return nil, err
	}
	u = &glimpse.User{ID: NewID(), Name: name, DomainID: DefaultDomainID, Enabled: true, PasswordHash: hash}
	b.changed = true
	return u, b.store.CreateUser(ctx, u)
}

func (b *bootstrapper) role(ctx context.Context, name string) (*glimpse.Role, error) {
	r, err := b.store.FindRoleByName(ctx, name)
	if !isNotFound(err) {
		return r, err
	}
	r = &glimpse.Role{ID: NewID(), Name: name}
	b.changed = true
	return r, b.store.CreateRole(ctx, r)
}

func (b *bootstrapper) implied(ctx context.Context, prior, implied string) error {
	all, err := b.store.FindImpliedRoles(ctx)
	if err != nil {
		return err
	}
	ir := glimpse.ImpliedRole{PriorRoleID: prior, ImpliedRoleID: implied}
	for _, x := range all {
		if x == ir {
			return nil
		}
	}
	b.changed = true
	return b.store.CreateImpliedRole(ctx, ir)
}

func (b *bootstrapper) assign(ctx context.Context, a glimpse.RoleAssignment) error {
	f := glimpse.AssignmentFilter{UserID: a.UserID, ProjectID: a.ProjectID, RoleID: a.RoleID}
	if a.System {
		f.System = &a.System
	}
	found, err := b.store.FindAssignments(ctx, f)
	if err != nil {
		return err
	}
	for _, x := range found {
		if x == a {
			return nil
		}
	}
	b.changed = true
	return b.store.CreateAssignment(ctx, a)
}

func (b *bootstrapper) region(ctx context.Context, id string) error {
	_, err := b.store.FindRegionByID(ctx, id)
	if !isNotFound(err) {
		return err
	}
	b.changed = true
	return b.store.CreateRegion(ctx, &glimpse.Region{ID: id})
}

// catalog finds or creates the service of the given type and one endpoint per interface.
func (b *bootstrapper) catalog(ctx context.Context, name, typ, description, region, url string, keepURLs bool, interfaces ...string) error {
	services, err := b.store.FindServices(ctx)
	if err != nil {
		return err
	}
	var svc *glimpse.Service
	for _, s := range services {
		if s.Type == typ {
			svc = s
			break
		}
	}
	if svc == nil {
		svc = &glimpse.Service{ID: NewID(), Type: typ, Name: name, Description: description, Enabled: true}
		b.changed = true
		if err := b.store.CreateService(ctx, svc); err != nil {
			return err
		}
	}
	endpoints, err := b.store.FindEndpoints(ctx)
	if err != nil {
		return err
	}
next:
	for _, iface := range interfaces {
		for _, e := range endpoints {
			if e.ServiceID == svc.ID && e.Interface == iface && e.RegionID == region {
				if e.URL != url && !keepURLs {
					e.URL = url
					b.changed = true
					if err := b.store.UpdateEndpoint(ctx, e); err != nil {
						return err
					}
				}
				continue next
			}
		}
		b.changed = true
		e := &glimpse.Endpoint{ID: NewID(), ServiceID: svc.ID, RegionID: region, Interface: iface, URL: url, Enabled: true}
		if err := b.store.CreateEndpoint(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
