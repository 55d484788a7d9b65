package identity

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore"
)

const adminPassword = "admin-secret"

// testDB opens a new SQLite database in a temporary directory and bootstraps it.
func testDB(t testing.TB) *sqlstore.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "glimpse.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	created, err := Bootstrap(ctx, db, BootstrapOptions{AdminPassword: adminPassword,
		IdentityURL: "http://127.0.0.1:5000", ImageURL: "http://127.0.0.1:9292"})
	if err != nil || !created {
		t.Fatalf("Bootstrap = %v, %v; want true, nil", created, err)
	}
	return db
}

func newService(t testing.TB, db *sqlstore.DB, keys ...[]byte) *Service {
	t.Helper()
	if len(keys) == 0 {
		keys = [][]byte{mustKey(t)}
	}
	return New(db, db, keys, time.Hour, slog.New(slog.DiscardHandler))
}

func adminAuth() glimpse.AuthRequest {
	return glimpse.AuthRequest{Methods: []string{"password"}, UserName: "admin", UserDomainName: "Default",
		Password: adminPassword, ProjectName: "admin", ProjectDomainName: "Default"}
}

func roleNames(p *glimpse.Principal) []string {
	var names []string
	for _, r := range p.Roles {
		names = append(names, r.Name)
	}
	return names
}

// createUser makes a user with a password and, when role is not empty, that role on the
// project.
func createUser(t *testing.T, db *sqlstore.DB, name, password string, project *glimpse.Project, role string) *glimpse.User {
	t.Helper()
	ctx := context.Background()
	hash, err := HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u := &glimpse.User{ID: NewID(), Name: name, DomainID: DefaultDomainID, Enabled: true, PasswordHash: hash}
	if project != nil {
		u.DefaultProjectID = project.ID
	}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if role != "" {
		r, err := db.FindRoleByName(ctx, role)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: r.ID, UserID: u.ID, ProjectID: project.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return u
}

func createProject(t *testing.T, db *sqlstore.DB, name string) *glimpse.Project {
	t.Helper()
	p := &glimpse.Project{ID: NewID(), Name: name, DomainID: DefaultDomainID, Enabled: true}
	if err := db.CreateProject(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestIssueAndValidateProjectToken(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	before := time.Now()
	token, p, err := s.IssueToken(ctx, adminAuth())
	if err != nil {
		t.Fatal(err)
	}
	proj, _ := db.FindProjectByName(ctx, "default", "admin")
	user, _ := db.FindUserByName(ctx, "default", "admin")
	if p.UserID != user.ID || p.UserName != "admin" || p.UserDomainID != "default" || p.UserDomainName != "Default" {
		t.Errorf("user of the token: %+v", p)
	}
	if p.ProjectID != proj.ID || p.ProjectName != "admin" || p.ProjectDomainID != "default" || p.ProjectDomainName != "Default" || p.System || p.DomainID != "" {
		t.Errorf("scope of the token: %+v", p)
	}
	if got := roleNames(p); !slices.Equal(got, []string{"admin", "member", "reader"}) {
		t.Errorf("roles = %v, want admin member reader (implied ones included)", got)
	}
	if !slices.Equal(p.Methods, []string{"password"}) || len(p.AuditIDs) != 1 {
		t.Errorf("methods %v, audit ids %v", p.Methods, p.AuditIDs)
	}
	if p.IssuedAt.Before(before) || !p.ExpiresAt.Equal(p.IssuedAt.Add(time.Hour)) {
		t.Errorf("issued %v, expires %v", p.IssuedAt, p.ExpiresAt)
	}
	got, err := s.ValidateToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if got.UserID != p.UserID || got.ProjectID != p.ProjectID || !got.IsAdmin() || !got.ExpiresAt.Equal(p.ExpiresAt) {
		t.Errorf("validated principal %+v differs from the issued one %+v", got, p)
	}
}

func TestIssueByIDs(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	proj, _ := db.FindProjectByName(ctx, "default", "admin")
	user, _ := db.FindUserByName(ctx, "default", "admin")
	_, p, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"password"}, UserID: user.ID,
		Password: adminPassword, ProjectID: proj.ID})
	if err != nil {
		t.Fatal(err)
	}
	if p.ProjectID != proj.ID || p.UserName != "admin" {
		t.Errorf("principal %+v", p)
	}
	_, p, err = s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"password"}, UserName: "admin",
		UserDomainID: "default", Password: adminPassword, ProjectName: "admin", ProjectDomainID: "default"})
	if err != nil || p.ProjectID != proj.ID {
		t.Errorf("by name and domain id: %+v, %v", p, err)
	}
}

