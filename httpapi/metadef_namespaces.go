package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// Namespaces ("Metadata definition namespaces" in the Image API v2 reference), as
// glance/api/v2/metadef_namespaces.py serves them.

// namespaceReadOnly are the keys a namespace body may not hold.
var namespaceReadOnly = []string{"self", "schema", "created_at", "updated_at"}

// Glance's list limits (glance-api.conf limit_param_default, api_limit_max).
const (
	metadefLimitDefault = 25
	metadefLimitMax     = 1000
)

// handleNamespaceList answers GET /v2/metadefs/namespaces: limit, marker, sort_key,
// sort_dir, visibility and resource_types (comma-separated) filters; each namespace with
// its associations; "first", "next" and "schema" links.
func (s *Server) handleNamespaceList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := glimpse.MetadefNamespaceFilter{SortKey: "created_at", SortDesc: true, Limit: metadefLimitDefault}
	if v := q.Get("sort_dir"); q.Has("sort_dir") {
		if v != "asc" && v != "desc" {
			return errExplained(http.StatusBadRequest, "Invalid sort direction: %s", v)
		}
		f.SortDesc = v == "desc"
	}
	if q.Has("sort_key") {
		f.SortKey = q.Get("sort_key")
	}
	if v := q.Get("visibility"); v != "" {
		if v != glimpse.MetadefVisibilityPublic && v != glimpse.MetadefVisibilityPrivate {
			return errExplained(http.StatusBadRequest, "Invalid visibility value: %s", v)
		}
		f.Visibility = v
	}
	if q.Has("resource_types") {
		f.ResourceTypes = strings.Split(q.Get("resource_types"), ",")
	}
	if q.Has("limit") {
		n, err := strconv.Atoi(strings.TrimSpace(q.Get("limit")))
		if err != nil {
			return errExplained(http.StatusBadRequest, "limit param must be an integer")
		} else if n < 0 {
			return errExplained(http.StatusBadRequest, "limit param must be positive")
		}
		f.Limit = min(n, metadefLimitMax)
	}
	p := imageCaller(r)
	if err := s.enforceMetadef(r, "get_metadef_namespaces", nil); err != nil {
		return err
	}
	if err := s.enforceMetadef(r, "list_metadef_resource_types", nil); err != nil {
		return err
	}
	if marker := q.Get("marker"); marker != "" {
		ns, err := s.Metadefs.FindNamespace(r.Context(), marker)
		if err != nil {
			return err
		}
		if !s.canSeeNamespace(p, ns) {
			return errExplained(http.StatusForbidden, "Forbidding request, metadata definition namespace=%s is not visible.", marker)
		}
		f.Marker = marker
	}
	f.Viewer = s.viewer(p)
	if f.Limit == 0 {
		// A zero limit lists nothing (paginate_query with limit 0).
		f.Limit = -1
	}
	var list []*glimpse.MetadefNamespace
	if f.Limit > 0 {
		var err error
		if list, err = s.Metadefs.FindNamespaces(r.Context(), f); err != nil {
			return err
		}
	}
	// Glance filters the page by get_metadef_namespace (after paging, so a page may be short).
	items := make([]pyObject, 0, len(list))
	for _, ns := range list {
		if s.authz().Authorize(p, "get_metadef_namespace", metadefTarget(p, ns)) != nil {
			continue
		}
		o := namespaceBaseView(ns)
		if len(ns.Associations) > 0 {
			o = append(o, pyField{"resource_type_associations", associationsView(ns.Associations)})
		}
		items = append(items, append(o, pyField{"self", namespaceHref(ns.Namespace)}, pyField{"schema", "/v2/schemas/metadefs/namespace"}))
	}
	body := pyObject{{"namespaces", items}}
	params := metadefQueryOf(r.URL.RawQuery)
	params = params.without("marker")
	if len(list) > 0 && len(list) == f.Limit {
		next := append(params, metadefParam{"marker", list[len(list)-1].Namespace})
		body = append(body, pyField{"next", "/v2/metadefs/namespaces?" + next.encode()})
	}
	first := "/v2/metadefs/namespaces"
	if len(params) > 0 {
		first += "?" + params.encode()
	}
	body = append(body, pyField{"schema", "/v2/schemas/metadefs/namespaces"}, pyField{"first", first})
	writeMetadefJSON(w, http.StatusOK, body)
	return nil
}

