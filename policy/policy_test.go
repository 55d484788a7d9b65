package policy

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/glimpse-image/glimpse"
)

func principal(project string, roles ...string) *glimpse.Principal {
	p := &glimpse.Principal{UserID: "u-" + project, ProjectID: project}
	for _, r := range roles {
		p.Roles = append(p.Roles, glimpse.Role{Name: r})
	}
	return p
}

func TestRuleLanguage(t *testing.T) {
	target := map[string]string{"owner": "p1", "visibility": "public", "nothing": "None"}
	cr := credsOf(principal("p1", "member", "reader"))
	cr.values["is_admin"] = "False"
	rules := map[string]string{"is_member": "role:member", "loop": "rule:loop"}
	cases := []struct {
		rule string
		want bool
	}{
		{"", true},
		{"@", true},
		{"!", false},
		{"role:member", true},
		{"role:MEMBER", true},
		{"role:admin", false},
		{"project_id:%(owner)s", true},
		{"project_id:%(missing)s", false},
		{"user_id:%(owner)s", false},
		{"'public':%(visibility)s", true},
		{"\"public\":%(visibility)s", true},
		{"'shared':%(visibility)s", false},
		{"is_admin:True", false},
		{"is_admin:False", true},
		{"system_scope:%(nothing)s", true}, // both None, as in Python
		{"rule:is_member", true},
		{"rule:unknown", false},
		{"rule:loop", false},
		{"role:admin or role:member", true},
		{"role:admin or role:reader and role:nobody", false}, // admin or (reader and nobody)
		{"role:member or role:admin and role:nobody", true},
		{"not role:admin", true},
		{"not role:admin and role:member", true},
		{"not (role:member and role:reader)", false},
		{"((role:member))", true},
		{"role:admin or (role:reader and (project_id:%(owner)s or 'community':%(visibility)s))", true},
		{"roles:member", true},
	}
	for _, c := range cases {
		chk, err := parseRule(c.rule)
		if err != nil {
			t.Errorf("parse %q: %v", c.rule, err)
			continue
		}
		ev := &evaluation{target: target, creds: cr, rules: func(name string) check {
			s, ok := rules[name]
			if !ok {
				return nil
			}
			r, _ := parseRule(s)
			return r
		}}
		if got := chk.eval(ev); got != c.want {
			t.Errorf("%q = %v, want %v (parsed %s)", c.rule, got, c.want, chk)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, rule := range []string{"role:admin or", "(role:admin", "role:admin)", "admin", "and role:x", "http://example.com/check"} {
		if _, err := parseRule(rule); err == nil {
			t.Errorf("parse %q: no error", rule)
		}
	}
}

// Every default parses in both modes.
func TestDefaultsParse(t *testing.T) {
	for _, mode := range []Mode{Secure, Legacy} {
		if _, err := New(mode, nil); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
}

func imageTarget(owner, visibility string, caller *glimpse.Principal) glimpse.PolicyTarget {
	return glimpse.ImagePolicyTarget(caller, &glimpse.Image{ID: "i", Owner: owner, Visibility: visibility})
}

func TestSecureDefaults(t *testing.T) {
	e, err := New(Secure, nil)
	if err != nil {
		t.Fatal(err)
	}
	admin := principal("adminp", "admin", "member", "reader")
	member := principal("p1", "member", "reader")
	reader := principal("p1", "reader")
	other := principal("p2", "member", "reader")
	system := &glimpse.Principal{UserID: "sys", System: true, Roles: admin.Roles}
	cases := []struct {
		who    *glimpse.Principal
		action string
		target glimpse.PolicyTarget
		want   bool
	}{
		{member, "get_image", imageTarget("p1", "private", member), true},
		{reader, "get_image", imageTarget("p1", "private", reader), true},
		{other, "get_image", imageTarget("p1", "private", other), false},
		{other, "get_image", imageTarget("p1", "public", other), true},
		{other, "get_image", imageTarget("p1", "shared", other), true},
		{admin, "get_image", imageTarget("p1", "private", admin), true},
		{system, "get_image", imageTarget("p1", "public", system), false},
		{member, "modify_image", imageTarget("p1", "private", member), true},
		{reader, "modify_image", imageTarget("p1", "private", reader), false},
		{other, "modify_image", imageTarget("p1", "public", other), false},
		{admin, "modify_image", imageTarget("p1", "public", admin), true},
		{member, "publicize_image", imageTarget("p1", "private", member), false},
		{admin, "publicize_image", imageTarget("p1", "private", admin), true},
		{member, "communitize_image", imageTarget("p1", "private", member), true},
		{reader, "download_image", imageTarget("p1", "private", reader), false},
		{other, "download_image", imageTarget("p1", "shared", other), true},
		{other, "modify_member", imageTarget("p1", "shared", other), true},
		{member, "modify_member", imageTarget("p1", "shared", member), false},
		{reader, "get_members", imageTarget("p1", "shared", reader), true},
		{member, "add_image", glimpse.NewImagePolicyTarget(member, nil, ""), true},
		{reader, "add_image", glimpse.NewImagePolicyTarget(reader, nil, ""), false},
		{member, "add_image", glimpse.NewImagePolicyTarget(member, ptr("p2"), ""), false},
		{system, "add_image", glimpse.NewImagePolicyTarget(system, nil, ""), false},
		{member, "get_images", PolicyTargetOf(member), true},
		{system, "get_images", PolicyTargetOf(system), false},
		{member, "no_such_rule", PolicyTargetOf(member), false},
	}
	for _, c := range cases {
		if got := e.Allowed(c.who, c.action, c.target); got != c.want {
			t.Errorf("%s %s on %v = %v, want %v", c.who.ProjectID, c.action, c.target, got, c.want)
		}
	}
	if !e.IsAdmin(system) || !e.IsAdmin(admin) || e.IsAdmin(member) {
		t.Errorf("IsAdmin: system %v admin %v member %v", e.IsAdmin(system), e.IsAdmin(admin), e.IsAdmin(member))
	}
	err = e.Authorize(reader, "modify_image", imageTarget("p1", "private", reader))
	if glimpse.ErrorCode(err) != glimpse.EFORBIDDEN || glimpse.ErrorMessage(err) != "You are not authorized to complete modify_image action." {
		t.Errorf("Authorize = %v", err)
	}
}

func ptr(s string) *string { return &s }

func TestLegacyDefaults(t *testing.T) {
	e, err := New(Legacy, nil)
	if err != nil {
		t.Fatal(err)
	}
	reader := principal("p1", "reader")
	system := &glimpse.Principal{UserID: "sys", System: true, Roles: []glimpse.Role{{Name: "admin"}}}
	for _, action := range []string{"get_image", "modify_image", "delete_image", "add_member", "modify_member", "get_images", "get_task"} {
		if !e.Allowed(reader, action, imageTarget("p2", "private", reader)) {
			t.Errorf("legacy %s denied to a reader", action)
		}
	}
	for _, action := range []string{"publicize_image", "tasks_api_access", "copy_image", "cache_list", "stores_info_detail", "add_metadef_namespace"} {
		if e.Allowed(reader, action, imageTarget("p1", "private", reader)) {
			t.Errorf("legacy %s allowed to a reader", action)
		}
	}
	if !e.Allowed(system, "get_images", PolicyTargetOf(system)) {
		t.Errorf("legacy checks scopes")
	}
	if e.SecureRBAC() {
		t.Errorf("legacy SecureRBAC")
	}
}

func TestOverridesFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "policy.yaml")
	data := "# operators allow image publishers\n" +
		"\"publicize_image\": \"role:admin or role:image_publisher\"\n" +
		"\"context_is_admin\": \"role:admin and not system_scope:all\"\n" +
		"my_rule: \"role:reader\"\n" +
		"get_images: \"rule:my_rule\"\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	over, err := LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	e, err := New(Secure, over)
	if err != nil {
		t.Fatal(err)
	}
	publisher := principal("p1", "image_publisher", "member", "reader")
	if !e.Allowed(publisher, "publicize_image", imageTarget("p1", "private", publisher)) {
		t.Errorf("override not applied")
	}
	if e.Allowed(principal("p1", "member"), "get_images", PolicyTargetOf(publisher)) {
		t.Errorf("rule:my_rule not used")
	}
	system := &glimpse.Principal{UserID: "sys", System: true, Roles: []glimpse.Role{{Name: "admin"}}}
	if e.IsAdmin(system) {
		t.Errorf("context_is_admin override not applied")
	}
	// Scopes stay those of the registered rule.
	if e.Allowed(system, "publicize_image", imageTarget("p1", "private", system)) {
		t.Errorf("system scope passed a project rule")
	}

	if err := os.WriteFile(path, []byte(`get_image: "role:admin or"`), 0o600); err != nil {
		t.Fatal(err)
	}
	over, err = LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(Secure, over); err == nil || !strings.Contains(err.Error(), "get_image") {
		t.Errorf("bad rule: %v", err)
	}
	// A reference to an undefined rule would deny everyone: refused at load.
	if _, err := New(Secure, map[string]string{"publicize_image": "role:admin or rule:nonexistent"}); err == nil ||
		!strings.Contains(err.Error(), "rule:nonexistent is not defined") {
		t.Errorf("undefined rule reference: %v", err)
	}
	if got := Unregistered(map[string]string{"my_rule": "", "get_image": "", "get_imgae": ""}); !slices.Equal(got, []string{"get_imgae", "my_rule"}) {
		t.Errorf("Unregistered = %v", got)
	}
	if _, err := LoadFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Errorf("missing file: no error")
	}
}

func TestDefaultsYAMLParsesBack(t *testing.T) {
	for _, mode := range []Mode{Secure, Legacy} {
		text := string(DefaultsYAML(mode))
		var uncommented []string
		for _, line := range strings.Split(text, "\n") {
			if strings.HasPrefix(line, "#\"") {
				uncommented = append(uncommented, line[1:])
			}
		}
		if len(uncommented) != len(Defaults) {
			t.Fatalf("%s: %d rules in the file, want %d", mode, len(uncommented), len(Defaults))
		}
		path := filepath.Join(t.TempDir(), "p.yaml")
		if err := os.WriteFile(path, []byte(strings.Join(uncommented, "\n")), 0o600); err != nil {
			t.Fatal(err)
		}
		over, err := LoadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		if _, err := New(Secure, over); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
	}
}

// docs/policy.md is generated from the rule table; it must not drift.
func TestPolicyDocUpToDate(t *testing.T) {
	data, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != string(Markdown()) {
		t.Errorf("docs/policy.md is stale: run glimpse policy markdown > docs/policy.md")
	}
}