func TestIssueRejects(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	demo := createProject(t, db, "demo")
	createUser(t, db, "demo", "demo-secret", demo, glimpse.RoleMember)
	disabled := createUser(t, db, "gone", "gone-secret", demo, glimpse.RoleMember)
	disabled.Enabled = false
	if err := db.UpdateUser(ctx, disabled); err != nil {
		t.Fatal(err)
	}
	off := createProject(t, db, "off")
	createUser(t, db, "offuser", "off-secret", off, glimpse.RoleMember)
	off.Enabled = false
	if err := db.UpdateProject(ctx, off); err != nil {
		t.Fatal(err)
	}

	mod := func(f func(r *glimpse.AuthRequest)) glimpse.AuthRequest {
		r := adminAuth()
		f(&r)
		return r
	}
	for name, req := range map[string]glimpse.AuthRequest{
		"wrong password":       mod(func(r *glimpse.AuthRequest) { r.Password = "nope" }),
		"empty password":       mod(func(r *glimpse.AuthRequest) { r.Password = "" }),
		"unknown user":         mod(func(r *glimpse.AuthRequest) { r.UserName = "nobody" }),
		"unknown user id":      mod(func(r *glimpse.AuthRequest) { r.UserName, r.UserID = "", "0123" }),
		"no user":              mod(func(r *glimpse.AuthRequest) { r.UserName = "" }),
		"unknown user domain":  mod(func(r *glimpse.AuthRequest) { r.UserDomainName = "Nope" }),
		"unknown project":      mod(func(r *glimpse.AuthRequest) { r.ProjectName = "nope" }),
		"unknown project id":   mod(func(r *glimpse.AuthRequest) { r.ProjectName, r.ProjectID = "", "0123" }),
		"no role on project":   mod(func(r *glimpse.AuthRequest) { r.ProjectName = "demo" }),
		"no role on domain":    mod(func(r *glimpse.AuthRequest) { r.ProjectName, r.DomainID = "", "default" }),
		"unknown domain scope": mod(func(r *glimpse.AuthRequest) { r.ProjectName, r.DomainName = "", "Nope" }),
		"demo on system": {Methods: []string{"password"}, UserName: "demo", UserDomainID: "default",
			Password: "demo-secret", System: true},
		"disabled user": {Methods: []string{"password"}, UserName: "gone", UserDomainID: "default",
			Password: "gone-secret", ProjectName: "demo", ProjectDomainID: "default"},
		"disabled project": {Methods: []string{"password"}, UserName: "offuser", UserDomainID: "default",
			Password: "off-secret", ProjectName: "off", ProjectDomainID: "default"},
	} {
		_, _, err := s.IssueToken(ctx, req)
		if glimpse.ErrorCode(err) != glimpse.EUNAUTHORIZED || glimpse.ErrorMessage(err) != msgAuthRequired {
			t.Errorf("%s: err = %v, want EUNAUTHORIZED %q", name, err, msgAuthRequired)
		}
	}
	// A disabled project: no default-project fallback error either, just an unscoped token.
	_, p, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"password"}, UserName: "offuser",
		UserDomainID: "default", Password: "off-secret"})
	if err != nil || p.ProjectID != "" || len(p.Roles) != 0 {
		t.Errorf("disabled default project: %+v, %v; want an unscoped token", p, err)
	}
	for name, methods := range map[string][]string{"none": nil, "unknown": {"totp"}} {
		_, _, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: methods})
		if glimpse.ErrorCode(err) != glimpse.EINVALID {
			t.Errorf("methods %s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestDisabledDomainRejects(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	d, _ := db.FindDomainByID(ctx, "default")
	d.Enabled = false
	if err := db.UpdateDomain(ctx, d); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.IssueToken(ctx, adminAuth()); glimpse.ErrorCode(err) != glimpse.EUNAUTHORIZED {
		t.Errorf("user in a disabled domain: err = %v, want EUNAUTHORIZED", err)
	}
}

func TestScopes(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	demo := createProject(t, db, "demo")
	createUser(t, db, "demo", "demo-secret", demo, glimpse.RoleMember)
	demoAuth := glimpse.AuthRequest{Methods: []string{"password"}, UserName: "demo", UserDomainName: "Default", Password: "demo-secret"}

	t.Run("system", func(t *testing.T) {
		r := adminAuth()
		r.ProjectName, r.ProjectDomainName, r.System = "", "", true
		token, p, err := s.IssueToken(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !p.System || p.ProjectID != "" || !slices.Equal(roleNames(p), []string{"admin", "member", "reader"}) {
			t.Errorf("system token: %+v", p)
		}
		if v, err := s.ValidateToken(ctx, token); err != nil || !v.System {
			t.Errorf("validated system token: %+v, %v", v, err)
		}
	})
	t.Run("domain", func(t *testing.T) {
		admin, _ := db.FindUserByName(ctx, "default", "admin")
		role, _ := db.FindRoleByName(ctx, "reader")
		if err := db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: role.ID, UserID: admin.ID, DomainID: "default"}); err != nil {
			t.Fatal(err)
		}
		r := adminAuth()
		r.ProjectName, r.ProjectDomainName, r.DomainName = "", "", "Default"
		_, p, err := s.IssueToken(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if p.DomainID != "default" || p.DomainName != "Default" || p.ProjectID != "" || !slices.Equal(roleNames(p), []string{"reader"}) {
			t.Errorf("domain token: %+v", p)
		}
	})
	t.Run("implied roles only downwards", func(t *testing.T) {
		r := demoAuth
		r.ProjectID = demo.ID
		_, p, err := s.IssueToken(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(roleNames(p), []string{"member", "reader"}) || p.IsAdmin() {
			t.Errorf("member's roles = %v, want member reader", roleNames(p))
		}
	})
	t.Run("default project", func(t *testing.T) {
		_, p, err := s.IssueToken(ctx, demoAuth)
		if err != nil {
			t.Fatal(err)
		}
		if p.ProjectID != demo.ID || p.ProjectName != "demo" {
			t.Errorf("no scope: %+v, want the default project demo", p)
		}
	})
	t.Run("explicitly unscoped", func(t *testing.T) {
		r := demoAuth
		r.Unscoped = true
		_, p, err := s.IssueToken(ctx, r)
		if err != nil || p.ProjectID != "" || p.Roles != nil {
			t.Errorf("unscoped: %+v, %v", p, err)
		}
	})
	t.Run("no default project", func(t *testing.T) {
		r := adminAuth()
		r.ProjectName, r.ProjectDomainName = "", ""
		_, p, err := s.IssueToken(ctx, r)
		if err != nil || p.ProjectID != "" || p.System || p.Roles != nil {
			t.Errorf("admin without scope: %+v, %v; want unscoped", p, err)
		}
	})
}

func TestRescope(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	r := adminAuth()
	r.ProjectName, r.ProjectDomainName = "", ""
	unscoped, parent, err := s.IssueToken(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return parent.IssuedAt.Add(time.Minute) }
	token, p, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"token"}, Token: unscoped,
		ProjectName: "admin", ProjectDomainID: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if p.ProjectName != "admin" || !p.IsAdmin() {
		t.Errorf("rescoped: %+v", p)
	}
	if !slices.Equal(p.Methods, []string{"password", "token"}) {
		t.Errorf("methods = %v, want password token", p.Methods)
	}
	if len(p.AuditIDs) != 2 || p.AuditIDs[1] != parent.AuditIDs[0] || p.AuditIDs[0] == parent.AuditIDs[0] {
		t.Errorf("audit ids %v, parent %v: want [new, parent]", p.AuditIDs, parent.AuditIDs)
	}
	if !p.ExpiresAt.Equal(parent.ExpiresAt) || !p.IssuedAt.After(parent.IssuedAt) {
		t.Errorf("rescoped token issued %v expires %v; parent expires %v", p.IssuedAt, p.ExpiresAt, parent.ExpiresAt)
	}
	// Rescoping again without a scope keeps the scope and the chain's root.
	_, again, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"token"}, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if again.ProjectName != "admin" || again.AuditIDs[1] != parent.AuditIDs[0] {
		t.Errorf("second rescope: %+v", again)
	}
	// Bad parents.
	if _, _, err := s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"token"}, Token: "garbage"}); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("garbage parent: %v, want ENOTFOUND", err)
	}
	_, _, err = s.IssueToken(ctx, glimpse.AuthRequest{Methods: []string{"token"}, Token: unscoped, ProjectName: "service", ProjectDomainID: "default"})
	if glimpse.ErrorCode(err) != glimpse.EUNAUTHORIZED {
		t.Errorf("rescope to a project without a role: %v, want EUNAUTHORIZED", err)
	}
	// Revoking the parent revokes the rescoped token.
	if err := s.RevokeToken(ctx, unscoped); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ValidateToken(ctx, token); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("child of a revoked token: %v, want ENOTFOUND", err)
	}
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	token, p, err := s.IssueToken(ctx, adminAuth())
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return p.ExpiresAt.Add(-time.Nanosecond) }
	if _, err := s.ValidateToken(ctx, token); err != nil {
		t.Errorf("just before expiry: %v", err)
	}
	s.now = func() time.Time { return p.ExpiresAt }
	_, err = s.ValidateToken(ctx, token)
	if glimpse.ErrorCode(err) != glimpse.ENOTFOUND || glimpse.ErrorMessage(err) != msgInvalidToken {
		t.Errorf("at expiry: %v, want ENOTFOUND %q", err, msgInvalidToken)
	}
}

