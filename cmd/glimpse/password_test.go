package main

import (
	"io"
	"log/slog"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/identity"
)

// TestKnownAdminPassword: the password openrc is rewritten with on a restart is the
// operator's GLIMPSE_ADMIN_PASSWORD when it is still the admin's, else the one openrc
// already holds when that one is (a stale variable must not stop openrc from following a
// new host), else none.
func TestKnownAdminPassword(t *testing.T) {
	cfg := &Config{DataDir: t.TempDir(), ImagePublicURL: "http://127.0.0.1:9292", IdentityPublicURL: "http://127.0.0.1:5000", Region: "RegionOne"}
	if err := writeClientFiles(cfg, "in-openrc"); err != nil {
		t.Fatal(err)
	}
	hash, err := identity.HashPassword("in-openrc")
	if err != nil {
		t.Fatal(err)
	}
	admin := &glimpse.User{Name: "admin", PasswordHash: hash}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	for env, want := range map[string]string{"": "in-openrc", "stale": "in-openrc", "in-openrc": "in-openrc"} {
		cfg.AdminPassword = env
		if got := knownAdminPassword(cfg, admin, logger); got != want {
			t.Errorf("GLIMPSE_ADMIN_PASSWORD=%q: %q, want %q", env, got, want)
		}
	}
	other, _ := identity.HashPassword("changed-since")
	admin.PasswordHash = other
	cfg.AdminPassword = "stale"
	if got := knownAdminPassword(cfg, admin, logger); got != "" {
		t.Errorf("neither password is the admin's: %q, want none", got)
	}
}
