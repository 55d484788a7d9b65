package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// Objects and properties of a namespace ("Metadata definition objects" and "Metadata
// definition properties" in the Image API v2 reference), as
// glance/api/v2/metadef_objects.py and metadef_properties.py serve them.

var propertyReadOnly = []string{"created_at", "updated_at"}

// handleObjectList answers GET …/objects: {"objects": [...], "schema": "v2/schemas/metadefs/objects"}
// (Glance's link has no leading slash).
func (s *Server) handleObjectList(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "get_metadef_objects")
	if err != nil {
		return err
	}
	objects, err := s.Metadefs.FindObjects(r.Context(), ns.Namespace)
	if err != nil {
		return err
	}
	list := make([]pyObject, len(objects))
	for i, o := range objects {
		if list[i], err = objectView(ns.Namespace, o, true); err != nil {
			return err
		}
	}
	writeMetadefJSON(w, http.StatusOK, pyObject{{"objects", list}, {"schema", "v2/schemas/metadefs/objects"}})
	return nil
}

// handleObjectCreate answers POST …/objects (201).
func (s *Server) handleObjectCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefObjectSchema, namespaceReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "add_metadef_object")
	if err != nil {
		return err
	}
	o, err := objectFrom(body.raw)
	if err != nil {
		return bodyError(err)
	}
	if err := check4Byte("create", "object", objectDBValues(o)); err != nil {
		return err
	}
	if err := s.Metadefs.CreateObject(r.Context(), ns.Namespace, o); err != nil {
		return err
	}
	return writeObject(w, http.StatusCreated, ns.Namespace, o, false)
}

// writeObject writes o: as stored (read), or as requested (the answer to a create or update).
func writeObject(w http.ResponseWriter, status int, ns string, o *glimpse.MetadefObject, read bool) error {
	v, err := objectView(ns, o, read)
	if err != nil {
		return err
	}
	writeMetadefJSON(w, status, v)
	return nil
}

// handleObjectShow answers GET …/objects/{object_name}.
func (s *Server) handleObjectShow(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "get_metadef_object")
	if err != nil {
		return err
	}
	name := r.PathValue("object_name")
	o, err := s.Metadefs.FindObject(r.Context(), ns.Namespace, name)
	if err != nil {
		return childNotFound(err, "Could not find metadata object %s", name)
	}
	return writeObject(w, http.StatusOK, ns.Namespace, o, true)
}

// handleObjectUpdate answers PUT …/objects/{object_name}: the body replaces the object.
func (s *Server) handleObjectUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefObjectSchema, namespaceReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "modify_metadef_object")
	if err != nil {
		return err
	}
	o, err := objectFrom(body.raw)
	if err != nil {
		return bodyError(err)
	}
	name := r.PathValue("object_name")
	if err := check4Byte("update", "object", objectDBValues(o)); err != nil {
		return err
	}
	if err := s.Metadefs.UpdateObject(r.Context(), ns.Namespace, name, o); err != nil {
		return childNotFound(err, "Could not find metadata object %s", name)
	}
	return writeObject(w, http.StatusOK, ns.Namespace, o, false)
}

// handleObjectDelete answers DELETE …/objects/{object_name} (204; 403 in a protected
// namespace).
func (s *Server) handleObjectDelete(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "delete_metadef_object")
	if err != nil {
		return err
	}
	name := r.PathValue("object_name")
	if _, err := s.Metadefs.FindObject(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find metadata object %s", name)
	}
	if ns.Protected {
		return errExplained(http.StatusForbidden, "Metadata definition object %s is protected and cannot be deleted.", name)
	}
	if err := s.Metadefs.DeleteObject(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find metadata object %s", name)
	}
	writeNoContent(w)
	return nil
}

// handlePropertyList answers GET …/properties: {"properties": {name: definition, …}}.
func (s *Server) handlePropertyList(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "get_metadef_properties")
	if err != nil {
		return err
	}
	props, err := s.Metadefs.FindProperties(r.Context(), ns.Namespace)
	if err != nil {
		return err
	}
	list := make([]glimpse.MetadefProperty, len(props))
	for i, p := range props {
		list[i] = *p
	}
	view, err := propertiesView(list, "")
	if err != nil {
		return err
	}
	writeMetadefJSON(w, http.StatusOK, pyObject{{"properties", view}})
	return nil
}

