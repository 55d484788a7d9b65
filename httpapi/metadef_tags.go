package httpapi

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// Tags and resource types ("Metadata definition tags" and "Metadata definition resource
// types" in the Image API v2 reference), as glance/api/v2/metadef_tags.py and
// metadef_resource_types.py serve them.

// handleMetadefTagList answers GET …/tags: {"tags": [{"name"}, …]}, newest first by default,
// with limit, marker, sort_key and sort_dir.
func (s *Server) handleMetadefTagList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := glimpse.MetadefTagFilter{SortKey: "created_at", SortDesc: true}
	if q.Has("sort_dir") {
		v := q.Get("sort_dir")
		if v != "asc" && v != "desc" {
			return errExplained(http.StatusBadRequest, "Invalid sort direction: %s", v)
		}
		f.SortDesc = v == "desc"
	}
	if q.Has("sort_key") {
		f.SortKey = q.Get("sort_key")
	}
	if v := q.Get("visibility"); v != "" && v != "public" && v != "private" && v != "shared" {
		return errExplained(http.StatusBadRequest, "Invalid visibility value: %s", v)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return errExplained(http.StatusBadRequest, "limit param must be an integer")
		} else if n < 0 {
			return errExplained(http.StatusBadRequest, "limit param must be positive")
		}
		f.Limit = n
	}
	ns, err := s.visibleNamespaceFor(r, "get_metadef_tags")
	if err != nil {
		return err
	}
	f.Marker = q.Get("marker")
	tags, err := s.Metadefs.FindTags(r.Context(), ns.Namespace, f)
	if err != nil {
		return childNotFound(err, "Could not find metadata tag %s", f.Marker)
	}
	list := make([]pyObject, len(tags))
	for i, t := range tags {
		list[i] = tagView(t, false)
	}
	writeMetadefJSON(w, http.StatusOK, pyObject{{"tags", list}})
	return nil
}

// handleMetadefTagsCreate answers POST …/tags with {"tags": [{"name"}, …]} (201): the tags
// replace the namespace's, or are added to them with X-Openstack-Append: true.
func (s *Server) handleMetadefTagsCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefTagListSchema, propertyReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "add_metadef_tags")
	if err != nil {
		return err
	}
	var names []string
	if list, ok := body.doc["tags"].([]any); ok {
		for _, item := range list {
			m, _ := item.(map[string]any)
			name, _ := m["name"].(string)
			names = append(names, name)
		}
	}
	out := []pyObject{}
	if len(names) > 0 {
		tags, err := s.Metadefs.CreateTags(r.Context(), ns.Namespace, names, pyBool(r.Header.Get("X-Openstack-Append")))
		if err != nil {
			return err
		}
		for _, t := range tags {
			out = append(out, tagView(t, false))
		}
	}
	writeMetadefJSON(w, http.StatusCreated, pyObject{{"tags", out}})
	return nil
}

// pyBool is oslo's strutils.bool_from_string: true for 1, t, true, on, y, yes (any case).
func pyBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "t", "true", "on", "y", "yes":
		return true
	}
	return false
}

// handleMetadefTagCreate answers POST …/tags/{tag_name} (201, no body needed).
func (s *Server) handleMetadefTagCreate(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespace(r)
	if err != nil {
		return err
	}
	name := r.PathValue("tag_name")
	if err := metadefTagSchema.validate(map[string]any{"name": name}); err != nil {
		return err
	}
	if err := s.enforceMetadef(r, "add_metadef_tag", ns); err != nil {
		return err
	}
	if err := check4Byte("create", "tag", pyObject{{"name", name}}); err != nil {
		return err
	}
	tags, err := s.Metadefs.CreateTags(r.Context(), ns.Namespace, []string{name}, true)
	if err != nil {
		return err
	}
	writeMetadefJSON(w, http.StatusCreated, tagView(tags[0], true))
	return nil
}

