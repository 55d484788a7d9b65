package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// routeMetadefs registers the metadata definitions catalog ("Metadata Definitions API" in
// the Image API v2 reference) and its schemas, each path with its methods in Glance's
// router order (the order of the Allow header of a 405). Nothing is registered without a
// MetadefService.
func (s *Server) routeMetadefs(mux *http.ServeMux) {
	if s.Metadefs == nil {
		return
	}
	route := func(path string, methods ...methodRoute) {
		mux.Handle(path, s.imageAuth(s.imageRoute(methods, nil)))
	}
	get := func(h imageHandler) methodRoute { return methodRoute{http.MethodGet, h} }
	post := func(h imageHandler) methodRoute { return methodRoute{http.MethodPost, h} }
	put := func(h imageHandler) methodRoute { return methodRoute{http.MethodPut, h} }
	del := func(h imageHandler) methodRoute { return methodRoute{http.MethodDelete, h} }

	for name := range metadefSchemaBodies {
		route("/v2/schemas/metadefs/"+name, get(s.handleMetadefSchema(name)))
	}
	// nb marks the routes Glance's router declares with body_reject.
	nb := rejectBody
	const ns = "/v2/metadefs/namespaces/{namespace}"
	route("/v2/metadefs/resource_types", get(nb(s.handleResourceTypeList)))
	route(ns+"/resource_types", get(nb(s.handleAssociationList)), post(s.handleAssociationCreate))
	route(ns+"/resource_types/{resource_type}", del(nb(s.handleAssociationDelete)))
	route("/v2/metadefs/namespaces", get(s.handleNamespaceList), post(s.handleNamespaceCreate))
	route(ns, get(nb(s.handleNamespaceShow)), put(s.handleNamespaceUpdate), del(nb(s.handleNamespaceDelete)))
	route(ns+"/properties", get(nb(s.handlePropertyList)), post(s.handlePropertyCreate),
		del(s.handleNamespaceContentDelete(glimpse.MetadefProperties)))
	route(ns+"/properties/{property_name}", get(s.handlePropertyShow), put(s.handlePropertyUpdate), del(s.handlePropertyDelete))
	route(ns+"/objects", get(s.handleObjectList), post(s.handleObjectCreate),
		del(s.handleNamespaceContentDelete(glimpse.MetadefObjects)))
	route(ns+"/objects/{object_name}", get(nb(s.handleObjectShow)), put(s.handleObjectUpdate), del(nb(s.handleObjectDelete)))
	route(ns+"/tags", get(s.handleMetadefTagList), post(s.handleMetadefTagsCreate), del(s.handleNamespaceContentDelete(glimpse.MetadefTags)))
	route(ns+"/tags/{tag_name}", get(nb(s.handleMetadefTagShow)), post(nb(s.handleMetadefTagCreate)), put(s.handleMetadefTagUpdate),
		del(nb(s.handleMetadefTagDelete)))
}

// rejectBody answers 400 "A body is not expected with this request." when the request has
// a body, as Glance's wsgi.Resource does for routes marked body_reject: a positive
// Content-Length, or a chunked body on a method that may carry one.
func rejectBody(h imageHandler) imageHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		chunked := len(r.TransferEncoding) > 0 && (r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch)
		if r.ContentLength > 0 || chunked {
			return errExplained(http.StatusBadRequest, "A body is not expected with this request.")
		}
		return h(w, r)
	}
}

// metadefTarget is the policy target Glance's MetadefAPIPolicy builds: the namespace's
// owner and visibility, or the caller's project when there is no namespace yet.
func metadefTarget(p *glimpse.Principal, ns *glimpse.MetadefNamespace) glimpse.PolicyTarget {
	if ns == nil {
		return glimpse.PolicyTarget{"project_id": noneIfEmpty(p.ProjectID)}
	}
	return glimpse.PolicyTarget{"project_id": noneIfEmpty(ns.Owner), "visibility": ns.Visibility}
}

// enforceMetadef is MetadefAPIPolicy._enforce: a denied action is 404 (webob's default
// body) when the caller may not get_metadef_namespace either, and otherwise 403 with the
// policy's message ("You are not authorized to complete <action> action.").
func (s *Server) enforceMetadef(r *http.Request, action string, ns *glimpse.MetadefNamespace) error {
	p := imageCaller(r)
	target := metadefTarget(p, ns)
	err := s.authz().Authorize(p, action, target)
	if err == nil {
		return nil
	}
	if action == "get_metadef_namespace" || s.authz().Authorize(p, "get_metadef_namespace", target) != nil {
		return errDefault(http.StatusNotFound)
	}
	return errExplained(http.StatusForbidden, "%s", glimpse.ErrorMessage(err))
}

