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

const imageSchemaURL = "http://glimpse.invalid/v2/schemas/image.json"

// imageSchema is the compiled image schema that POST /v2/images bodies and PATCH values
// are checked against, as Glance does (glance.schema.Schema.validate).
var imageSchema = func() *jsonschema.Schema {
	c := jsonschema.NewCompiler()
	if err := c.AddResource(imageSchemaURL, imageSchemaDoc); err != nil {
		panic(fmt.Sprintf("httpapi: image schema: %v", err))
	}
	sch, err := c.Compile(imageSchemaURL)
	if err != nil {
		panic(fmt.Sprintf("httpapi: image schema: %v", err))
	}
	return sch
}()

// imagePropertyOrder is the order of the schema's properties, in which Python's jsonschema
// reports errors (and best_match then picks the first of the shallowest).
var imagePropertyOrder = func() map[string]int {
	order := map[string]int{}
	for i, k := range topLevelKeysOf(schemaImageJSON, "properties") {
		order[k] = i
	}
	return order
}()

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
func validateImage(inst any) error {
	err := imageSchema.Validate(inst)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return fmt.Errorf("validate image schema: %w", err)
	}
	leaf := bestLeaf(ve)
	return errExplained(http.StatusBadRequest, "Provided object does not match schema 'image': %s",
		pyValidationError(leaf, inst))
}

// bestLeaf picks the error Python's jsonschema.best_match would: the shallowest instance
// path first, then the schema's property order.
func bestLeaf(ve *jsonschema.ValidationError) *jsonschema.ValidationError {
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
		order, known := imagePropertyOrder[first]
		if !known || strings.Contains(e.SchemaURL, "#/additionalProperties") {
			order = len(imagePropertyOrder)
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

// pyValidationError renders e as Python jsonschema's str(ValidationError):
//
//	<message>
//
//	Failed validating '<keyword>' in schema['properties']['x']:
//	    <pformat(subschema)>
//
//	On instance['x']:
//	    <pformat(value)>
func pyValidationError(e *jsonschema.ValidationError, inst any) string {
	value := lookupInstance(inst, e.InstanceLocation)
	schemaPath := schemaPointer(e.SchemaURL)
	subschema := lookupSchema(imageSchemaDoc, schemaPath)
	keyword := ""
	if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
		keyword = kp[0]
	}
	var b strings.Builder
	b.WriteString(pyErrorMessage(e, value))
	b.WriteString("\n\nFailed validating ")
	b.WriteString(pyStrRepr(keyword))
	b.WriteString(" in schema")
	for _, p := range schemaPath {
		b.WriteString("[" + pyIndexRepr(p, false) + "]")
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

func pyIndexRepr(seg string, isListIndex bool) string {
	if isListIndex {
		if _, err := strconv.Atoi(seg); err == nil {
			return seg
		}
	}
	return pyStrRepr(seg)
}

func pyErrorMessage(e *jsonschema.ValidationError, value any) string {
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
	}
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