func TestServiceKeyRotation(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	oldKey, newKey := mustKey(t), mustKey(t)
	before := newService(t, db, oldKey)
	after := newService(t, db, newKey, oldKey)
	oldToken, _, err := before.IssueToken(ctx, adminAuth())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := after.ValidateToken(ctx, oldToken); err != nil {
		t.Errorf("old token after rotation: %v", err)
	}
	newToken, _, _ := after.IssueToken(ctx, adminAuth())
	if _, err := before.ValidateToken(ctx, newToken); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("a node without the new key validated a token sealed with it: %v", err)
	}
	if _, err := newService(t, db, newKey).ValidateToken(ctx, newToken); err != nil {
		t.Errorf("new token with the new key only: %v", err)
	}
}

func TestRevokeToken(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	key := mustKey(t)
	s := newService(t, db, key)
	token, _, _ := s.IssueToken(ctx, adminAuth())
	other, _, _ := s.IssueToken(ctx, adminAuth())
	if err := s.RevokeToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	_, err := s.ValidateToken(ctx, token)
	if glimpse.ErrorCode(err) != glimpse.ENOTFOUND || glimpse.ErrorMessage(err) != msgInvalidToken {
		t.Errorf("revoked token: %v, want ENOTFOUND %q", err, msgInvalidToken)
	}
	if err := s.RevokeToken(ctx, token); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("revoking twice: %v, want ENOTFOUND", err)
	}
	if _, err := s.ValidateToken(ctx, other); err != nil {
		t.Errorf("another token of the same user was revoked too: %v", err)
	}
	// A fresh service over the same database loads the event on first use.
	fresh := newService(t, db, key)
	if _, err := fresh.ValidateToken(ctx, token); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("a new node accepted a revoked token: %v", err)
	}
}

