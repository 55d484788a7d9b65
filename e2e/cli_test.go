package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// TestCLIImageLifecycle uploads real qcow2 images with `openstack image create --file`,
// saves them back, and checks checksums, properties, tags and deletion with the CLI.
func TestCLIImageLifecycle(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	requireTool(t, "/usr/bin/qemu-img")
	n := startGlimpse(t)
	dir := t.TempDir()

	empty := filepath.Join(dir, "empty.qcow2")
	run(t, "qemu-img", "create", "-f", "qcow2", empty, "1G")
	// A second image with data in it: a raw disk with a pattern, converted to qcow2.
	raw := filepath.Join(dir, "data.raw")
	pattern := bytes.Repeat([]byte("glimpse!"), 512*1024) // 4 MiB
	os.WriteFile(raw, pattern, 0o644)
	full := filepath.Join(dir, "data.qcow2")
	run(t, "qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw, full)

	for _, file := range []string{empty, full} {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			n.openstack("image", "create", "--file", file, "--disk-format", "qcow2",
				"--container-format", "bare", name)
			saved := filepath.Join(dir, name+".saved")
			n.openstack("image", "save", "--file", saved, name)
			want, _ := os.ReadFile(file)
			got, _ := os.ReadFile(saved)
			if !bytes.Equal(want, got) {
				t.Fatalf("image save returned %d bytes that differ from the %d uploaded", len(got), len(want))
			}
			img := n.showImage(name)
			md5sum := md5.Sum(want)
			sha := sha512.Sum512(want)
			if img["checksum"] != hex.EncodeToString(md5sum[:]) {
				t.Errorf("checksum %v, md5sum says %x", img["checksum"], md5sum)
			}
			// openstack CLI 6 shows the multihash among "properties", as with the real Glance.
			props, _ := img["properties"].(map[string]any)
			if props["os_hash_algo"] != "sha512" || props["os_hash_value"] != hex.EncodeToString(sha[:]) {
				t.Errorf("os_hash %v %v, sha512sum says %x", props["os_hash_algo"], props["os_hash_value"], sha)
			}
			if img["status"] != "active" || img["size"] != float64(len(want)) {
				t.Errorf("status %v size %v, want active %d", img["status"], img["size"], len(want))
			}
			if name == "empty.qcow2" && img["virtual_size"] != float64(1<<30) {
				t.Errorf("virtual_size %v, want the qcow2 header's 1 GiB", img["virtual_size"])
			}

			n.openstack("image", "set", "--property", "os_distro=ubuntu", "--property", "os_version=22.04", name)
			n.openstack("image", "set", "--tag", "jammy", name)
			img = n.showImage(name)
			props, _ = img["properties"].(map[string]any)
			if props["os_distro"] != "ubuntu" || props["os_version"] != "22.04" {
				t.Errorf("properties after image set: %v", img["properties"])
			}
			tags, _ := img["tags"].([]any)
			if !slices.Contains(tags, any("jammy")) {
				t.Errorf("tags after image set --tag: %v", img["tags"])
			}

			n.openstack("image", "delete", name)
			if out, err := n.openstackErr("image", "show", name); err == nil {
				t.Fatalf("image show after delete succeeded:\n%s", out)
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(n.dataDir, "images")); len(entries) != 0 {
		t.Errorf("deleted images left %d files in the store", len(entries))
	}
}

func (n *node) showImage(name string) map[string]any {
	n.t.Helper()
	var img map[string]any
	out := n.openstack("image", "show", "-f", "json", name)
	if err := json.Unmarshal([]byte(out), &img); err != nil {
		n.t.Fatalf("image show: %v\n%s", err, out)
	}
	return img
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}