// canSeeNamespace is Glance's database-level visibility (_is_namespace_visible): admins
// (context_is_admin) see all, everyone sees public namespaces and those without an owner,
// the owner project its private ones.
func (s *Server) canSeeNamespace(p *glimpse.Principal, ns *glimpse.MetadefNamespace) bool {
	return s.isAdmin(p) || ns.Owner == "" || ns.Visibility == glimpse.MetadefVisibilityPublic ||
		(p.ProjectID != "" && p.ProjectID == ns.Owner)
}

// visibleNamespace returns the namespace the path names when the caller may see it, and
// otherwise Glance's usual 404 "Namespace <n> not found".
func (s *Server) visibleNamespace(r *http.Request) (*glimpse.MetadefNamespace, error) {
	name := r.PathValue("namespace")
	ns, err := s.Metadefs.FindNamespace(r.Context(), name)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND || (err == nil && !s.canSeeNamespace(imageCaller(r), ns)) {
		return nil, errExplained(http.StatusNotFound, "Namespace %s not found", name)
	} else if err != nil {
		return nil, err
	}
	return ns, nil
}

// visibleNamespaceFor is visibleNamespace followed by the policy check of action on it.
func (s *Server) visibleNamespaceFor(r *http.Request, action string) (*glimpse.MetadefNamespace, error) {
	ns, err := s.visibleNamespace(r)
	if err != nil {
		return nil, err
	}
	if err := s.enforceMetadef(r, action, ns); err != nil {
		return nil, err
	}
	return ns, nil
}

// metadefBody is a decoded request body: doc for validation (numbers as json.Number) and
// the raw text, which keeps the order of property maps.
type metadefBody struct {
	doc map[string]any
	raw []byte
}

// readMetadefBody reads a JSON body as Glance's deserializers do: errors as readJSONBody's;
// then any of the read-only keys is 403 "Attribute '<k>' is read-only."; then the body is
// validated against schema.
func readMetadefBody(r *http.Request, schema *requestSchema, readOnly ...string) (*metadefBody, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
	if err != nil {
		return nil, errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
	}
	if len(data) > maxJSONBody {
		return nil, errDefault(http.StatusRequestEntityTooLarge)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	doc, _ := v.(map[string]any)
	if doc != nil {
		for _, k := range readOnly {
			if _, ok := doc[k]; ok {
				return nil, errExplained(http.StatusForbidden, "Attribute '%s' is read-only.", k)
			}
		}
	}
	if err := schema.validate(v); err != nil {
		return nil, err
	}
	return &metadefBody{doc: doc, raw: data}, nil
}

// str returns the string member k, or "".
func (b *metadefBody) str(k string) string {
	s, _ := b.doc[k].(string)
	return s
}

// orderedMembers returns the members of the JSON object raw in document order.
func orderedMembers(raw json.RawMessage) ([]string, map[string]json.RawMessage, error) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, nil, errors.New("not a JSON object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		k, _ := tok.(string)
		keys = append(keys, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil, err
		}
	}
	return keys, members, nil
}

// propertiesFrom reads a {name: definition} object (validated) in order into properties.
// Python dicts keep one entry per key: a repeated key keeps its first position and last
// value, as encoding/json's map does.
func propertiesFrom(raw json.RawMessage) ([]glimpse.MetadefProperty, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	keys, members, err := orderedMembers(raw)
	if err != nil {
		return nil, err
	}
	props := make([]glimpse.MetadefProperty, 0, len(keys))
	seen := map[string]bool{}
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(string(members[k])))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			return nil, err
		}
		props = append(props, glimpse.MetadefProperty{Name: k, Schema: propertyDefFrom(m).schema()})
	}
	return props, nil
}

// objectFrom builds an object from a validated object body (or a namespace's "objects"
// item): name, description, required and properties.
func objectFrom(raw json.RawMessage) (*glimpse.MetadefObject, error) {
	var o struct {
		Name        string          `json:"name"`
		Description *string         `json:"description"`
		Required    []string        `json:"required"`
		Properties  json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	obj := &glimpse.MetadefObject{Name: o.Name, Required: o.Required}
	if o.Description != nil {
		obj.Description = *o.Description
	}
	props, err := propertiesFrom(o.Properties)
	if err != nil {
		return nil, err
	}
	obj.Properties = props
	return obj, nil
}

// bodyError wraps a failure to read an already validated body.
func bodyError(_ error) error {
	return errExplained(http.StatusBadRequest, "Malformed JSON in request body.")
}
