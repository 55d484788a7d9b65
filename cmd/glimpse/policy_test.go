package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/policy"
)

func TestOpenPolicy(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	reader := &glimpse.Principal{ProjectID: "p", Roles: []glimpse.Role{{Name: "reader"}}}
	target := glimpse.PolicyTarget{"project_id": "p", "owner": "p", "visibility": "private"}

	e, err := openPolicy(&Config{}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if e.Mode() != policy.Secure || e.Allowed(reader, "add_image", target) {
		t.Errorf("default: mode %s, reader may create %v", e.Mode(), e.Allowed(reader, "add_image", target))
	}

	path := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(path, []byte(`"add_image": "role:reader"`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err = openPolicy(&Config{PolicyFile: path}, logger)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Allowed(reader, "add_image", target) {
		t.Errorf("policy file not applied")
	}

	e, err = openPolicy(&Config{PolicyMode: "legacy"}, logger)
	if err != nil || e.SecureRBAC() {
		t.Errorf("legacy: %v, secure %v", err, e != nil && e.SecureRBAC())
	}
	if _, err := openPolicy(&Config{PolicyMode: "strict"}, logger); err == nil {
		t.Errorf("unknown mode accepted")
	}
	if err := os.WriteFile(path, []byte(`"add_image": "role:reader and"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openPolicy(&Config{PolicyFile: path}, logger); err == nil {
		t.Errorf("bad rule accepted")
	}
}
