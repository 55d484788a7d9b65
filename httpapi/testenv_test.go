package httpapi

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/identity"
	"github.com/glimpse-image/glimpse/imagedata"
	"github.com/glimpse-image/glimpse/metadefseed"
	"github.com/glimpse-image/glimpse/sqlstore"
	"github.com/glimpse-image/glimpse/store/filesystem"
)

// testParts are the real parts the test servers are built from: a SQLite file and a
// filesystem store in a temporary directory, a logger that discards, and glimpse's token
// service over the database with a fresh key.
type testParts struct {
	db     *sqlstore.DB
	store  *filesystem.Store
	logger *slog.Logger
	tokens *identity.Service
}

// newTestParts makes the parts; they are closed when the test ends.
func newTestParts(t *testing.T) *testParts {
	t.Helper()
	dir := t.TempDir()
	db, err := sqlstore.Open(context.Background(), "sqlite://"+filepath.Join(dir, "g.db"))
	if err != nil {
		t.Fatalf("open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := filesystem.New("file", filepath.Join(dir, "images"))
	if err != nil {
		t.Fatalf("filesystem store: %v", err)
	}
	logger := slog.New(slog.DiscardHandler)
	key, err := identity.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return &testParts{db: db, store: st, logger: logger,
		tokens: identity.New(db, db, [][]byte{key}, time.Hour, logger)}
}

// imageServer is a Server for the image and identity APIs over the parts, storing image
// data in the filesystem store.
func (p *testParts) imageServer() *Server {
	return &Server{
		Images: p.db, Members: p.db, Tokens: p.tokens, Identity: p.db,
		ImageData: imagedata.New(p.db, []glimpse.Store{p.store}, p.logger, 0),
		Stores:    []glimpse.Store{p.store}, Logger: p.logger,
	}
}

// seedMetadefs stores the standard metadata definitions catalog.
func (p *testParts) seedMetadefs(t *testing.T) {
	t.Helper()
	if err := metadefseed.Seed(context.Background(), p.db, p.logger); err != nil {
		t.Fatalf("seed: %v", err)
	}
}

// serveIdentityAndImage starts s's identity and image APIs on two test servers, sets their
// URLs on s and bootstraps admin / admin-secret with a catalog pointing at them.
func (p *testParts) serveIdentityAndImage(t *testing.T, s *Server) (identityURL, imageURL string) {
	t.Helper()
	ids := httptest.NewServer(s.IdentityHandler())
	t.Cleanup(ids.Close)
	imgs := httptest.NewServer(s.ImageHandler())
	t.Cleanup(imgs.Close)
	s.IdentityURL, s.ImageURL = ids.URL, imgs.URL
	if _, err := identity.Bootstrap(context.Background(), p.db, identity.BootstrapOptions{
		AdminPassword: "admin-secret", IdentityURL: ids.URL, ImageURL: imgs.URL,
	}); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	return ids.URL, imgs.URL
}

// bootstrapReferenceUsers bootstraps admin / admin-secret and adds the reference users
// demo and alt_demo (password <name>-secret, member role in a project of their name). It
// returns a project-scoped token and the project id of admin, demo and alt_demo, by name.
func (p *testParts) bootstrapReferenceUsers(t *testing.T) (tokens, projects map[string]string) {
	t.Helper()
	ctx := context.Background()
	db := p.db
	if _, err := identity.Bootstrap(ctx, db, identity.BootstrapOptions{AdminPassword: "admin-secret"}); err != nil {
		t.Fatalf("bootstrap: %v", err)
	}
	member, err := db.FindRoleByName(ctx, glimpse.RoleMember)
	if err != nil {
		t.Fatalf("member role: %v", err)
	}
	for _, name := range []string{"demo", "alt_demo"} {
		project := &glimpse.Project{ID: identity.NewID(), Name: name, DomainID: identity.DefaultDomainID, Enabled: true}
		if err := db.CreateProject(ctx, project); err != nil {
			t.Fatalf("create project: %v", err)
		}
		hash, err := identity.HashPassword(name + "-secret")
		if err != nil {
			t.Fatal(err)
		}
		user := &glimpse.User{ID: identity.NewID(), Name: name, DomainID: identity.DefaultDomainID,
			DefaultProjectID: project.ID, Enabled: true, PasswordHash: hash}
		if err := db.CreateUser(ctx, user); err != nil {
			t.Fatalf("create user: %v", err)
		}
		if err := db.CreateAssignment(ctx, glimpse.RoleAssignment{RoleID: member.ID, UserID: user.ID, ProjectID: project.ID}); err != nil {
			t.Fatalf("assign: %v", err)
		}
	}
	tokens, projects = map[string]string{}, map[string]string{}
	for _, name := range []string{"admin", "demo", "alt_demo"} {
		tok, scope, err := p.tokens.IssueToken(ctx, glimpse.AuthRequest{
			Methods: []string{"password"}, UserName: name, UserDomainID: identity.DefaultDomainID,
			Password: name + "-secret", ProjectName: name, ProjectDomainID: identity.DefaultDomainID,
		})
		if err != nil {
			t.Fatalf("issue token for %s: %v", name, err)
		}
		tokens[name], projects[name] = tok, scope.ProjectID
	}
	return tokens, projects
}
