package sqlstore

import (
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
)

var keystoneID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func testDomains(t *testing.T, open opener) {
	db := open(t)
	def := &glimpse.Domain{ID: "default", Name: "Default", Description: "The default domain", Enabled: true}
	must(t, db.CreateDomain(ctx, def))
	other := &glimpse.Domain{Name: "other"}
	must(t, db.CreateDomain(ctx, other))
	if !keystoneID.MatchString(other.ID) {
		t.Errorf("generated domain id %q, want 32 hex digits", other.ID)
	}
	got, err := db.FindDomainByID(ctx, "default")
	must(t, err)
	if !reflect.DeepEqual(got, def) {
		t.Errorf("FindDomainByID = %+v, want %+v", got, def)
	}
	got, err = db.FindDomainByName(ctx, "other")
	must(t, err)
	if !reflect.DeepEqual(got, other) {
		t.Errorf("FindDomainByName = %+v, want %+v", got, other)
	}
	_, err = db.FindDomainByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find domain: nosuch.")
	_, err = db.FindDomainByName(ctx, "default") // names are case sensitive
	wantCode(t, err, glimpse.ENOTFOUND)

	wantError(t, db.CreateDomain(ctx, &glimpse.Domain{Name: "Default"}), glimpse.ECONFLICT,
		"Conflict occurred attempting to store domain - Duplicate entry found with name Default.")
	wantCode(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "default", Name: "new"}), glimpse.ECONFLICT)

	other.Name, other.Description, other.Enabled = "renamed", "d", true
	must(t, db.UpdateDomain(ctx, other))
	got, err = db.FindDomainByID(ctx, other.ID)
	must(t, err)
	if !reflect.DeepEqual(got, other) {
		t.Errorf("after update %+v, want %+v", got, other)
	}
	wantCode(t, db.UpdateDomain(ctx, &glimpse.Domain{ID: other.ID, Name: "Default"}), glimpse.ECONFLICT)
	wantCode(t, db.UpdateDomain(ctx, &glimpse.Domain{ID: "nosuch", Name: "x"}), glimpse.ENOTFOUND)

	list, err := db.FindDomains(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Name != "Default" || list[1].Name != "renamed" {
		t.Errorf("FindDomains = %+v", list)
	}

	// Deleting a domain deletes what is in it.
	p := &glimpse.Project{Name: "p", DomainID: other.ID}
	must(t, db.CreateProject(ctx, p))
	u := &glimpse.User{Name: "u", DomainID: other.ID}
	must(t, db.CreateUser(ctx, u))
	du := &glimpse.User{Name: "du", DomainID: "default"}
	must(t, db.CreateUser(ctx, du))
	r := &glimpse.Role{Name: "member"}
	must(t, db.CreateRole(ctx, r))
	must(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: r.ID, UserID: du.ID, ProjectID: p.ID}))
	must(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: r.ID, UserID: du.ID, DomainID: other.ID}))
	must(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: r.ID, UserID: du.ID, DomainID: "default"}))
	must(t, db.DeleteDomain(ctx, other.ID))
	_, err = db.FindProjectByID(ctx, p.ID)
	wantCode(t, err, glimpse.ENOTFOUND)
	_, err = db.FindUserByID(ctx, u.ID)
	wantCode(t, err, glimpse.ENOTFOUND)
	as, err := db.FindAssignments(ctx, glimpse.AssignmentFilter{})
	must(t, err)
	if want := []glimpse.RoleAssignment{{RoleID: r.ID, UserID: du.ID, DomainID: "default"}}; !reflect.DeepEqual(as, want) {
		t.Errorf("assignments after domain delete = %+v, want %+v", as, want)
	}
	wantError(t, db.DeleteDomain(ctx, other.ID), glimpse.ENOTFOUND, "Could not find domain: "+other.ID+".")
}

