package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/glimpse-image/glimpse"
)

// Wire forms of the metadata definitions. Glance builds them with WSME models
// (glance/api/v2/model/metadef_*.py): attributes in the model's order, unset ones left out,
// times at second precision; and writes them with json.dumps(ensure_ascii=False).

// writeMetadefJSON writes v (see pyObject) as Glance's metadef serializers do.
func writeMetadefJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	writePyJSON(&b, v)
	writeRaw(w, status, "application/json", pyUnescapeNonASCII(b.Bytes()))
}

// pyUnescapeNonASCII turns the \uXXXX escapes of non-ASCII characters in JSON text back
// into UTF-8, which makes ensure_ascii=True output into ensure_ascii=False output.
func pyUnescapeNonASCII(in []byte) []byte {
	if !bytes.Contains(in, []byte(`\u`)) {
		return in
	}
	out := make([]byte, 0, len(in))
	hex4 := func(i int) (rune, bool) {
		if i+6 > len(in) || in[i] != '\\' || in[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(in[i+2:i+6]), 16, 16)
		return rune(v), err == nil
	}
	for i := 0; i < len(in); {
		if in[i] != '\\' || i+1 >= len(in) {
			out = append(out, in[i])
			i++
			continue
		}
		if in[i+1] != 'u' {
			out = append(out, in[i], in[i+1])
			i += 2
			continue
		}
		r, ok := hex4(i)
		switch {
		case !ok || r < 0x80:
			out = append(out, in[i:i+6]...)
			i += 6
		case utf16.IsSurrogate(r):
			if r2, ok2 := hex4(i + 6); ok2 && utf16.IsSurrogate(r2) {
				out = fmt.Appendf(out, "%c", utf16.DecodeRune(r, r2))
				i += 12
			} else {
				out = append(out, in[i:i+6]...)
				i += 6
			}
		default:
			out = fmt.Appendf(out, "%c", r)
			i += 6
		}
	}
	return out
}

// metadefTimeFields appends created_at and updated_at (when set).
func metadefTimeFields(o pyObject, created time.Time, updated *time.Time) pyObject {
	o = append(o, pyField{"created_at", formatGlanceTime(created)})
	if updated != nil {
		o = append(o, pyField{"updated_at", formatGlanceTime(*updated)})
	}
	return o
}

// associationView is a ResourceTypeAssociation.
func associationView(a glimpse.MetadefAssociation) pyObject {
	return metadefTimeFields(associationBaseView(a), a.CreatedAt, a.UpdatedAt)
}

// associationBaseView is a ResourceTypeAssociation without times.
func associationBaseView(a glimpse.MetadefAssociation) pyObject {
	o := pyObject{{"name", a.Name}}
	if a.Prefix != "" {
		o = append(o, pyField{"prefix", a.Prefix})
	}
	if a.PropertiesTarget != "" {
		o = append(o, pyField{"properties_target", a.PropertiesTarget})
	}
	return o
}

// namespaceBaseView is a Namespace without its contained fields (namespace, display_name,
// description, visibility, protected, owner, created_at, updated_at).
func namespaceBaseView(ns *glimpse.MetadefNamespace) pyObject {
	o := pyObject{{"namespace", ns.Namespace}}
	if ns.DisplayName != "" {
		o = append(o, pyField{"display_name", ns.DisplayName})
	}
	if ns.Description != "" {
		o = append(o, pyField{"description", ns.Description})
	}
	o = append(o, pyField{"visibility", ns.Visibility}, pyField{"protected", ns.Protected}, pyField{"owner", ns.Owner})
	return metadefTimeFields(o, ns.CreatedAt, ns.UpdatedAt)
}

func namespaceHref(name string) string { return "/v2/metadefs/namespaces/" + name }

func objectHref(ns, name string) string { return namespaceHref(ns) + "/objects/" + name }

