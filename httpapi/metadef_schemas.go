package httpapi

import "net/http"

// The metadefs schemas are the bodies the real Glance 25 serves at
// GET /v2/schemas/metadefs/{namespace, namespaces, object, objects, property, properties,
// tag, tags, resource_type, resource_types} ("Metadata definition schemas" in the Image
// API reference), byte for byte, stored as schemas/metadef-<name>.json.
var metadefSchemaBodies = func() map[string][]byte {
	m := map[string][]byte{}
	for _, name := range []string{"namespace", "namespaces", "object", "objects", "property", "properties",
		"tag", "tags", "resource_type", "resource_types"} {
		m[name] = mustSchemaFile("metadef-" + name)
	}
	return m
}()

// handleMetadefSchema answers GET /v2/schemas/metadefs/{name}.
func (s *Server) handleMetadefSchema(name string) imageHandler {
	body := metadefSchemaBodies[name]
	return func(w http.ResponseWriter, r *http.Request) error { return writeSchema(w, body) }
}

// newMetadefSchema compiles the metadefs schema raw, called name in its errors.
func newMetadefSchema(name string, raw []byte) *requestSchema {
	return newRequestSchema(name, "http://glimpse.invalid/v2/schemas/metadefs/"+name+".json", raw)
}

// The validation schemas: the served ones, and for POST …/tags Glance's list schema
// (glance.api.v2.metadef_tags.get_schema_for_list), which it does not serve.
var (
	metadefNamespaceSchema    = newMetadefSchema("namespace", metadefSchemaBodies["namespace"])
	metadefObjectSchema       = newMetadefSchema("object", metadefSchemaBodies["object"])
	metadefPropertySchema     = newMetadefSchema("property", metadefSchemaBodies["property"])
	metadefTagSchema          = newMetadefSchema("tag", metadefSchemaBodies["tag"])
	metadefResourceTypeSchema = newMetadefSchema("resource_type_association", metadefSchemaBodies["resource_type"])
	metadefTagListSchema      = newMetadefSchema("tags", []byte(`{"name": "tags", "properties": {"tags": {"type": "array", `+
		`"items": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"], `+
		`"additionalProperties": false}}}, "additionalProperties": false}`))
)