func TestTwoNodesShareTokensAndRevocations(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	key := mustKey(t)
	a, b := newService(t, db, key), newService(t, db, key)
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	token, _, err := a.IssueToken(ctx, adminAuth())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ValidateToken(ctx, token); err != nil {
		t.Fatalf("node B rejects node A's token: %v", err)
	}
	if err := a.RevokeToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ValidateToken(ctx, token); err != nil {
		t.Errorf("node B validated from the database instead of its cache: %v", err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ValidateToken(ctx, token); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("node B after refresh: %v, want ENOTFOUND", err)
	}
}

func TestRevokeUserAndProject(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	key := mustKey(t)
	a, b := newService(t, db, key), newService(t, db, key)
	demo := createProject(t, db, "demo")
	demoUser := createUser(t, db, "demo", "demo-secret", demo, glimpse.RoleMember)
	demoAuth := glimpse.AuthRequest{Methods: []string{"password"}, UserName: "demo", UserDomainName: "Default", Password: "demo-secret"}
	demoToken, _, err := a.IssueToken(ctx, demoAuth)
	if err != nil {
		t.Fatal(err)
	}
	adminToken, _, _ := a.IssueToken(ctx, adminAuth())

	if err := a.RevokeUser(ctx, demoUser.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Service{"A": a, "B": b} {
		if _, err := s.ValidateToken(ctx, demoToken); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
			t.Errorf("node %s: token of a revoked user: %v", name, err)
		}
		if _, err := s.ValidateToken(ctx, adminToken); err != nil {
			t.Errorf("node %s: another user's token was revoked: %v", name, err)
		}
	}
	// A token issued after the revocation is valid on both nodes (e.g. after a password change).
	later, _, err := a.IssueToken(ctx, demoAuth)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]*Service{"A": a, "B": b} {
		if _, err := s.ValidateToken(ctx, later); err != nil {
			t.Errorf("node %s: a token issued after the user's revocation: %v", name, err)
		}
	}

	if err := a.RevokeProject(ctx, demo.ID); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ValidateToken(ctx, later); glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
		t.Errorf("token scoped to a revoked project: %v", err)
	}
	if _, err := b.ValidateToken(ctx, adminToken); err != nil {
		t.Errorf("token of another project: %v", err)
	}
}

