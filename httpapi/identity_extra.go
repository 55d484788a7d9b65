package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// Keystone keeps the attributes of a user or project that it has no column for (a user's
// email or description, anything a client adds) and returns them first in the resource;
// projects also have tags ("Projects" and "Users" in the Identity API v3 reference).

// userCoreKeys and projectCoreKeys are the attributes that are not extra.
var (
	userCoreKeys = []string{"id", "name", "domain_id", "default_project_id", "enabled", "password",
		"original_password", "options", "links", "federated", "password_expires_at"}
	projectCoreKeys = []string{"id", "name", "domain_id", "description", "enabled", "parent_id",
		"is_domain", "tags", "options", "links"}
)

// readIdentityBody reads a JSON request body for decodeIdentityJSON and identityExtra.
func readIdentityBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, glimpse.Errorf(glimpse.EINVALID, "Expecting to find valid JSON in request body. %s", invalidSuffix)
	}
	return body, nil
}

// identityExtra returns the attributes of body's member object ("user", "project") that
// are not among core, or nil.
func identityExtra(body []byte, member string, core []string) map[string]any {
	var doc map[string]map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return nil
	}
	var extra map[string]any
	for k, v := range doc[member] {
		if !slices.Contains(core, k) {
			if extra == nil {
				extra = map[string]any{}
			}
			extra[k] = v
		}
	}
	return extra
}

// mergeExtra sets the attributes of update on current (a PATCH), and returns the result.
func mergeExtra(current, update map[string]any) map[string]any {
	if len(update) == 0 {
		return current
	}
	out := map[string]any{}
	for k, v := range current {
		out[k] = v
	}
	for k, v := range update {
		out[k] = v
	}
	return out
}

// withExtra is the JSON of view (a struct) with the extra attributes first, sorted, as
// Keystone returns them; an extra attribute never hides a core one.
func withExtra(view any, extra map[string]any, core []string) ([]byte, error) {
	b, err := json.Marshal(view)
	if err != nil || len(extra) == 0 {
		return b, err
	}
	shown := map[string]any{}
	for k, v := range extra {
		if !slices.Contains(core, k) {
			shown[k] = v
		}
	}
	if len(shown) == 0 {
		return b, nil
	}
	e, err := json.Marshal(shown)
	if err != nil {
		return nil, err
	}
	return append(append(bytes.TrimSuffix(e, []byte("}")), ','), bytes.TrimPrefix(b, []byte("{"))...), nil
}

// checkProjectTags is Keystone's check of a project's tags: at most 80, each 1 to 255
// characters without "/" or ",".
func checkProjectTags(tags []string) error {
	if len(tags) > 80 {
		return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'tags': a project has at most 80 tags. %s", invalidSuffix)
	}
	for _, t := range tags {
		if t == "" || len([]rune(t)) > 255 || strings.ContainsAny(t, "/,") {
			return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'tags': %s is not a valid tag (1 to 255 characters, no \"/\" or \",\"). %s", pyStrRepr(t), invalidSuffix)
		}
	}
	return nil
}

// matchProjectTags applies Keystone's project list filters: ?tags= (all of them),
// ?tags-any=, ?not-tags= (not all of them) and ?not-tags-any= (none of them), each a
// comma-separated list.
func matchProjectTags(q url.Values, tags []string) bool {
	// has reports whether tags hold all and any of the listed ones.
	has := func(list string) (all, any bool) {
		all = true
		for _, t := range strings.Split(list, ",") {
			if slices.Contains(tags, t) {
				any = true
			} else {
				all = false
			}
		}
		return all, any
	}
	for _, f := range []struct {
		key       string
		wantAll   bool // the filter is on "all of them" (else "any of them")
		wantMatch bool // the project must match (else must not)
	}{{"tags", true, true}, {"tags-any", false, true}, {"not-tags", true, false}, {"not-tags-any", false, false}} {
		if !q.Has(f.key) {
			continue
		}
		all, any := has(q.Get(f.key))
		matched := any
		if f.wantAll {
			matched = all
		}
		if matched != f.wantMatch {
			return false
		}
	}
	return true
}