// objectView is a MetadefObject with its times and links; read selects the stored form
// (see objectBaseView).
func objectView(ns string, o *glimpse.MetadefObject, read bool) (pyObject, error) {
	v, err := objectBaseView(o, read)
	if err != nil {
		return nil, err
	}
	v = metadefTimeFields(v, o.CreatedAt, o.UpdatedAt)
	return append(v, pyField{"self", objectHref(ns, o.Name)}, pyField{"schema", "/v2/schemas/metadefs/object"}), nil
}

// objectBaseView is a MetadefObject without times and links. A stored object (read) always
// has "required" and "properties", as Glance reads them back ([] and {} when unset); an
// object as requested has them only when they were given.
func objectBaseView(o *glimpse.MetadefObject, read bool) (pyObject, error) {
	v := pyObject{{"name", o.Name}}
	if o.Required != nil || read {
		req := o.Required
		if req == nil {
			req = []string{}
		}
		v = append(v, pyField{"required", req})
	}
	if o.Description != "" {
		v = append(v, pyField{"description", o.Description})
	}
	if o.Properties != nil || read {
		props, err := propertiesView(o.Properties, "")
		if err != nil {
			return nil, err
		}
		v = append(v, pyField{"properties", props})
	}
	return v, nil
}

// propertiesView is a {name: PropertyType} map in order, names prefixed with prefix.
func propertiesView(props []glimpse.MetadefProperty, prefix string) (pyObject, error) {
	o := make(pyObject, 0, len(props))
	for _, p := range props {
		def, err := parsePropertyDef(p.Schema)
		if err != nil {
			return nil, fmt.Errorf("property %s: %w", p.Name, err)
		}
		o = append(o, pyField{prefix + p.Name, def.view("")})
	}
	return o, nil
}

// tagView is a MetadefTag; withTimes false gives the {"name"} form of tag lists.
func tagView(t *glimpse.MetadefTag, withTimes bool) pyObject {
	o := pyObject{{"name", t.Name}}
	if withTimes {
		o = metadefTimeFields(o, t.CreatedAt, t.UpdatedAt)
	}
	return o
}

// resourceTypeView is a ResourceType.
func resourceTypeView(t *glimpse.MetadefResourceType) pyObject {
	return metadefTimeFields(pyObject{{"name", t.Name}}, t.CreatedAt, t.UpdatedAt)
}

// propertyDef is Glance's PropertyType model: a property definition. JSON field order is
// the model's, which is the order Glance writes them in; pointers are unset attributes.
type propertyDef struct {
	Name            *string        `json:"name,omitempty"`
	Type            *string        `json:"type,omitempty"`
	Title           *string        `json:"title,omitempty"`
	Description     *string        `json:"description,omitempty"`
	Operators       *[]string      `json:"operators,omitempty"`
	Default         *string        `json:"default,omitempty"`
	Readonly        *bool          `json:"readonly,omitempty"`
	Minimum         *json.Number   `json:"minimum,omitempty"`
	Maximum         *json.Number   `json:"maximum,omitempty"`
	Enum            *[]string      `json:"enum,omitempty"`
	Pattern         *string        `json:"pattern,omitempty"`
	MinLength       *json.Number   `json:"minLength,omitempty"`
	MaxLength       *json.Number   `json:"maxLength,omitempty"`
	Items           *propertyItems `json:"items,omitempty"`
	UniqueItems     *bool          `json:"uniqueItems,omitempty"`
	MinItems        *json.Number   `json:"minItems,omitempty"`
	MaxItems        *json.Number   `json:"maxItems,omitempty"`
	AdditionalItems *bool          `json:"additionalItems,omitempty"`
}

// propertyItems is Glance's ItemType.
type propertyItems struct {
	Type *string   `json:"type,omitempty"`
	Enum *[]string `json:"enum,omitempty"`
}

func parsePropertyDef(raw json.RawMessage) (*propertyDef, error) {
	def := &propertyDef{}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(def); err != nil {
		return nil, err
	}
	return def, nil
}