func TestBootstrapIsIdempotent(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	count := func() [6]int {
		ps, _ := db.FindProjects(ctx, "")
		us, _ := db.FindUsers(ctx, "")
		rs, _ := db.FindRoles(ctx)
		ss, _ := db.FindServices(ctx)
		es, _ := db.FindEndpoints(ctx)
		as, _ := db.FindAssignments(ctx, glimpse.AssignmentFilter{})
		return [6]int{len(ps), len(us), len(rs), len(ss), len(es), len(as)}
	}
	if got, want := count(), [6]int{2, 1, 3, 2, 5, 2}; got != want {
		t.Errorf("projects, users, roles, services, endpoints, assignments = %v, want %v", got, want)
	}
	implied, _ := db.FindImpliedRoles(ctx)
	if len(implied) != 2 {
		t.Errorf("implied roles: %v", implied)
	}
	endpoints, _ := db.FindEndpoints(ctx)
	urls := map[string]int{}
	for _, e := range endpoints {
		urls[e.Interface+" "+e.URL]++
		if e.RegionID != "RegionOne" || !e.Enabled {
			t.Errorf("endpoint %+v", e)
		}
	}
	for _, want := range []string{"public http://127.0.0.1:5000/v3", "internal http://127.0.0.1:5000/v3",
		"admin http://127.0.0.1:5000/v3", "public http://127.0.0.1:9292", "internal http://127.0.0.1:9292"} {
		if urls[want] != 1 {
			t.Errorf("endpoint %q: %d, want 1 (all: %v)", want, urls[want], urls)
		}
	}

	// The operator changes the admin password; a second bootstrap keeps it.
	admin, _ := db.FindUserByName(ctx, "default", "admin")
	admin.PasswordHash, _ = HashPassword("changed")
	if err := db.UpdateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	before := count()
	created, err := Bootstrap(ctx, db, BootstrapOptions{AdminPassword: adminPassword,
		IdentityURL: "http://127.0.0.1:5000/v3", ImageURL: "http://127.0.0.1:9292/"})
	if err != nil || created {
		t.Errorf("second Bootstrap = %v, %v; want false, nil", created, err)
	}
	if after := count(); after != before {
		t.Errorf("second bootstrap changed the counts: %v → %v", before, after)
	}
	s := newService(t, db)
	if _, _, err := s.IssueToken(ctx, adminAuth()); glimpse.ErrorCode(err) != glimpse.EUNAUTHORIZED {
		t.Errorf("the old password works again after a second bootstrap: %v", err)
	}
	r := adminAuth()
	r.Password = "changed"
	if _, _, err := s.IssueToken(ctx, r); err != nil {
		t.Errorf("the changed password: %v", err)
	}
}

func TestRefreshKeepsOneCopyOfEachEvent(t *testing.T) {
	ctx := context.Background()
	db := testDB(t)
	s := newService(t, db)
	token, _, err := s.IssueToken(ctx, adminAuth())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeToken(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeUser(ctx, "someone"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(s.revoked.events); n != 2 {
		t.Errorf("the cache holds %d events after two refreshes, want 2: %+v", n, s.revoked.events)
	}
	// Expired events are forgotten.
	s.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if n := len(s.revoked.events); n != 0 {
		t.Errorf("the cache holds %d events after they expired, want 0", n)
	}
}