func testProjectsUsers(t *testing.T, open opener) {
	db := open(t)
	useClock(db, t0)
	must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "default", Name: "Default", Enabled: true}))
	must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "d2", Name: "D2", Enabled: true}))

	demo := &glimpse.Project{Name: "demo", DomainID: "default", Description: "Demo", Enabled: true}
	must(t, db.CreateProject(ctx, demo))
	if !keystoneID.MatchString(demo.ID) {
		t.Errorf("generated project id %q", demo.ID)
	}
	must(t, db.CreateProject(ctx, &glimpse.Project{ID: "admin-project", Name: "admin", DomainID: "default", Enabled: true}))
	must(t, db.CreateProject(ctx, &glimpse.Project{Name: "demo", DomainID: "d2"})) // same name, other domain
	err := db.CreateProject(ctx, &glimpse.Project{ID: "dup", Name: "demo", DomainID: "default"})
	wantError(t, err, glimpse.ECONFLICT, "Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is demo, project id dup.")
	wantCode(t, db.CreateProject(ctx, &glimpse.Project{ID: demo.ID, Name: "fresh", DomainID: "default"}), glimpse.ECONFLICT)
	wantError(t, db.CreateProject(ctx, &glimpse.Project{Name: "x", DomainID: "nosuch"}), glimpse.ENOTFOUND, "Could not find domain: nosuch.")

	got, err := db.FindProjectByID(ctx, demo.ID)
	must(t, err)
	if !reflect.DeepEqual(got, demo) {
		t.Errorf("FindProjectByID = %+v, want %+v", got, demo)
	}
	got, err = db.FindProjectByName(ctx, "default", "demo")
	must(t, err)
	if got.ID != demo.ID {
		t.Errorf("FindProjectByName(default, demo) = %+v", got)
	}
	_, err = db.FindProjectByName(ctx, "d2", "admin")
	wantCode(t, err, glimpse.ENOTFOUND)
	_, err = db.FindProjectByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find project: nosuch.")
	all, err := db.FindProjects(ctx, "")
	must(t, err)
	inDefault, err := db.FindProjects(ctx, "default")
	must(t, err)
	if len(all) != 3 || len(inDefault) != 2 || inDefault[0].Name != "admin" || inDefault[1].Name != "demo" {
		t.Errorf("FindProjects: all %d, default %+v", len(all), inDefault)
	}
	demo.Description, demo.Enabled = "changed", false
	must(t, db.UpdateProject(ctx, demo))
	got, err = db.FindProjectByID(ctx, demo.ID)
	must(t, err)
	if !reflect.DeepEqual(got, demo) {
		t.Errorf("after UpdateProject %+v, want %+v", got, demo)
	}
	wantCode(t, db.UpdateProject(ctx, &glimpse.Project{ID: demo.ID, Name: "admin", DomainID: "default"}), glimpse.ECONFLICT)
	wantCode(t, db.UpdateProject(ctx, &glimpse.Project{ID: "nosuch", Name: "n", DomainID: "default"}), glimpse.ENOTFOUND)

	// Users.
	u := &glimpse.User{Name: "demo", DomainID: "default", DefaultProjectID: demo.ID, Enabled: true, PasswordHash: "$2a$12$hash"}
	must(t, db.CreateUser(ctx, u))
	if !keystoneID.MatchString(u.ID) || !u.CreatedAt.Equal(t0.UTC().Truncate(time.Microsecond)) {
		t.Errorf("CreateUser set id %q created %v", u.ID, u.CreatedAt)
	}
	gotU, err := db.FindUserByID(ctx, u.ID)
	must(t, err)
	if !reflect.DeepEqual(gotU, u) {
		t.Errorf("FindUserByID = %+v, want %+v", gotU, u)
	}
	gotU, err = db.FindUserByName(ctx, "default", "demo")
	must(t, err)
	if gotU.ID != u.ID {
		t.Errorf("FindUserByName = %+v", gotU)
	}
	must(t, db.CreateUser(ctx, &glimpse.User{Name: "demo", DomainID: "d2"}))
	wantError(t, db.CreateUser(ctx, &glimpse.User{Name: "demo", DomainID: "default"}), glimpse.ECONFLICT,
		"Conflict occurred attempting to store user - Duplicate entry found with name demo at domain ID default.")
	wantCode(t, db.CreateUser(ctx, &glimpse.User{Name: "x", DomainID: "nosuch"}), glimpse.ENOTFOUND)
	_, err = db.FindUserByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find user: nosuch.")
	users, err := db.FindUsers(ctx, "d2")
	must(t, err)
	if len(users) != 1 || users[0].DomainID != "d2" {
		t.Errorf("FindUsers(d2) = %+v", users)
	}
	u.Enabled, u.PasswordHash, u.DefaultProjectID = false, "$2a$12$other", ""
	must(t, db.UpdateUser(ctx, u))
	gotU, err = db.FindUserByID(ctx, u.ID)
	must(t, err)
	if !reflect.DeepEqual(gotU, u) {
		t.Errorf("after UpdateUser %+v, want %+v", gotU, u)
	}
	wantCode(t, db.UpdateUser(ctx, &glimpse.User{ID: "nosuch", Name: "n", DomainID: "default"}), glimpse.ENOTFOUND)

	// Deleting a project or a user removes their assignments, and only theirs.
	role := &glimpse.Role{Name: "member"}
	must(t, db.CreateRole(ctx, role))
	other := &glimpse.User{Name: "other", DomainID: "default"}
	must(t, db.CreateUser(ctx, other))
	for _, a := range []glimpse.RoleAssignment{
		{RoleID: role.ID, UserID: u.ID, ProjectID: demo.ID},
		{RoleID: role.ID, UserID: u.ID, ProjectID: "admin-project"},
		{RoleID: role.ID, UserID: other.ID, ProjectID: demo.ID},
		{RoleID: role.ID, UserID: other.ID, ProjectID: "admin-project"},
	} {
		must(t, db.CreateAssignment(ctx, a))
	}
	must(t, db.DeleteProject(ctx, demo.ID))
	wantError(t, db.DeleteProject(ctx, demo.ID), glimpse.ENOTFOUND, "Could not find project: "+demo.ID+".")
	must(t, db.DeleteUser(ctx, u.ID))
	wantCode(t, db.DeleteUser(ctx, u.ID), glimpse.ENOTFOUND)
	as, err := db.FindAssignments(ctx, glimpse.AssignmentFilter{})
	must(t, err)
	if want := []glimpse.RoleAssignment{{RoleID: role.ID, UserID: other.ID, ProjectID: "admin-project"}}; !reflect.DeepEqual(as, want) {
		t.Errorf("assignments left %+v, want %+v", as, want)
	}
}