// propertyDefFrom builds a definition from a request object (validated against the property
// schema), as WSME's fromjson does: unknown keys dropped, null values unset, "default" and
// enum values made text (Python's str of the JSON value).
func propertyDefFrom(m map[string]any) *propertyDef {
	def := &propertyDef{}
	str := func(k string) *string {
		if s, ok := m[k].(string); ok {
			return &s
		}
		return nil
	}
	num := func(k string) *json.Number {
		if n, ok := m[k].(json.Number); ok {
			return &n
		}
		return nil
	}
	boolean := func(k string) *bool {
		if b, ok := m[k].(bool); ok {
			return &b
		}
		return nil
	}
	texts := func(v any) *[]string {
		list, ok := v.([]any)
		if !ok {
			return nil
		}
		out := make([]string, len(list))
		for i, e := range list {
			out[i] = pyText(e)
		}
		return &out
	}
	def.Name, def.Type, def.Title, def.Description = str("name"), str("type"), str("title"), str("description")
	def.Operators = texts(m["operators"])
	if v, ok := m["default"]; ok && v != nil {
		s := pyText(v)
		def.Default = &s
	}
	def.Readonly = boolean("readonly")
	def.Minimum, def.Maximum = num("minimum"), num("maximum")
	def.Enum = texts(m["enum"])
	def.Pattern = str("pattern")
	def.MinLength, def.MaxLength = num("minLength"), num("maxLength")
	if items, ok := m["items"].(map[string]any); ok {
		it := &propertyItems{Enum: texts(items["enum"])}
		if s, ok := items["type"].(string); ok {
			it.Type = &s
		}
		def.Items = it
	}
	def.UniqueItems = boolean("uniqueItems")
	def.MinItems, def.MaxItems = num("minItems"), num("maxItems")
	def.AdditionalItems = boolean("additionalItems")
	return def
}

// pyText is Python's str() of a decoded JSON value.
func pyText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	case json.Number:
		return v.String()
	}
	return pyRepr(v)
}

// schema returns the stored JSON of the definition.
func (d *propertyDef) schema() json.RawMessage {
	b, _ := json.Marshal(d)
	return b
}

// view is the PropertyType in Glance's order; name, when not "", replaces the stored one
// (Glance shows a single property under its current name).
func (d *propertyDef) view(name string) pyObject {
	o := pyObject{}
	if name != "" {
		o = append(o, pyField{"name", name})
	} else if d.Name != nil {
		o = append(o, pyField{"name", *d.Name})
	}
	add := func(k string, v any) { o = append(o, pyField{k, v}) }
	if d.Type != nil {
		add("type", *d.Type)
	}
	if d.Title != nil {
		add("title", *d.Title)
	}
	if d.Description != nil {
		add("description", *d.Description)
	}
	if d.Operators != nil {
		add("operators", *d.Operators)
	}
	if d.Default != nil {
		add("default", *d.Default)
	}
	if d.Readonly != nil {
		add("readonly", *d.Readonly)
	}
	if d.Minimum != nil {
		add("minimum", *d.Minimum)
	}
	if d.Maximum != nil {
		add("maximum", *d.Maximum)
	}
	if d.Enum != nil {
		add("enum", *d.Enum)
	}
	if d.Pattern != nil {
		add("pattern", *d.Pattern)
	}
	if d.MinLength != nil {
		add("minLength", *d.MinLength)
	}
	if d.MaxLength != nil {
		add("maxLength", *d.MaxLength)
	}
	if d.Items != nil {
		it := pyObject{}
		if d.Items.Type != nil {
			it = append(it, pyField{"type", *d.Items.Type})
		}
		if d.Items.Enum != nil {
			it = append(it, pyField{"enum", *d.Items.Enum})
		}
		add("items", it)
	}
	if d.UniqueItems != nil {
		add("uniqueItems", *d.UniqueItems)
	}
	if d.MinItems != nil {
		add("minItems", *d.MinItems)
	}
	if d.MaxItems != nil {
		add("maxItems", *d.MaxItems)
	}
	if d.AdditionalItems != nil {
		add("additionalItems", *d.AdditionalItems)
	}
	return o
}