func associationsView(as []glimpse.MetadefAssociation) []pyObject {
	out := make([]pyObject, len(as))
	for i, a := range as {
		out[i] = associationView(a)
	}
	return out
}

// metadefParam is one query parameter; a metadefQuery keeps the request's order, one entry per
// name (the first position, the last value), as Python's dict(request.params).
type metadefParam struct{ key, value string }
type metadefQuery []metadefParam

func metadefQueryOf(raw string) metadefQuery {
	var out metadefQuery
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, _ = url.QueryUnescape(k)
		v, _ = url.QueryUnescape(v)
		replaced := false
		for i := range out {
			if out[i].key == k {
				out[i].value, replaced = v, true
			}
		}
		if !replaced {
			out = append(out, metadefParam{k, v})
		}
	}
	return out
}

func (q metadefQuery) without(key string) metadefQuery {
	out := metadefQuery{}
	for _, p := range q {
		if p.key != key {
			out = append(out, p)
		}
	}
	return out
}

// encode is Python's urlencode (quote_plus).
func (q metadefQuery) encode() string {
	parts := make([]string, len(q))
	for i, p := range q {
		parts[i] = url.QueryEscape(p.key) + "=" + url.QueryEscape(p.value)
	}
	return strings.Join(parts, "&")
}

// handleNamespaceCreate answers POST /v2/metadefs/namespaces (201, Location): the
// namespace with any resource_type_associations, properties, objects and tags, created
// together. Visibility defaults to private, owner to the caller's project.
func (s *Server) handleNamespaceCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefNamespaceSchema, namespaceReadOnly...)
	if err != nil {
		return err
	}
	var in struct {
		Associations []struct {
			Name             string `json:"name"`
			Prefix           string `json:"prefix"`
			PropertiesTarget string `json:"properties_target"`
		} `json:"resource_type_associations"`
		Properties json.RawMessage   `json:"properties"`
		Objects    []json.RawMessage `json:"objects"`
		Tags       []struct {
			Name string `json:"name"`
		} `json:"tags"`
	}
	if err := json.Unmarshal(body.raw, &in); err != nil {
		return bodyError(err)
	}
	if err := s.enforceMetadef(r, "add_metadef_namespace", nil); err != nil {
		return err
	}
	for _, part := range []struct {
		present bool
		action  string
	}{
		{len(in.Associations) > 0, "add_metadef_resource_type_association"},
		{len(in.Objects) > 0, "add_metadef_object"},
		{len(body.raw) > 0 && hasMembers(in.Properties), "add_metadef_property"},
		{len(in.Tags) > 0, "add_metadef_tag"},
	} {
		if part.present {
			if err := s.enforceMetadef(r, part.action, nil); err != nil {
				return err
			}
		}
	}
	ns := namespaceFromBody(r, body)
	for _, a := range in.Associations {
		ns.Associations = append(ns.Associations, glimpse.MetadefAssociation{Name: a.Name, Prefix: a.Prefix, PropertiesTarget: a.PropertiesTarget})
	}
	contents := &glimpse.MetadefContents{}
	props, err := propertiesFrom(in.Properties)
	if err != nil {
		return bodyError(err)
	}
	for i := range props {
		contents.Properties = append(contents.Properties, &props[i])
	}
	for _, raw := range in.Objects {
		o, err := objectFrom(raw)
		if err != nil {
			return bodyError(err)
		}
		contents.Objects = append(contents.Objects, o)
	}
	for _, t := range in.Tags {
		contents.Tags = append(contents.Tags, &glimpse.MetadefTag{Name: t.Name})
	}
	checks := []pyObject{namespaceDBValues(ns)}
	for _, o := range contents.Objects {
		checks = append(checks, objectDBValues(o))
	}
	for _, p := range contents.Properties {
		checks = append(checks, propertyDBValues(p))
	}
	for _, t := range contents.Tags {
		checks = append(checks, pyObject{{"name", t.Name}})
	}
	for _, c := range checks {
		if err := check4Byte("create", "namespace", c); err != nil {
			return err
		}
	}
	if err := s.Metadefs.CreateNamespace(r.Context(), ns, contents); err != nil {
		return err
	}

	// The answer is the namespace as requested: contents without times or links.
	out := namespaceBaseView(ns)
	if _, ok := body.doc["resource_type_associations"]; ok {
		list := make([]pyObject, len(ns.Associations))
		for i, a := range ns.Associations {
			list[i] = associationBaseView(a)
		}
		out = append(out, pyField{"resource_type_associations", list})
	}
	if _, ok := body.doc["properties"]; ok {
		view, err := propertiesView(props, "")
		if err != nil {
			return err
		}
		out = append(out, pyField{"properties", view})
	}
	if _, ok := body.doc["objects"]; ok {
		list := make([]pyObject, len(contents.Objects))
		for i, o := range contents.Objects {
			v, err := objectBaseView(o, false)
			if err != nil {
				return err
			}
			list[i] = v
		}
		out = append(out, pyField{"objects", list})
	}
	if _, ok := body.doc["tags"]; ok {
		list := make([]pyObject, len(contents.Tags))
		for i, t := range contents.Tags {
			list[i] = tagView(t, false)
		}
		out = append(out, pyField{"tags", list})
	}
	out = append(out, pyField{"self", namespaceHref(ns.Namespace)}, pyField{"schema", "/v2/schemas/metadefs/namespace"})
	w.Header().Set("Location", s.imageBaseURL(r)+namespaceHref(ns.Namespace))
	writeMetadefJSON(w, http.StatusCreated, out)
	return nil
}