// handleMetadefTagShow answers GET …/tags/{tag_name}.
func (s *Server) handleMetadefTagShow(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "get_metadef_tag")
	if err != nil {
		return err
	}
	name := r.PathValue("tag_name")
	t, err := s.Metadefs.FindTag(r.Context(), ns.Namespace, name)
	if err != nil {
		return childNotFound(err, "Could not find metadata tag %s", name)
	}
	writeMetadefJSON(w, http.StatusOK, tagView(t, true))
	return nil
}

// handleMetadefTagUpdate answers PUT …/tags/{tag_name} with {"name": …}: a rename.
func (s *Server) handleMetadefTagUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefTagSchema, propertyReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "modify_metadef_tag")
	if err != nil {
		return err
	}
	name := r.PathValue("tag_name")
	if err := check4Byte("update", "tag", pyObject{{"name", body.str("name")}}); err != nil {
		return err
	}
	t, err := s.Metadefs.RenameTag(r.Context(), ns.Namespace, name, body.str("name"))
	if err != nil {
		return childNotFound(err, "Could not find metadata tag %s", name)
	}
	writeMetadefJSON(w, http.StatusOK, tagView(t, true))
	return nil
}

// handleMetadefTagDelete answers DELETE …/tags/{tag_name} (204; 403 in a protected namespace).
func (s *Server) handleMetadefTagDelete(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "delete_metadef_tag")
	if err != nil {
		return err
	}
	name := r.PathValue("tag_name")
	if _, err := s.Metadefs.FindTag(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find metadata tag %s", name)
	}
	if ns.Protected {
		return errExplained(http.StatusForbidden, "Metadata definition tag %s is protected and cannot be deleted.", name)
	}
	if err := s.Metadefs.DeleteTag(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find metadata tag %s", name)
	}
	writeNoContent(w)
	return nil
}

// handleResourceTypeList answers GET /v2/metadefs/resource_types.
func (s *Server) handleResourceTypeList(w http.ResponseWriter, r *http.Request) error {
	if err := s.enforceMetadef(r, "list_metadef_resource_types", nil); err != nil {
		return err
	}
	types, err := s.Metadefs.FindResourceTypes(r.Context())
	if err != nil {
		return err
	}
	list := make([]pyObject, len(types))
	for i, t := range types {
		list[i] = resourceTypeView(t)
	}
	writeMetadefJSON(w, http.StatusOK, pyObject{{"resource_types", list}})
	return nil
}

// handleAssociationList answers GET …/resource_types: the namespace's associations.
func (s *Server) handleAssociationList(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "list_metadef_resource_types")
	if err != nil {
		return err
	}
	writeMetadefJSON(w, http.StatusOK, pyObject{{"resource_type_associations", associationsView(ns.Associations)}})
	return nil
}

// handleAssociationCreate answers POST …/resource_types with {"name", "prefix",
// "properties_target"} (201); an unknown resource type is created.
func (s *Server) handleAssociationCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefResourceTypeSchema, propertyReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "add_metadef_resource_type_association")
	if err != nil {
		return err
	}
	a := &glimpse.MetadefAssociation{Name: body.str("name"), Prefix: body.str("prefix"), PropertiesTarget: body.str("properties_target")}
	if err := s.Metadefs.CreateAssociation(r.Context(), ns.Namespace, a); err != nil {
		return err
	}
	writeMetadefJSON(w, http.StatusCreated, associationView(*a))
	return nil
}

// handleAssociationDelete answers DELETE …/resource_types/{resource_type} (204; 404
// "Failed to find resource type <rt> to delete"; 403 in a protected namespace).
func (s *Server) handleAssociationDelete(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "remove_metadef_resource_type_association")
	if err != nil {
		return err
	}
	rt := r.PathValue("resource_type")
	found := false
	for _, a := range ns.Associations {
		found = found || a.Name == rt
	}
	if !found {
		return errExplained(http.StatusNotFound, "Failed to find resource type %s to delete", rt)
	}
	if ns.Protected {
		return errExplained(http.StatusForbidden, "Metadata definition resource-type-association %s is protected and cannot be deleted.", rt)
	}
	err = s.Metadefs.DeleteAssociation(r.Context(), ns.Namespace, rt)
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errExplained(http.StatusNotFound, "Failed to find resource type %s to delete", rt)
	} else if err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
