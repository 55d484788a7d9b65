package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// imageCLIEnv serves the identity and image APIs on two test servers, registered in the
// catalog as keystone and glance, for the real openstack CLI.
type imageCLIEnv struct {
	identityURL, imageURL string
	home                  string
}

func newImageCLIEnv(t *testing.T) *imageCLIEnv {
	t.Helper()
	p := newTestParts(t)
	identityURL, imageURL := p.serveIdentityAndImage(t, p.imageServer())
	return &imageCLIEnv{identityURL: identityURL, imageURL: imageURL, home: t.TempDir()}
}

// openstack runs the CLI as admin and returns stdout; it fails the test on a non-zero exit.
func (e *imageCLIEnv) openstack(t *testing.T, args ...string) string {
	t.Helper()
	return runOpenstackCLI(t, e.identityURL, e.home, 90*time.Second, []string{"--os-image-api-version", "2"}, args...)
}

// TestImageOpenstackCLI drives the image API with the real openstack CLI as the golden
// walkthrough does (022, 023, 033, 055, 123): create with a file, list, show, set
// properties and tags, share, download, deactivate, delete.
func TestImageOpenstackCLI(t *testing.T) {
	if _, err := os.Stat("/usr/bin/openstack"); err != nil {
		t.Skipf("/usr/bin/openstack not installed (python3-openstackclient): %v", err)
	}
	if testing.Short() {
		t.Skip("the openstack CLI takes about 2 s per command")
	}
	e := newImageCLIEnv(t)
	dir := t.TempDir()
	data := make([]byte, 200<<10)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "disk.raw")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}

	e.openstack(t, "image", "create", "--file", file, "--disk-format", "raw", "--container-format", "bare",
		"--public", "cli-image")
	out := e.openstack(t, "image", "list", "-f", "value", "-c", "Name", "-c", "Status")
	if strings.TrimSpace(out) != "cli-image active" {
		t.Errorf("image list:\n%s", out)
	}

	e.openstack(t, "image", "set", "--property", "os_distro=ubuntu", "--property", "os_version=22.04",
		"--tag", "focal", "--min-ram", "512", "cli-image")
	var shown map[string]any
	if err := json.Unmarshal([]byte(e.openstack(t, "image", "show", "-f", "json", "cli-image")), &shown); err != nil {
		t.Fatal(err)
	}
	props, _ := shown["properties"].(map[string]any)
	if shown["status"] != "active" || shown["size"] != float64(len(data)) || shown["min_ram"] != float64(512) ||
		props["os_distro"] != "ubuntu" || props["os_version"] != "22.04" || !strings.Contains(jsonString(shown["tags"]), "focal") {
		t.Errorf("image show:\n%v", shown)
	}

	saved := filepath.Join(dir, "saved.raw")
	e.openstack(t, "image", "save", "--file", saved, "cli-image")
	if got, err := os.ReadFile(saved); err != nil || !bytes.Equal(got, data) {
		t.Errorf("image save: %d bytes, %v; want the %d uploaded", len(got), err, len(data))
	}

	e.openstack(t, "image", "set", "--deactivate", "cli-image")
	if out := e.openstack(t, "image", "show", "-f", "value", "-c", "status", "cli-image"); strings.TrimSpace(out) != "deactivated" {
		t.Errorf("after --deactivate: %s", out)
	}
	e.openstack(t, "image", "set", "--activate", "cli-image")

	e.openstack(t, "image", "create", "--shared", "cli-shared")
	e.openstack(t, "image", "add", "project", "cli-shared", "service")
	out = e.openstack(t, "image", "member", "list", "-f", "value", "-c", "Status", "cli-shared")
	if strings.TrimSpace(out) != "pending" {
		t.Errorf("image member list: %q", out)
	}
	e.openstack(t, "image", "remove", "project", "cli-shared", "service")

	e.openstack(t, "image", "delete", "cli-image", "cli-shared")
	if out := e.openstack(t, "image", "list", "-f", "value", "-c", "Name"); strings.TrimSpace(out) != "" {
		t.Errorf("image list after delete:\n%s", out)
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
