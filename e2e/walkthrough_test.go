package e2e

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// seedPath is the user's walkthrough, kept beside the repository in shared/.
const seedPath = "../../shared/seed/openstack-image-api-walkthrough.md"

// The walkthrough talks to this host and shows this image id; only they are substituted.
const (
	seedImageURL = "http://192.168.0.200:9292"
	seedImageID  = "052a0bc1-abee-427b-849c-76f50f520be4"
)

// seedCommands returns the walkthrough's shell blocks that are commands (not printed
// output), in order, exactly as written.
func seedCommands(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(seedPath)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the seed walkthrough is missing: %v", err)
		}
		t.Skipf("the seed walkthrough is missing: %v", err)
	}
	defer f.Close()
	var blocks []string
	var cur []string
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case !in && strings.TrimSpace(line) == "```bash":
			in, cur = true, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			block := strings.TrimSpace(strings.Join(cur, "\n"))
			if regexp.MustCompile(`^(export|unset|openstack|curl) `).MatchString(block) {
				blocks = append(blocks, block)
			}
		case in:
			cur = append(cur, line)
		}
	}
	if len(blocks) < 8 {
		t.Fatalf("found only %d command blocks in %s", len(blocks), seedPath)
	}
	return blocks
}

// TestSeedWalkthrough runs every command of the seed walkthrough, verbatim but for the
// host:port and the example image id, in bash with the openrc glimpse wrote sourced.
// The openstack CLI 6 refuses an exported OS_TOKEN beside a password, with the real Glance
// too, so CLI commands run with OS_TOKEN unset and curl commands with the issued token.
func TestSeedWalkthrough(t *testing.T) {
	requireTool(t, "/usr/bin/openstack")
	requireTool(t, "/usr/bin/jq")
	n := startGlimpse(t)

	// An image for the walkthrough's "show" step to find, uploaded with the CLI.
	disk := filepath.Join(t.TempDir(), "ubuntu.raw")
	os.WriteFile(disk, []byte(strings.Repeat("glimpse walkthrough image\n", 100)), 0o644)
	var created map[string]any
	json.Unmarshal([]byte(n.openstack("image", "create", "--file", disk, "--disk-format", "raw",
		"--container-format", "bare", "-f", "json", "Ubuntu22.04")), &created)
	imageID, _ := created["id"].(string)
	if imageID == "" {
		t.Fatal("openstack image create printed no id")
	}

	token := ""
	for i, block := range seedCommands(t) {
		script := strings.ReplaceAll(block, seedImageURL, n.imageURL)
		script = strings.ReplaceAll(script, seedImageID, imageID)
		// The last line reports OS_TOKEN as the block left it, so that later blocks get it.
		cmd := exec.Command("bash", "-c", "set -eo pipefail\n"+script+"\nprintf '\\nOS_TOKEN=%s\\n' \"${OS_TOKEN:-}\"")
		cmd.Env = n.openrcEnv()
		// Blocks that are only curl commands use the token of an earlier block, as a user's
		// shell would; a block that runs openstack must not see it.
		if token != "" && !strings.Contains(block, "openstack ") {
			cmd.Env = append(cmd.Env, "OS_TOKEN="+token)
		}
		raw, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("walkthrough block %d failed: %v\n--- block\n%s\n--- output\n%s", i, err, script, raw)
		}
		out, left, _ := strings.Cut(string(raw), "\nOS_TOKEN=")
		if strings.HasPrefix(block, "export OS_TOKEN=") && !strings.Contains(block, "curl") {
			token = strings.TrimSpace(left)
			if len(token) < 20 {
				t.Fatalf("token issue gave %q", token)
			}
		}
		checkWalkthroughOutput(t, script, out, imageID)
	}
	if token == "" {
		t.Fatal("the walkthrough never issued a token")
	}
	out := n.openstack("image", "list")
	if !strings.Contains(out, imageID) || !strings.Contains(out, "Ubuntu22.04") {
		t.Fatalf("openstack image list does not show the image:\n%s", out)
	}
}

// checkWalkthroughOutput asserts that each kind of walkthrough step printed what the
// walkthrough shows for it.
func checkWalkthroughOutput(t *testing.T, script, out, imageID string) {
	t.Helper()
	switch {
	case strings.HasPrefix(script, "openstack endpoint list"):
		for _, want := range []string{"RegionOne", "glance", "image", "public", "internal"} {
			if !strings.Contains(out, want) {
				t.Errorf("endpoint list lacks %q:\n%s", want, out)
			}
		}
	case strings.Contains(script, "curl -X POST"):
		img := decode(t, []byte(jsonPart(out)))
		if img["status"] != "queued" || img["visibility"] != "public" || img["disk_format"] != "raw" ||
			img["size"] != nil || img["self"] != "/v2/images/"+img["id"].(string) {
			t.Errorf("create answered %s", out)
		}
	case strings.Contains(script, "/v2/images/"+imageID):
		img := decode(t, []byte(jsonPart(out)))
		if img["id"] != imageID || img["status"] != "active" || img["os_hash_algo"] != "sha512" || img["stores"] != "file" {
			t.Errorf("show answered %s", out)
		}
	case strings.Contains(script, "/v2/images"):
		list := decode(t, []byte(jsonPart(out)))
		if _, ok := list["images"].([]any); !ok || list["schema"] != "/v2/schemas/images" {
			t.Errorf("list answered %s", out)
		}
	}
}

// jsonPart drops curl's progress meter, which goes to stderr and so into combined output.
func jsonPart(out string) string {
	if i := strings.Index(out, "\n{"); i >= 0 {
		return out[i+1:]
	} else if strings.HasPrefix(out, "{") {
		return out
	}
	return out
}
