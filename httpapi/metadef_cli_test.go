package httpapi

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMetadefGlanceCLI walks the metadata definitions catalog with the real glance client
// (python3-glanceclient's md-* commands), which also checks our answers against the
// schemas we serve. Skipped without /usr/bin/glance.
func TestMetadefGlanceCLI(t *testing.T) {
	if _, err := os.Stat("/usr/bin/glance"); err != nil {
		t.Skip("no /usr/bin/glance (python3-glanceclient)")
	}
	p := newTestParts(t)
	p.seedMetadefs(t)
	s := &Server{Images: p.db, Members: p.db, Identity: p.db, Metadefs: p.db, Logger: p.logger, Tokens: p.tokens}
	identityURL, imageURL := p.serveIdentityAndImage(t, s)
	home := t.TempDir()
	glance := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
		defer cancel()
		full := append([]string{"--os-auth-url", identityURL + "/v3", "--os-username", "admin", "--os-password", "admin-secret",
			"--os-project-name", "admin", "--os-user-domain-name", "Default", "--os-project-domain-name", "Default",
			"--os-image-url", imageURL}, args...)
		cmd := exec.CommandContext(ctx, "/usr/bin/glance", full...)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("glance %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	mustContain := func(out string, want ...string) {
		t.Helper()
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Fatalf("output lacks %q:\n%s", w, out)
			}
		}
	}
	mustContain(glance("md-resource-type-list"), "OS::Glance::Image", "OS::Trove::Instance")
	mustContain(glance("md-namespace-list"), "OS::Compute::Watchdog", "OS::OperatingSystem")
	mustContain(glance("md-namespace-create", "zz-cli", "--visibility", "public", "--description", "hi"), "zz-cli", "public")
	mustContain(glance("md-property-create", "zz-cli", "--name", "p1", "--title", "P1", "--schema", `{"type": "string", "title": "P1"}`), "p1", "P1")
	mustContain(glance("md-object-create", "zz-cli", "--name", "o1", "--schema", `{"description": "obj", "properties": {"a": {"type": "integer", "title": "A"}}}`),
		"o1", `["a"]`)
	mustContain(glance("md-tag-create-multiple", "zz-cli", "--names", "a,b"), "| a", "| b")
	mustContain(glance("md-resource-type-associate", "zz-cli", "--name", "OS::Glance::Image", "--prefix", "z_"), "z_")
	mustContain(glance("md-namespace-show", "zz-cli", "--resource-type", "OS::Glance::Image"), `["z_p1"]`, `["o1"]`, `["b", "a"]`)
	glance("md-namespace-delete", "zz-cli")
	if out := glance("md-namespace-list"); strings.Contains(out, "zz-cli") {
		t.Fatalf("deleted namespace still listed:\n%s", out)
	}
}
