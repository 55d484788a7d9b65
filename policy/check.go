// Package policy is glimpse's policy engine: oslo.policy's rule language (the subset Glance
// uses) with Glance's default rules, in its secure-RBAC mode (enforce_new_defaults,
// enforce_scope, enforce_secure_rbac: Glance's defaults since 2024.1) or its legacy mode
// (the Zed defaults the reference Glance runs with by default), and an operator policy file
// (YAML, one "name": "check string" per rule) that overrides individual rules.
//
// Rule language ("Policy rule syntax" in the oslo.policy documentation):
//
//	role:<name>              the caller holds the role (implied roles included)
//	<credential>:%(<key>)s   a credential (project_id, user_id, domain_id, system_scope,
//	                         is_admin, ...) equals a target value
//	<credential>:<literal>   a credential equals a constant, e.g. is_admin:True
//	'<literal>':%(<key>)s    a target value equals a constant, e.g. 'public':%(visibility)s
//	rule:<name>              another rule
//	@ / !                    always / never; an empty rule is always
//	and, or, not, ( )        "not" binds tighter than "and", "and" tighter than "or"
package policy

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// check is one parsed rule expression.
type check interface {
	eval(e *evaluation) bool
	String() string
}

// creds are the caller's credentials as oslo.context's to_policy_values: string values,
// "None" for an absent one, and the role names.
type creds struct {
	values  map[string]string
	roles   []string      // lower case
	isAdmin func() string // "True" or "False", computed only when a rule reads is_admin
}

// evaluation is one rule evaluation: the target, the caller and the rules for rule:x.
type evaluation struct {
	target map[string]string
	creds  *creds
	rules  func(name string) check
	depth  int
}

type trueCheck struct{}

func (trueCheck) eval(*evaluation) bool { return true }
func (trueCheck) String() string        { return "@" }

type falseCheck struct{}

func (falseCheck) eval(*evaluation) bool { return false }
func (falseCheck) String() string        { return "!" }

type notCheck struct{ c check }

func (n notCheck) eval(e *evaluation) bool { return !n.c.eval(e) }
func (n notCheck) String() string          { return "not " + n.c.String() }

type andCheck struct{ cs []check }

func (a andCheck) eval(e *evaluation) bool {
	for _, c := range a.cs {
		if !c.eval(e) {
			return false
		}
	}
	return true
}

func (a andCheck) String() string { return joinChecks(a.cs, " and ") }

type orCheck struct{ cs []check }

func (o orCheck) eval(e *evaluation) bool {
	for _, c := range o.cs {
		if c.eval(e) {
			return true
		}
	}
	return false
}

func (o orCheck) String() string { return joinChecks(o.cs, " or ") }

func joinChecks(cs []check, sep string) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// ruleCheck is rule:<name>; an unknown rule, or a loop deeper than maxRuleDepth, is false.
type ruleCheck struct{ name string }

const maxRuleDepth = 32

func (r ruleCheck) eval(e *evaluation) bool {
	if e.depth >= maxRuleDepth || e.rules == nil {
		return false
	}
	c := e.rules(r.name)
	if c == nil {
		return false
	}
	e.depth++
	defer func() { e.depth-- }()
	return c.eval(e)
}

func (r ruleCheck) String() string { return "rule:" + r.name }

// roleCheck is role:<name>, compared case-insensitively; the name may use %(key)s.
type roleCheck struct{ match string }

func (r roleCheck) eval(e *evaluation) bool {
	name, ok := substitute(r.match, e.target)
	if !ok {
		return false
	}
	return slices.Contains(e.creds.roles, strings.ToLower(name))
}

func (r roleCheck) String() string { return "role:" + r.match }

// genericCheck is <kind>:<match>: match (after %(key)s substitution) must equal the
// literal kind ('public', True, 42) or the caller's credential named kind.
type genericCheck struct{ kind, match string }

func (g genericCheck) eval(e *evaluation) bool {
	match, ok := substitute(g.match, e.target)
	if !ok {
		return false
	}
	if lit, ok := pyLiteral(g.kind); ok {
		return match == lit
	}
	switch g.kind {
	case "roles":
		return slices.Contains(e.creds.roles, match)
	case "is_admin":
		if e.creds.isAdmin != nil {
			return match == e.creds.isAdmin()
		}
	}
	v, ok := e.creds.values[g.kind]
	return ok && match == v
}

func (g genericCheck) String() string { return g.kind + ":" + g.match }

var substitutionRE = regexp.MustCompile(`%\(([^)]*)\)s`)

// substitute formats s with the target as Python's "s % target": ok is false when a key
// is missing (oslo.policy's KeyError, which fails the check).
func substitute(s string, target map[string]string) (string, bool) {
	if !strings.Contains(s, "%") {
		return s, true
	}
	if strings.HasPrefix(s, "%(") && strings.HasSuffix(s, ")s") && strings.Count(s, "%") == 1 {
		v, found := target[s[2:len(s)-2]]
		return v, found
	}
	ok := true
	out := substitutionRE.ReplaceAllStringFunc(s, func(m string) string {
		key := m[2 : len(m)-2]
		v, found := target[key]
		if !found {
			ok = false
		}
		return v
	})
	return out, ok
}

// pyLiteral returns str(ast.literal_eval(s)) for the literals a check kind may be: a
// quoted string, an integer, True, False or None.
func pyLiteral(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1], true
	}
	switch s {
	case "True", "False", "None":
		return s, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return strconv.FormatInt(n, 10), true
	}
	return "", false
}