// hasMembers reports whether raw is a non-empty JSON object.
func hasMembers(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal(raw, &m) == nil && len(m) > 0
}

// namespaceFromBody builds the namespace fields of a create or update body as Glance does:
// visibility private, protected false and owner the caller's project unless given.
func namespaceFromBody(r *http.Request, body *metadefBody) *glimpse.MetadefNamespace {
	ns := &glimpse.MetadefNamespace{
		Namespace: body.str("namespace"), DisplayName: body.str("display_name"), Description: body.str("description"),
		Visibility: body.str("visibility"), Owner: body.str("owner"),
	}
	ns.Protected, _ = body.doc["protected"].(bool)
	if ns.Visibility == "" {
		ns.Visibility = glimpse.MetadefVisibilityPrivate
	}
	if ns.Owner == "" {
		ns.Owner = imageCaller(r).ProjectID
	}
	return ns
}

// handleNamespaceShow answers GET /v2/metadefs/namespaces/{namespace}: the namespace with
// its associations, properties, objects and tags; ?resource_type=<rt> prefixes property
// names (and object required lists) with that association's prefix.
func (s *Server) handleNamespaceShow(w http.ResponseWriter, r *http.Request) error {
	ctx, name := r.Context(), r.PathValue("namespace")
	if v := r.URL.Query().Get("visibility"); v != "" && v != glimpse.MetadefVisibilityPublic && v != glimpse.MetadefVisibilityPrivate {
		return errExplained(http.StatusBadRequest, "Invalid visibility value: %s", v)
	}
	ns, err := s.Metadefs.FindNamespace(ctx, name)
	if err != nil {
		return err
	}
	if !s.canSeeNamespace(imageCaller(r), ns) {
		return errDefault(http.StatusNotFound)
	}
	for _, action := range []string{"get_metadef_namespace", "list_metadef_resource_types", "get_metadef_objects",
		"get_metadef_properties", "get_metadef_tags"} {
		if err := s.enforceMetadef(r, action, ns); err != nil {
			return err
		}
	}
	objects, err := s.Metadefs.FindObjects(ctx, name)
	if err != nil {
		return err
	}
	props, err := s.Metadefs.FindProperties(ctx, name)
	if err != nil {
		return err
	}
	tags, err := s.Metadefs.FindTags(ctx, name, glimpse.MetadefTagFilter{SortDesc: true})
	if err != nil {
		return err
	}
	prefix := ""
	if rt := r.URL.Query().Get("resource_type"); rt != "" {
		for _, a := range ns.Associations {
			if a.Name == rt {
				prefix = a.Prefix
				break
			}
		}
	}
	out := namespaceBaseView(ns)
	if len(ns.Associations) > 0 {
		out = append(out, pyField{"resource_type_associations", associationsView(ns.Associations)})
	}
	if len(props) > 0 {
		list := make([]glimpse.MetadefProperty, len(props))
		for i, p := range props {
			list[i] = *p
		}
		view, err := propertiesView(list, prefix)
		if err != nil {
			return err
		}
		out = append(out, pyField{"properties", view})
	}
	if len(objects) > 0 {
		list := make([]pyObject, len(objects))
		for i, o := range objects {
			if prefix != "" {
				o = prefixedObject(o, prefix)
			}
			if list[i], err = objectView(name, o, true); err != nil {
				return err
			}
		}
		out = append(out, pyField{"objects", list})
	}
	if len(tags) > 0 {
		list := make([]pyObject, len(tags))
		for i, t := range tags {
			list[i] = tagView(t, false)
		}
		out = append(out, pyField{"tags", list})
	}
	out = append(out, pyField{"self", namespaceHref(name)}, pyField{"schema", "/v2/schemas/metadefs/namespace"})
	writeMetadefJSON(w, http.StatusOK, out)
	return nil
}

