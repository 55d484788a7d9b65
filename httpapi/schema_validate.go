package httpapi

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// requestSchema is one schema that request bodies are validated against, as Glance's
// glance.schema.Schema.validate does; its errors read as Glance's.
type requestSchema struct {
	name     string // "image", "namespace", …: the name in "does not match schema '<name>'"
	doc      any    // decoded, numbers as json.Number
	compiled *jsonschema.Schema
	order    map[string]int // property order, in which Python's jsonschema reports errors
}

// newRequestSchema compiles raw (a JSON schema document) as the schema called name, at url.
// It panics when raw is not a valid schema: the schemas are built in.
func newRequestSchema(name, url string, raw []byte) *requestSchema {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		panic(fmt.Sprintf("httpapi: %s schema: %v", name, err))
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		panic(fmt.Sprintf("httpapi: %s schema: %v", name, err))
	}
	compiled, err := c.Compile(url)
	if err != nil {
		panic(fmt.Sprintf("httpapi: %s schema: %v", name, err))
	}
	order := map[string]int{}
	for i, k := range topLevelKeysOf(raw, "properties") {
		order[k] = i
	}
	return &requestSchema{name: name, doc: doc, compiled: compiled, order: order}
}

// imageSchema is the image schema that POST /v2/images bodies and PATCH values are checked
// against.
var imageSchema = newRequestSchema("image", "http://glimpse.invalid/v2/schemas/image.json", schemaImageJSON)

// topLevelKeysOf returns, in document order, the keys of the object doc[member].
func topLevelKeysOf(doc []byte, member string) []string {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(top[member]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// validateImage checks inst (a decoded JSON value, numbers as json.Number) against the image
// schema. It returns nil or Glance's 400: "Provided object does not match schema 'image':
// <Python jsonschema's error text>".
func validateImage(inst any) error { return imageSchema.validate(inst) }

// validate checks inst (decoded with json.Number) and returns nil or Glance's 400
// "Provided object does not match schema '<name>': <Python jsonschema's error text>".
func (m *requestSchema) validate(inst any) error {
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

// bestLeaf picks the error Python's jsonschema.best_match would: the shallowest instance
// path first, then the schema's property order.
func (m *requestSchema) bestLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
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
func (m *requestSchema) pyError(root, e *jsonschema.ValidationError, inst any) string {
	value := lookupInstance(inst, e.InstanceLocation)
	subschema := lookupSchema(m.doc, schemaPointer(e.SchemaURL))
	schemaPath := m.pySchemaPath(root, e)
	keyword := ""
	if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
		keyword = kp[0]
	}
	var b strings.Builder
	b.WriteString(pyErrorMessage(e, value, subschema))
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

// pySchemaPath is the schema path Python's jsonschema reports for leaf: "$ref" is
// transparent there, so a path into a referenced definition continues from the place of
// the reference ("properties/properties/additionalProperties", not
// "definitions/property/additionalProperties").
func (m *requestSchema) pySchemaPath(root, leaf *jsonschema.ValidationError) []string {
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

func pyIndexRepr(seg string, isListIndex bool) string {
	if isListIndex {
		if _, err := strconv.Atoi(seg); err == nil {
			return seg
		}
	}
	return pyStrRepr(seg)
}

// pyErrorMessage is Python jsonschema's message for e, whose failing value is value and
// schema subschema; a keyword it does not know gives "<value> is not valid under the given
// schema".
func pyErrorMessage(e *jsonschema.ValidationError, value, subschema any) (msg string) {
	sub, _ := subschema.(map[string]any)
	switch k := e.ErrorKind.(type) {
	case *kind.Enum:
		return fmt.Sprintf("%s is not one of %s", pyRepr(value), pyRepr(k.Want))
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, t := range k.Want {
			want[i] = pyStrRepr(t)
		}
		return fmt.Sprintf("%s is not of type %s", pyRepr(value), strings.Join(want, ", "))
	case *kind.MaxLength:
		return fmt.Sprintf("%s is too long", pyRepr(value))
	case *kind.MinLength:
		return fmt.Sprintf("%s is too short", pyRepr(value))
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match %s", pyRepr(value), pyStrRepr(k.Want))
	case *kind.Required:
		if len(k.Missing) > 0 {
			return fmt.Sprintf("%s is a required property", pyStrRepr(k.Missing[0]))
		}
	case *kind.AdditionalProperties:
		props := make([]string, len(k.Properties))
		for i, p := range k.Properties {
			props[i] = pyStrRepr(p)
		}
		verb := "was"
		if len(props) > 1 {
			verb = "were"
		}
		return fmt.Sprintf("Additional properties are not allowed (%s %s unexpected)", strings.Join(props, ", "), verb)
	case *kind.FalseSchema:
		return fmt.Sprintf("False schema does not allow %s", pyRepr(value))
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
		if recover() != nil { // LocalizedString needs a printer for some kinds
			msg = fmt.Sprintf("%s is not valid under the given schema", pyRepr(value))
		}
	}()
	return e.ErrorKind.LocalizedString(nil)
}

// schemaPointer returns the JSON pointer segments of a SchemaURL's fragment.
func schemaPointer(url string) []string {
	_, frag, ok := strings.Cut(url, "#")
	if !ok || frag == "" || frag == "/" {
		return nil
	}
	segs := strings.Split(strings.TrimPrefix(frag, "/"), "/")
	for i, s := range segs {
		segs[i] = strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
	}
	return segs
}

func lookupSchema(doc any, path []string) any {
	cur := doc
	for _, p := range path {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

func lookupInstance(inst any, path []string) any { return lookupSchema(inst, path) }

func indentLines(s, prefix string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if l != "" {
			lines[i] = prefix + l
		}
	}
	return strings.Join(lines, "\n")
}
