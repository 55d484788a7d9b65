package policy

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/glimpse-image/glimpse"
	"gopkg.in/yaml.v3"
)

// Mode selects which defaults apply.
type Mode string

const (
	// Secure is Glance's secure RBAC: [oslo_policy] enforce_new_defaults = enforce_scope =
	// true and [DEFAULT] enforce_secure_rbac = true. Project readers read, project members
	// write in their project, admins do everything, and only project-scoped tokens pass
	// the image rules (a system-scoped admin sees nothing). glimpse's default.
	Secure Mode = "secure"
	// Legacy is Glance's behaviour with the deprecated defaults (what Glance Zed runs
	// with unless configured otherwise): every deprecated rule is ORed in, token scopes are
	// not checked, and Glance's hard-coded owner checks apply instead.
	Legacy Mode = "legacy"
)

// ParseMode reads a mode name: "secure" (also "" and "secure_rbac") or "legacy".
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "secure", "secure_rbac", "secure-rbac":
		return Secure, nil
	case "legacy":
		return Legacy, nil
	}
	return "", fmt.Errorf("policy mode %q: want secure or legacy", s)
}

// Enforcer evaluates Glance's policies for glimpse (it implements glimpse.Authorizer).
// It is immutable after New and safe for concurrent use.
type Enforcer struct {
	mode     Mode
	rules    map[string]check // effective rule per name
	scopes   map[string][]string
	defaults map[string]Rule
}

var _ glimpse.Authorizer = (*Enforcer)(nil)

// New returns an enforcer for mode with overrides (rule name → check string, as read from
// a policy file). An override may name a rule glimpse does not register (others may refer
// to it with rule:x). Errors: a check string that does not parse.
func New(mode Mode, overrides map[string]string) (*Enforcer, error) {
	if mode == "" {
		mode = Secure
	}
	e := &Enforcer{mode: mode, rules: map[string]check{}, scopes: map[string][]string{}, defaults: map[string]Rule{}}
	for _, r := range Defaults {
		e.defaults[r.Name] = r
		e.scopes[r.Name] = r.Scope
		c, err := parseRule(r.Check)
		if err != nil {
			return nil, fmt.Errorf("default %s: %w", r.Name, err)
		}
		if mode == Legacy && r.Legacy != "" && r.Legacy != r.Check {
			legacy, err := parseRule(r.Legacy)
			if err != nil {
				return nil, fmt.Errorf("default %s: %w", r.Name, err)
			}
			c = orCheck{[]check{c, legacy}}
		}
		e.rules[r.Name] = c
	}
	for name, s := range overrides {
		c, err := parseRule(s)
		if err != nil {
			return nil, fmt.Errorf("policy %s: %w", name, err)
		}
		e.rules[name] = c
	}
	// A reference to a rule nobody defines is always false: refuse it rather than deny
	// everyone (an admin included) the actions that use it.
	for name := range overrides {
		for _, ref := range ruleRefs(e.rules[name]) {
			if _, ok := e.rules[ref]; !ok {
				return nil, fmt.Errorf("policy %s: rule:%s is not defined (define it in the policy file, or use one of the rules in docs/policy.md)", name, ref)
			}
		}
	}
	return e, nil
}

// ruleRefs returns the names that c refers to with rule:<name>.
func ruleRefs(c check) []string {
	switch c := c.(type) {
	case ruleCheck:
		return []string{c.name}
	case notCheck:
		return ruleRefs(c.c)
	case andCheck:
		return allRuleRefs(c.cs)
	case orCheck:
		return allRuleRefs(c.cs)
	}
	return nil
}

func allRuleRefs(cs []check) []string {
	var refs []string
	for _, c := range cs {
		refs = append(refs, ruleRefs(c)...)
	}
	return refs
}

// LoadFile reads an operator policy file: YAML (or JSON) mapping rule names to check
// strings, e.g. `"publicize_image": "role:admin or role:image_publisher"`. An empty path
// means no file.
func LoadFile(path string) (map[string]string, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy file: %w", err)
	}
	var m map[string]string
	if err := yaml.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("policy file %s: %w", path, err)
	}
	return m, nil
}