// prefixedObject is o with prefix before its property names and required names.
func prefixedObject(o *glimpse.MetadefObject, prefix string) *glimpse.MetadefObject {
	c := *o
	c.Properties = make([]glimpse.MetadefProperty, len(o.Properties))
	for i, p := range o.Properties {
		p.Name = prefix + p.Name
		c.Properties[i] = p
	}
	if len(o.Required) > 0 {
		c.Required = make([]string, len(o.Required))
		for i, n := range o.Required {
			c.Required[i] = prefix + n
		}
	}
	return &c
}

// handleNamespaceUpdate answers PUT /v2/metadefs/namespaces/{namespace}: the body replaces
// the namespace's fields (display_name and description are cleared when absent;
// visibility, protected and owner fall back to private, false and the caller's project).
func (s *Server) handleNamespaceUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefNamespaceSchema, namespaceReadOnly...)
	if err != nil {
		return err
	}
	if _, err := s.visibleNamespaceFor(r, "modify_metadef_namespace"); err != nil {
		return err
	}
	in := namespaceFromBody(r, body)
	ns, err := s.Metadefs.UpdateNamespace(r.Context(), r.PathValue("namespace"), func(ns *glimpse.MetadefNamespace) error {
		ns.Namespace, ns.DisplayName, ns.Description = in.Namespace, in.DisplayName, in.Description
		ns.Visibility, ns.Protected, ns.Owner = in.Visibility, in.Protected, in.Owner
		return check4Byte("update", "namespace", namespaceDBValues(ns))
	})
	if err != nil {
		return err
	}
	out := append(namespaceBaseView(ns), pyField{"self", namespaceHref(ns.Namespace)}, pyField{"schema", "/v2/schemas/metadefs/namespace"})
	writeMetadefJSON(w, http.StatusOK, out)
	return nil
}

// handleNamespaceDelete answers DELETE /v2/metadefs/namespaces/{namespace} (204); a
// protected namespace is 403.
func (s *Server) handleNamespaceDelete(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "delete_metadef_namespace")
	if err != nil {
		return err
	}
	if ns.Protected {
		return errNamespaceProtected(ns.Namespace)
	}
	if err := s.Metadefs.DeleteNamespace(r.Context(), ns.Namespace); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

func errNamespaceProtected(name string) error {
	return errExplained(http.StatusForbidden, "Metadata definition namespace %s is protected and cannot be deleted.", name)
}

// handleNamespaceContentDelete answers DELETE …/objects, …/properties and …/tags (204):
// it removes all of them, unless the namespace is protected (403, with the namespace's
// protection message, as Glance).
func (s *Server) handleNamespaceContentDelete(part string) imageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		ns, err := s.visibleNamespaceFor(r, "delete_metadef_namespace")
		if err != nil {
			return err
		}
		if part == glimpse.MetadefTags {
			if err := s.enforceMetadef(r, "delete_metadef_tags", ns); err != nil {
				return err
			}
		}
		if ns.Protected {
			return errNamespaceProtected(ns.Namespace)
		}
		if err := s.Metadefs.DeleteNamespaceContent(r.Context(), ns.Namespace, part); err != nil {
			return err
		}
		writeNoContent(w)
		return nil
	}
}
