package httpapi

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

const openstackCLI = "/usr/bin/openstack"

// openstack runs the real openstack CLI (python3-openstackclient) against the test server
// as admin, with nothing from the caller's environment but PATH, and returns its stdout.
func (e *identityEnv) openstack(t *testing.T, args ...string) string {
	t.Helper()
	return runOpenstackCLI(t, e.url, t.TempDir(), 60*time.Second, nil, args...)
}

// runOpenstackCLI runs the real openstack CLI as admin / admin-secret of the identity API
// at identityURL (region RegionOne, public interface) with the global options extra, then
// args, with HOME home and nothing else from the caller's environment but PATH. It returns
// stdout and fails the test on a non-zero exit or after timeout.
func runOpenstackCLI(t *testing.T, identityURL, home string, timeout time.Duration, extra []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	full := []string{"--os-auth-url", identityURL + "/v3", "--os-identity-api-version", "3"}
	full = append(full, extra...)
	full = append(full, "--os-username", "admin", "--os-password", "admin-secret", "--os-project-name", "admin",
		"--os-user-domain-name", "Default", "--os-project-domain-name", "Default",
		"--os-region-name", "RegionOne", "--os-interface", "public")
	cmd := exec.CommandContext(ctx, openstackCLI, append(full, args...)...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + home, "LANG=C.UTF-8"}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openstack %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// TestOpenstackCLI drives the identity API as an operator would with the real openstack
// CLI: token, catalog, endpoints, projects, users, roles and assignments.
func TestOpenstackCLI(t *testing.T) {
	if _, err := os.Stat(openstackCLI); err != nil {
		t.Skipf("%s not installed (python3-openstackclient): %v", openstackCLI, err)
	}
	e := newIdentityEnv(t)

	out := e.openstack(t, "token", "issue", "-f", "value", "-c", "id", "-c", "project_id", "-c", "user_id")
	lines := strings.Fields(out)
	if len(lines) != 3 {
		t.Fatalf("token issue: %q", out)
	}
	if _, err := e.tokens.ValidateToken(context.Background(), lines[0]); err != nil {
		t.Errorf("the CLI's token does not validate: %v", err)
	}

	out = e.openstack(t, "endpoint", "list", "--service", "image", "-f", "value", "-c", "Region", "-c", "Service Name", "-c", "Service Type", "-c", "Interface", "-c", "URL")
	for _, want := range []string{"RegionOne glance image public http://127.0.0.1:9292", "RegionOne glance image internal http://127.0.0.1:9292"} {
		if !strings.Contains(out, want) {
			t.Errorf("endpoint list --service image lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "keystone") {
		t.Errorf("endpoint list --service image shows other services:\n%s", out)
	}

	out = e.openstack(t, "catalog", "list", "-f", "value", "-c", "Name", "-c", "Type")
	if !strings.Contains(out, "keystone identity") || !strings.Contains(out, "glance image") {
		t.Errorf("catalog list:\n%s", out)
	}

	out = e.openstack(t, "project", "create", "--description", "CLI project", "cliproj", "-f", "value", "-c", "name", "-c", "domain_id", "-c", "enabled")
	if strings.Fields(out)[0] != "default" || !strings.Contains(out, "True") || !strings.Contains(out, "cliproj") {
		t.Errorf("project create:\n%s", out)
	}
	out = e.openstack(t, "user", "create", "--password", "cli-secret", "--project", "cliproj", "cliuser", "-f", "value", "-c", "name", "-c", "default_project_id")
	if !strings.Contains(out, "cliuser") {
		t.Errorf("user create:\n%s", out)
	}
	e.openstack(t, "role", "add", "--project", "cliproj", "--user", "cliuser", "member")

	out = e.openstack(t, "role", "assignment", "list", "--names", "-f", "value", "-c", "Role", "-c", "User", "-c", "Project")
	if !strings.Contains(out, "member cliuser@Default cliproj@Default") || !strings.Contains(out, "admin admin@Default admin@Default") {
		t.Errorf("role assignment list --names:\n%s", out)
	}
	out = e.openstack(t, "role", "assignment", "list", "--user", "cliuser", "--project", "cliproj", "--effective", "--names", "-f", "value", "-c", "Role")
	if roles := strings.Fields(out); len(roles) != 2 || !strings.Contains(out, "member") || !strings.Contains(out, "reader") {
		t.Errorf("effective assignments of cliuser: %q", out)
	}

	// The new user can log in to the new project.
	r := e.do("POST", "/v3/auth/tokens", "", identityPasswordAuth("cliuser", "cli-secret", "cliproj"))
	expectIdentity(t, "cliuser token", r, 201, "")

	out = e.openstack(t, "project", "list", "-f", "value", "-c", "Name")
	for _, want := range []string{"admin", "service", "cliproj"} {
		if !strings.Contains(out, want) {
			t.Errorf("project list lacks %s:\n%s", want, out)
		}
	}
	out = e.openstack(t, "user", "list", "-f", "value", "-c", "Name")
	if !strings.Contains(out, "cliuser") || !strings.Contains(out, "admin") {
		t.Errorf("user list:\n%s", out)
	}
	e.openstack(t, "role", "remove", "--project", "cliproj", "--user", "cliuser", "member")
	e.openstack(t, "user", "delete", "cliuser")
	e.openstack(t, "project", "delete", "cliproj")
	out = e.openstack(t, "project", "list", "-f", "value", "-c", "Name")
	if strings.Contains(out, "cliproj") {
		t.Errorf("project list after delete:\n%s", out)
	}
}