func testRolesAssignments(t *testing.T, open opener) {
	db := open(t)
	must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "default", Name: "Default", Enabled: true}))
	p := &glimpse.Project{ID: "p", Name: "p", DomainID: "default"}
	must(t, db.CreateProject(ctx, p))
	u := &glimpse.User{ID: "u", Name: "u", DomainID: "default"}
	must(t, db.CreateUser(ctx, u))

	var roles []*glimpse.Role
	for _, name := range []string{glimpse.RoleAdmin, glimpse.RoleMember, glimpse.RoleReader} {
		r := &glimpse.Role{Name: name}
		must(t, db.CreateRole(ctx, r))
		if !keystoneID.MatchString(r.ID) {
			t.Errorf("generated role id %q", r.ID)
		}
		roles = append(roles, r)
	}
	admin, member, reader := roles[0], roles[1], roles[2]
	wantError(t, db.CreateRole(ctx, &glimpse.Role{Name: "admin"}), glimpse.ECONFLICT,
		"Conflict occurred attempting to store role - Duplicate entry found with name admin.")
	// A domain-specific role may share a global role's name.
	dr := &glimpse.Role{Name: "admin", DomainID: "default", Description: "domain admin"}
	must(t, db.CreateRole(ctx, dr))
	got, err := db.FindRoleByName(ctx, "admin")
	must(t, err)
	if !reflect.DeepEqual(got, admin) {
		t.Errorf("FindRoleByName(admin) = %+v, want the global %+v", got, admin)
	}
	got, err = db.FindRoleByID(ctx, dr.ID)
	must(t, err)
	if !reflect.DeepEqual(got, dr) {
		t.Errorf("FindRoleByID = %+v, want %+v", got, dr)
	}
	_, err = db.FindRoleByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find role: nosuch.")
	list, err := db.FindRoles(ctx)
	must(t, err)
	if len(list) != 4 {
		t.Errorf("FindRoles = %d roles", len(list))
	}

	// Implied roles are idempotent.
	for range 2 {
		must(t, db.CreateImpliedRole(ctx, glimpse.ImpliedRole{PriorRoleID: admin.ID, ImpliedRoleID: member.ID}))
		must(t, db.CreateImpliedRole(ctx, glimpse.ImpliedRole{PriorRoleID: member.ID, ImpliedRoleID: reader.ID}))
	}
	wantCode(t, db.CreateImpliedRole(ctx, glimpse.ImpliedRole{PriorRoleID: admin.ID, ImpliedRoleID: "nosuch"}), glimpse.ENOTFOUND)
	irs, err := db.FindImpliedRoles(ctx)
	must(t, err)
	if len(irs) != 2 || !slices.Contains(irs, glimpse.ImpliedRole{PriorRoleID: admin.ID, ImpliedRoleID: member.ID}) ||
		!slices.Contains(irs, glimpse.ImpliedRole{PriorRoleID: member.ID, ImpliedRoleID: reader.ID}) {
		t.Errorf("FindImpliedRoles = %+v", irs)
	}

	// Assignments: idempotent, one target each, filters.
	grants := []glimpse.RoleAssignment{
		{RoleID: member.ID, UserID: u.ID, ProjectID: p.ID},
		{RoleID: reader.ID, UserID: u.ID, ProjectID: p.ID},
		{RoleID: admin.ID, UserID: u.ID, DomainID: "default"},
		{RoleID: admin.ID, UserID: u.ID, System: true},
	}
	for range 2 {
		for _, a := range grants {
			must(t, db.CreateAssignment(ctx, a))
		}
	}
	wantCode(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: admin.ID, UserID: u.ID}), glimpse.EINVALID)
	wantCode(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: admin.ID, UserID: u.ID, ProjectID: p.ID, System: true}), glimpse.EINVALID)
	wantError(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: admin.ID, UserID: "nosuch", ProjectID: p.ID}), glimpse.ENOTFOUND, "Could not find user: nosuch.")
	wantError(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: "nosuch", UserID: u.ID, ProjectID: p.ID}), glimpse.ENOTFOUND, "Could not find role: nosuch.")
	wantError(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: admin.ID, UserID: u.ID, ProjectID: "nosuch"}), glimpse.ENOTFOUND, "Could not find project: nosuch.")
	wantError(t, db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: admin.ID, UserID: u.ID, DomainID: "nosuch"}), glimpse.ENOTFOUND, "Could not find domain: nosuch.")

	yes, no := true, false
	count := func(f glimpse.AssignmentFilter) int {
		t.Helper()
		as, err := db.FindAssignments(ctx, f)
		must(t, err)
		for _, a := range as {
			if !slices.Contains(grants, a) {
				t.Errorf("FindAssignments(%+v) returned unknown %+v", f, a)
			}
		}
		return len(as)
	}
	for _, tc := range []struct {
		f    glimpse.AssignmentFilter
		want int
	}{
		{glimpse.AssignmentFilter{}, 4},
		{glimpse.AssignmentFilter{UserID: u.ID}, 4},
		{glimpse.AssignmentFilter{UserID: "nosuch"}, 0},
		{glimpse.AssignmentFilter{ProjectID: p.ID}, 2},
		{glimpse.AssignmentFilter{ProjectID: p.ID, RoleID: reader.ID}, 1},
		{glimpse.AssignmentFilter{DomainID: "default"}, 1},
		{glimpse.AssignmentFilter{System: &yes}, 1},
		{glimpse.AssignmentFilter{System: &no}, 3},
		{glimpse.AssignmentFilter{RoleID: admin.ID}, 2},
		{glimpse.AssignmentFilter{RoleID: admin.ID, System: &no}, 1},
	} {
		if got := count(tc.f); got != tc.want {
			t.Errorf("FindAssignments(%+v) = %d, want %d", tc.f, got, tc.want)
		}
	}

	must(t, db.DeleteAssignment(ctx, grants[1]))
	wantError(t, db.DeleteAssignment(ctx, grants[1]), glimpse.ENOTFOUND,
		"Could not find role assignment with role: "+reader.ID+", user or group: u, project, domain, or system: p.")
	if n := count(glimpse.AssignmentFilter{}); n != 3 {
		t.Errorf("%d assignments after one delete, want 3", n)
	}

	// Deleting a role removes its assignments and implications.
	must(t, db.DeleteRole(ctx, admin.ID))
	wantCode(t, db.DeleteRole(ctx, admin.ID), glimpse.ENOTFOUND)
	as, err := db.FindAssignments(ctx, glimpse.AssignmentFilter{})
	must(t, err)
	if !reflect.DeepEqual(as, []glimpse.RoleAssignment{grants[0]}) {
		t.Errorf("assignments after role delete = %+v", as)
	}
	irs, err = db.FindImpliedRoles(ctx)
	must(t, err)
	if !reflect.DeepEqual(irs, []glimpse.ImpliedRole{{PriorRoleID: member.ID, ImpliedRoleID: reader.ID}}) {
		t.Errorf("implied roles after role delete = %+v", irs)
	}
}