// Unregistered returns the names in overrides that are not Glance policies, sorted: they
// only matter when another rule refers to them (rule:<name>), so a typo shows up here.
func Unregistered(overrides map[string]string) []string {
	var names []string
	for name := range overrides {
		if !slices.ContainsFunc(Defaults, func(r Rule) bool { return r.Name == name }) {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// Mode returns the enforcer's mode.
func (e *Enforcer) Mode() Mode { return e.mode }

// SecureRBAC reports whether Glance's legacy owner checks are off (secure mode).
func (e *Enforcer) SecureRBAC() bool { return e.mode == Secure }

// IsAdmin evaluates "context_is_admin" (role:admin by default), whatever the token scope.
func (e *Enforcer) IsAdmin(p *glimpse.Principal) bool {
	return e.evaluate("context_is_admin", p, PolicyTargetOf(p), false)
}

// Allowed reports whether p may perform action on target.
func (e *Enforcer) Allowed(p *glimpse.Principal, action string, target glimpse.PolicyTarget) bool {
	if e.mode == Secure && !scopeAllowed(e.scopes[action], p) {
		return false
	}
	return e.evaluate(action, p, target, true)
}

// Authorize returns nil when p may perform action on target, else EFORBIDDEN with
// Glance's "You are not authorized to complete <action> action.".
func (e *Enforcer) Authorize(p *glimpse.Principal, action string, target glimpse.PolicyTarget) error {
	if e.Allowed(p, action, target) {
		return nil
	}
	return glimpse.Errorf(glimpse.EFORBIDDEN, "You are not authorized to complete %s action.", action)
}

// PolicyTargetOf is the target of a check about the caller itself: its project.
func PolicyTargetOf(p *glimpse.Principal) glimpse.PolicyTarget {
	return glimpse.PolicyTarget{"project_id": noneIfEmpty(p.ProjectID)}
}

func (e *Enforcer) evaluate(action string, p *glimpse.Principal, target glimpse.PolicyTarget, withAdmin bool) bool {
	c, ok := e.rules[action]
	if !ok {
		return false
	}
	cr := credsOf(p)
	ev := &evaluation{target: target, creds: cr, rules: func(name string) check { return e.rules[name] }}
	cr.isAdmin = func() string { return "False" }
	if withAdmin {
		cr.isAdmin = func() string { return pyBool(e.IsAdmin(p)) }
	}
	return c.eval(ev)
}

// scopeAllowed is oslo.policy's scope check: a rule with scope types accepts only tokens of
// one of those scopes ("system", "domain", "project").
func scopeAllowed(scopes []string, p *glimpse.Principal) bool {
	if len(scopes) == 0 {
		return true
	}
	var scope string
	switch {
	case p.System:
		scope = "system"
	case p.DomainID != "":
		scope = "domain"
	case p.ProjectID != "":
		scope = "project"
	default:
		return false
	}
	return slices.Contains(scopes, scope)
}

// credsOf turns a principal into oslo.context's policy values.
func credsOf(p *glimpse.Principal) *creds {
	c := &creds{values: map[string]string{
		"user_id":           noneIfEmpty(p.UserID),
		"user_domain_id":    noneIfEmpty(p.UserDomainID),
		"project_id":        noneIfEmpty(p.ProjectID),
		"project_domain_id": noneIfEmpty(p.ProjectDomainID),
		"domain_id":         noneIfEmpty(p.DomainID),
		"system_scope":      "None",
	}}
	if p.System {
		c.values["system_scope"] = "all"
	}
	for _, r := range p.Roles {
		c.roles = append(c.roles, strings.ToLower(r.Name))
	}
	return c
}

func noneIfEmpty(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// DefaultsYAML returns every rule with its default for mode, commented with its
// description, operations and scope, as a policy file an operator can start from
// (oslopolicy-sample-generator's layout: every rule commented out).
func DefaultsYAML(mode Mode) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# glimpse policy defaults, mode %q. Uncomment a rule to override it.\n", mode)
	for _, r := range Defaults {
		b.WriteString("\n# " + r.Description + "\n")
		for _, op := range r.Operations {
			fmt.Fprintf(&b, "# %s  %s\n", op.Method, op.Path)
		}
		if len(r.Scope) > 0 && mode == Secure {
			fmt.Fprintf(&b, "# Token scopes: %s\n", strings.Join(r.Scope, ", "))
		}
		check := r.Check
		if mode == Legacy && r.Legacy != "" && r.Legacy != r.Check {
			check = "(" + orEmpty(r.Check) + ") or (" + orEmpty(r.Legacy) + ")"
			fmt.Fprintf(&b, "# Legacy: the secure default %q or the deprecated %q.\n", r.Check, r.Legacy)
		}
		fmt.Fprintf(&b, "#%q: %q\n", r.Name, check)
	}
	return b.Bytes()
}

func orEmpty(s string) string {
	if s == "" {
		return "@"
	}
	return s
}

// Markdown returns the rule table as a Markdown document (docs/policy.md).
func Markdown() []byte {
	var b bytes.Buffer
	b.WriteString("# glimpse policies\n\n")
	b.WriteString("Generated by `glimpse policy markdown` from policy/defaults.go; do not edit.\n\n")
	b.WriteString("glimpse enforces Glance's policy names with Glance's defaults. The mode (config `policy_mode`,\n")
	b.WriteString("`GLIMPSE_POLICY_MODE`) is `secure` (default: Glance's secure RBAC, `enforce_new_defaults`,\n")
	b.WriteString("`enforce_scope` and `enforce_secure_rbac` on) or `legacy` (Glance's deprecated defaults ORed in,\n")
	b.WriteString("no scope checks, Glance's hard-coded owner checks). An operator policy file (config `policy_file`,\n")
	b.WriteString("`GLIMPSE_POLICY_FILE`; YAML `\"rule\": \"check string\"`) overrides single rules in either mode.\n")
	b.WriteString("`glimpse policy defaults [--mode legacy]` prints a commented policy file.\n\n")
	b.WriteString("Rule syntax (oslo.policy): `role:<name>`, `project_id:%(owner)s` (a credential equals a target\n")
	b.WriteString("value), `'public':%(visibility)s` (a target value equals a constant), `is_admin:True`, `rule:<name>`,\n")
	b.WriteString("`@` (always), `!` (never), `and`, `or`, `not`, parentheses. Credentials: `project_id`, `user_id`,\n")
	b.WriteString("`domain_id`, `system_scope`, `is_admin`, `roles`. Image targets: `project_id` and `owner` (the image\n")
	b.WriteString("owner), `visibility`, `member_id` (the caller's project for a shared image it does not own), `id`,\n")
	b.WriteString("`status`, custom properties. In secure mode a rule with scope `project` refuses system- and\n")
	b.WriteString("domain-scoped tokens.\n\n")
	b.WriteString("| rule | secure default | legacy adds (OR) | scope | what it guards |\n|---|---|---|---|---|\n")
	for _, r := range Defaults {
		legacy := ""
		if r.Legacy != "" && r.Legacy != r.Check {
			legacy = "`" + r.Legacy + "`"
		}
		ops := r.Description
		for _, op := range r.Operations {
			ops += "<br>`" + op.Method + " " + op.Path + "`"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s |\n", r.Name, orEmpty(r.Check), legacy, strings.Join(r.Scope, ", "), ops)
	}
	return b.Bytes()
}