// propertyFromBody builds the property of a validated property body.
func propertyFromBody(body *metadefBody) *glimpse.MetadefProperty {
	return &glimpse.MetadefProperty{Name: body.str("name"), Schema: propertyDefFrom(body.doc).schema()}
}

// writeProperty writes a single property, under its current name.
func writeProperty(w http.ResponseWriter, status int, p *glimpse.MetadefProperty) error {
	def, err := parsePropertyDef(p.Schema)
	if err != nil {
		return err
	}
	writeMetadefJSON(w, status, def.view(p.Name))
	return nil
}

// childNotFound turns a store's ENOTFOUND for an object, property or tag of a namespace
// the caller sees into the message of Glance's repositories ("Could not find …").
func childNotFound(err error, format, name string) error {
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return errExplained(http.StatusNotFound, format, name)
	}
	return err
}

// handlePropertyCreate answers POST …/properties (201): the definition with its name.
func (s *Server) handlePropertyCreate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefPropertySchema, propertyReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "add_metadef_property")
	if err != nil {
		return err
	}
	p := propertyFromBody(body)
	if err := check4Byte("create", "property", propertyDBValues(p)); err != nil {
		return err
	}
	if err := s.Metadefs.CreateProperty(r.Context(), ns.Namespace, p); err != nil {
		return err
	}
	return writeProperty(w, http.StatusCreated, p)
}

// handlePropertyShow answers GET …/properties/{property_name}; with ?resource_type=<rt> the
// name must carry that association's prefix, which is stripped before the lookup.
func (s *Server) handlePropertyShow(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "get_metadef_property")
	if err != nil {
		return err
	}
	name := r.PathValue("property_name")
	if rt := r.URL.Query().Get("resource_type"); rt != "" {
		if err := s.enforceMetadef(r, "get_metadef_resource_type", ns); err != nil {
			return err
		}
		var assoc *glimpse.MetadefAssociation
		for i := range ns.Associations {
			if ns.Associations[i].Name == rt {
				assoc = &ns.Associations[i]
			}
		}
		if assoc == nil {
			return glimpse.Errorf(glimpse.ENOTFOUND, "The metadata definition resource-type association of resource-type=%s to namespace=%s, was not found.", rt, ns.Namespace)
		}
		if assoc.Prefix == "" || len(name) < len(assoc.Prefix) || name[:len(assoc.Prefix)] != assoc.Prefix {
			prefix := assoc.Prefix
			if prefix == "" {
				prefix = "None"
			}
			return errExplained(http.StatusNotFound, "Property %s does not start with the expected resource type association prefix of '%s'.", name, prefix)
		}
		name = name[len(assoc.Prefix):]
	}
	p, err := s.Metadefs.FindProperty(r.Context(), ns.Namespace, name)
	if err != nil {
		return childNotFound(err, "Could not find property %s", name)
	}
	return writeProperty(w, http.StatusOK, p)
}

// handlePropertyUpdate answers PUT …/properties/{property_name}: the body replaces the
// definition (and may rename it).
func (s *Server) handlePropertyUpdate(w http.ResponseWriter, r *http.Request) error {
	body, err := readMetadefBody(r, metadefPropertySchema, propertyReadOnly...)
	if err != nil {
		return err
	}
	ns, err := s.visibleNamespaceFor(r, "modify_metadef_property")
	if err != nil {
		return err
	}
	p := propertyFromBody(body)
	name := r.PathValue("property_name")
	if err := check4Byte("update", "property", propertyDBValues(p)); err != nil {
		return err
	}
	if err := s.Metadefs.UpdateProperty(r.Context(), ns.Namespace, name, p); err != nil {
		return childNotFound(err, "Could not find property %s", name)
	}
	return writeProperty(w, http.StatusOK, p)
}

// handlePropertyDelete answers DELETE …/properties/{property_name} (204; 403 in a
// protected namespace).
func (s *Server) handlePropertyDelete(w http.ResponseWriter, r *http.Request) error {
	ns, err := s.visibleNamespaceFor(r, "remove_metadef_property")
	if err != nil {
		return err
	}
	name := r.PathValue("property_name")
	if _, err := s.Metadefs.FindProperty(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find property %s", name)
	}
	if ns.Protected {
		return errExplained(http.StatusForbidden, "Metadata definition property %s is protected and cannot be deleted.", name)
	}
	if err := s.Metadefs.DeleteProperty(r.Context(), ns.Namespace, name); err != nil {
		return childNotFound(err, "Could not find property %s", name)
	}
	writeNoContent(w)
	return nil
}