func testCatalog(t *testing.T, open opener) {
	db := open(t)
	r1 := &glimpse.Region{ID: "RegionOne", Description: "first"}
	must(t, db.CreateRegion(ctx, r1))
	r2 := &glimpse.Region{ID: "RegionTwo", ParentRegionID: "RegionOne"}
	must(t, db.CreateRegion(ctx, r2))
	wantError(t, db.CreateRegion(ctx, &glimpse.Region{ID: "RegionOne"}), glimpse.ECONFLICT,
		"Conflict occurred attempting to store region - Duplicate ID, RegionOne..")
	wantCode(t, db.CreateRegion(ctx, &glimpse.Region{ID: "x", ParentRegionID: "nosuch"}), glimpse.ENOTFOUND)
	gen := &glimpse.Region{}
	must(t, db.CreateRegion(ctx, gen))
	if !keystoneID.MatchString(gen.ID) {
		t.Errorf("generated region id %q", gen.ID)
	}
	gotR, err := db.FindRegionByID(ctx, "RegionTwo")
	must(t, err)
	if !reflect.DeepEqual(gotR, r2) {
		t.Errorf("FindRegionByID = %+v, want %+v", gotR, r2)
	}
	_, err = db.FindRegionByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find region: nosuch.")
	regions, err := db.FindRegions(ctx)
	must(t, err)
	if len(regions) != 3 {
		t.Errorf("FindRegions = %+v", regions)
	}
	must(t, db.DeleteRegion(ctx, gen.ID))
	wantCode(t, db.DeleteRegion(ctx, gen.ID), glimpse.ENOTFOUND)

	img := &glimpse.Service{Type: "image", Name: "glance", Description: "Image", Enabled: true}
	must(t, db.CreateService(ctx, img))
	ident := &glimpse.Service{ID: "keystone-id", Type: "identity", Name: "keystone", Enabled: true}
	must(t, db.CreateService(ctx, ident))
	wantCode(t, db.CreateService(ctx, &glimpse.Service{ID: "keystone-id", Type: "x"}), glimpse.ECONFLICT)
	gotS, err := db.FindServiceByID(ctx, img.ID)
	must(t, err)
	if !reflect.DeepEqual(gotS, img) || !keystoneID.MatchString(img.ID) {
		t.Errorf("FindServiceByID = %+v, want %+v", gotS, img)
	}
	img.Description, img.Enabled = "Glimpse", false
	must(t, db.UpdateService(ctx, img))
	gotS, err = db.FindServiceByID(ctx, img.ID)
	must(t, err)
	if !reflect.DeepEqual(gotS, img) {
		t.Errorf("after UpdateService %+v, want %+v", gotS, img)
	}
	wantError(t, db.UpdateService(ctx, &glimpse.Service{ID: "nosuch"}), glimpse.ENOTFOUND, "Could not find service: nosuch.")

	var eps []*glimpse.Endpoint
	for _, e := range []*glimpse.Endpoint{
		{ServiceID: img.ID, RegionID: "RegionOne", Interface: "public", URL: "http://127.0.0.1:9292", Enabled: true},
		{ServiceID: img.ID, RegionID: "RegionOne", Interface: "internal", URL: "http://127.0.0.1:9292", Enabled: true},
		{ID: "ks-public", ServiceID: ident.ID, RegionID: "RegionOne", Interface: "public", URL: "http://127.0.0.1:5000/v3", Enabled: true},
	} {
		must(t, db.CreateEndpoint(ctx, e))
		eps = append(eps, e)
	}
	wantError(t, db.CreateEndpoint(ctx, &glimpse.Endpoint{ServiceID: "nosuch", Interface: "public", URL: "u"}), glimpse.ENOTFOUND, "Could not find service: nosuch.")
	wantError(t, db.CreateEndpoint(ctx, &glimpse.Endpoint{ServiceID: img.ID, RegionID: "nosuch", Interface: "public", URL: "u"}), glimpse.ENOTFOUND, "Could not find region: nosuch.")
	wantCode(t, db.CreateEndpoint(ctx, &glimpse.Endpoint{ID: "ks-public", ServiceID: img.ID, Interface: "public", URL: "u"}), glimpse.ECONFLICT)
	gotE, err := db.FindEndpointByID(ctx, eps[0].ID)
	must(t, err)
	if !reflect.DeepEqual(gotE, eps[0]) {
		t.Errorf("FindEndpointByID = %+v, want %+v", gotE, eps[0])
	}
	eps[2].URL, eps[2].Enabled = "http://127.0.0.1:5001/v3", false
	must(t, db.UpdateEndpoint(ctx, eps[2]))
	gotE, err = db.FindEndpointByID(ctx, "ks-public")
	must(t, err)
	if !reflect.DeepEqual(gotE, eps[2]) {
		t.Errorf("after UpdateEndpoint %+v, want %+v", gotE, eps[2])
	}
	wantCode(t, db.UpdateEndpoint(ctx, &glimpse.Endpoint{ID: "nosuch", ServiceID: img.ID}), glimpse.ENOTFOUND)
	_, err = db.FindEndpointByID(ctx, "nosuch")
	wantError(t, err, glimpse.ENOTFOUND, "Could not find endpoint: nosuch.")

	// Deleting a service deletes its endpoints only.
	must(t, db.DeleteService(ctx, img.ID))
	wantCode(t, db.DeleteService(ctx, img.ID), glimpse.ENOTFOUND)
	all, err := db.FindEndpoints(ctx)
	must(t, err)
	if len(all) != 1 || all[0].ID != "ks-public" {
		t.Errorf("endpoints after service delete = %+v", all)
	}
	must(t, db.DeleteEndpoint(ctx, "ks-public"))
	wantCode(t, db.DeleteEndpoint(ctx, "ks-public"), glimpse.ENOTFOUND)
	services, err := db.FindServices(ctx)
	must(t, err)
	if len(services) != 1 || services[0].ID != ident.ID {
		t.Errorf("FindServices = %+v", services)
	}
}

