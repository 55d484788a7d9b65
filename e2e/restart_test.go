package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestRestart stops glimpse in the middle of an upload and starts it again on the same
// data directory, on other ports: the cut-off image is queued with no bytes stored, the
// admin password printed on the first start still works, and the openrc that glimpse
// rewrote for the new ports still holds it.
func TestRestart(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	n := startGlimpse(t)
	if !strings.Contains(n.stdout.String(), "admin password (shown once") {
		t.Fatalf("first start printed no admin password:\n%s", n.stdout)
	}
	password, _ := readPassword(t, n.dataDir)
	token := n.token()
	status, _, body := n.do("POST", "/v2/images", token, map[string]string{"Content-Type": "application/json"},
		strings.NewReader(`{"name": "kept", "disk_format": "raw", "container_format": "bare"}`))
	expect(t, "create", status, body, 201, "")
	id := decode(t, body)["id"].(string)

	// SIGTERM while an upload is stalled midway: after the grace period the upload is cut
	// off and rolled back before the process exits.
	conn := n.startUpload(t, id, token, 64<<20, 8<<20)
	defer conn.Close()
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(60 * time.Second):
		t.Fatal("glimpse did not stop within 60 s of SIGTERM")
	}

	again := startGlimpseAt(t, n.dataDir)
	if strings.Contains(again.stdout.String(), "admin password") {
		t.Errorf("a restart printed a new admin password:\n%s", again.stdout)
	}
	if pw, _ := readPassword(t, n.dataDir); pw != password {
		t.Errorf("openrc password after restart = %q, want the first start's", pw)
	}
	token = again.token() // with the rewritten openrc: new ports, same password
	again.waitStatus(t, id, token, "queued")
	again.expectEmptyStore(t)
	if out := again.openstack("endpoint", "list", "--service", "image"); !strings.Contains(out, again.imageURL) {
		t.Errorf("the catalog does not follow the new image URL %s:\n%s", again.imageURL, out)
	}

	// A second process on the same data directory is refused while the first runs.
	second := exec.Command(glimpseBin, "serve")
	second.Env = append(os.Environ(), "GLIMPSE_DATA_DIR="+n.dataDir,
		"GLIMPSE_IMAGE_LISTEN=127.0.0.1:"+freePort(t), "GLIMPSE_IDENTITY_LISTEN=127.0.0.1:"+freePort(t))
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "is in use by another glimpse") {
		t.Errorf("a second glimpse on the same data dir: err %v, output:\n%s", err, out)
	}
}

func readPassword(t *testing.T, dataDir string) (string, bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dataDir, "openrc"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "export OS_PASSWORD="); ok {
			return strings.Trim(v, "'"), true
		}
	}
	t.Fatalf("openrc has no OS_PASSWORD:\n%s", data)
	return "", false
}
