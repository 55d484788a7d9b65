package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

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

// metadefSchema is one schema that request bodies are validated against, as Glance's
// glance.schema.Schema.validate does; its errors read as Glance's.
type metadefSchema struct {
	name     string // "namespace", "object", …: the name in "does not match schema '<name>'"
	doc      any    // decoded, numbers as json.Number
	compiled *jsonschema.Schema
	order    map[string]int // property order, in which Python's jsonschema reports errors
}

func newMetadefSchema(name string, raw []byte) *metadefSchema {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		panic(fmt.Sprintf("httpapi: metadef schema %s: %v", name, err))
	}
	url := "http://glimpse.invalid/v2/schemas/metadefs/" + name + ".json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		panic(fmt.Sprintf("httpapi: metadef schema %s: %v", name, err))
	}
	compiled, err := c.Compile(url)
	if err != nil {
		panic(fmt.Sprintf("httpapi: metadef schema %s: %v", name, err))
	}
	order := map[string]int{}
	for i, k := range topLevelKeysOf(raw, "properties") {
		order[k] = i
	}
	return &metadefSchema{name: name, doc: doc, compiled: compiled, order: order}
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

// validate checks inst (decoded with json.Number) and returns nil or Glance's 400
// "Provided object does not match schema '<name>': <Python jsonschema's error text>".
func (m *metadefSchema) validate(inst any) error {
	err := m.compiled.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("validate %s schema: %w", m.name, err)
	}
	leaf := m.bestLeaf(ve)
	return errExplained(http.StatusBadRequest, "Provided object does not match schema '%s': %s", m.name, m.pyError(ve, leaf, inst))
}

// bestLeaf picks the error Python's jsonschema.best_match would (see the image schema's).
func (m *metadefSchema) bestLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	rank := func(e *jsonschema.ValidationError) (int, int, string) {
		first := ""
		if len(e.InstanceLocation) > 0 {
			first = e.InstanceLocation[0]
		}
		order, known := m.order[first]
		if !known || strings.Contains(e.SchemaURL, "#/additionalProperties") {
			order = len(m.order)
		}
		return len(e.InstanceLocation), order, first
	}
	slices.SortStableFunc(leaves, func(a, b *jsonschema.ValidationError) int {
		da, oa, ka := rank(a)
		db, ob, kb := rank(b)
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(oa, ob), cmp.Compare(ka, kb))
	})
	return leaves[0]
}

// pyError renders e, a leaf of root, as Python jsonschema's str(ValidationError) against
// this schema.
func (m *metadefSchema) pyError(root, e *jsonschema.ValidationError, inst any) string {
	value := lookupInstance(inst, e.InstanceLocation)
	subschema := lookupSchema(m.doc, schemaPointer(e.SchemaURL))
	schemaPath := m.pySchemaPath(root, e)
	keyword := ""
	if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
		keyword = kp[0]
	}
	var b strings.Builder
	b.WriteString(metadefErrorMessage(e, value, subschema))
	b.WriteString("\n\nFailed validating ")
	b.WriteString(pyStrRepr(keyword))
	b.WriteString(" in schema")
	for i, p := range schemaPath {
		inList := i > 0 && (schemaPath[i-1] == "allOf" || schemaPath[i-1] == "anyOf" || schemaPath[i-1] == "oneOf")
		b.WriteString("[" + pyIndexRepr(p, inList) + "]")
	}
	b.WriteString(":\n")
	b.WriteString(indentLines(pyPformat(subschema, 72), "    "))
	b.WriteString("\n\nOn instance")
	for i, p := range e.InstanceLocation {
		_, isList := lookupInstance(inst, e.InstanceLocation[:i]).([]any)
		b.WriteString("[" + pyIndexRepr(p, isList) + "]")
	}
	b.WriteString(":\n")
	b.WriteString(indentLines(pyPformat(value, 72), "    "))
	return b.String()
}

// metadefErrorMessage is Python jsonschema's message for e, for the keywords the metadefs
// schemas use beyond the image schema's (pyErrorMessage).
func metadefErrorMessage(e *jsonschema.ValidationError, value, subschema any) (msg string) {
	sub, _ := subschema.(map[string]any)
	switch e.ErrorKind.(type) {
	case *kind.Minimum:
		return fmt.Sprintf("%s is less than the minimum of %s", pyRepr(value), pyRepr(sub["minimum"]))
	case *kind.Maximum:
		return fmt.Sprintf("%s is greater than the maximum of %s", pyRepr(value), pyRepr(sub["maximum"]))
	case *kind.MinItems:
		return fmt.Sprintf("%s is too short", pyRepr(value))
	case *kind.MaxItems:
		return fmt.Sprintf("%s is too long", pyRepr(value))
	case *kind.UniqueItems:
		return fmt.Sprintf("%s has non-unique elements", pyRepr(value))
	}
	defer func() {
		if recover() != nil { // a keyword pyErrorMessage does not know
			msg = fmt.Sprintf("%s is not valid under the given schema", pyRepr(value))
		}
	}()
	return pyErrorMessage(e, value)
}

// pySchemaPath is the schema path Python's jsonschema reports for leaf: "$ref" is
// transparent there, so a path into a referenced definition continues from the place of
// the reference ("properties/properties/additionalProperties", not
// "definitions/property/additionalProperties").
func (m *metadefSchema) pySchemaPath(root, leaf *jsonschema.ValidationError) []string {
	var chain []*jsonschema.ValidationError
	var find func(e *jsonschema.ValidationError) bool
	find = func(e *jsonschema.ValidationError) bool {
		chain = append(chain, e)
		if e == leaf {
			return true
		}
		for _, c := range e.Causes {
			if find(c) {
				return true
			}
		}
		chain = chain[:len(chain)-1]
		return false
	}
	find(root)
	var from, to []string
	translate := func(p []string) []string {
		if from != nil && len(p) >= len(from) && slices.Equal(p[:len(from)], from) {
			return append(slices.Clone(to), p[len(from):]...)
		}
		return p
	}
	for _, e := range chain {
		if _, ok := e.ErrorKind.(*kind.Reference); !ok || e == leaf {
			continue
		}
		holder := schemaPointer(e.SchemaURL)
		ref, _ := lookupSchema(m.doc, holder).(map[string]any)["$ref"].(string)
		if !strings.HasPrefix(ref, "#") {
			continue
		}
		to = translate(holder)
		from = schemaPointer(ref)
	}
	return translate(schemaPointer(leaf.SchemaURL))
}