// testIdentityExtra: project tags and the other attributes of users and projects
// round-trip, are replaced by an update, and are cleared by an empty value.
func testIdentityExtra(t *testing.T, open opener) {
	db := open(t)
	must(t, db.CreateDomain(ctx, &glimpse.Domain{ID: "default", Name: "Default", Enabled: true}))
	p := &glimpse.Project{Name: "tagged", DomainID: "default", Enabled: true, Tags: []string{"b", "a", "x y"},
		Extra: map[string]any{"color": "blue", "nested": map[string]any{"k": []any{"v", 1.5}}}}
	must(t, db.CreateProject(ctx, p))
	u := &glimpse.User{Name: "u", DomainID: "default", Enabled: true, Extra: map[string]any{"email": "u@example.org", "description": "d"}}
	must(t, db.CreateUser(ctx, u))
	gotP, err := db.FindProjectByID(ctx, p.ID)
	must(t, err)
	if !reflect.DeepEqual(gotP.Tags, p.Tags) || !reflect.DeepEqual(gotP.Extra, p.Extra) {
		t.Errorf("project tags %q extra %v, want %q %v", gotP.Tags, gotP.Extra, p.Tags, p.Extra)
	}
	gotU, err := db.FindUserByName(ctx, "default", "u")
	must(t, err)
	if !reflect.DeepEqual(gotU.Extra, u.Extra) {
		t.Errorf("user extra %v, want %v", gotU.Extra, u.Extra)
	}
	gotP.Tags, gotP.Extra = []string{"c"}, nil
	must(t, db.UpdateProject(ctx, gotP))
	gotU.Extra = map[string]any{"email": "new@example.org"}
	must(t, db.UpdateUser(ctx, gotU))
	projects, err := db.FindProjects(ctx, "")
	must(t, err)
	if len(projects) != 1 || !reflect.DeepEqual(projects[0].Tags, []string{"c"}) || projects[0].Extra != nil {
		t.Errorf("after the update: %+v", projects[0])
	}
	users, err := db.FindUsers(ctx, "")
	must(t, err)
	if len(users) != 1 || users[0].Extra["email"] != "new@example.org" || len(users[0].Extra) != 1 {
		t.Errorf("user after the update: %+v", users[0])
	}
}
