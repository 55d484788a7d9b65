package httpapi

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/glimpse-image/glimpse"
)

// Glance refuses characters outside the Basic Multilingual Plane ("4 byte unicode") in what
// its database layer writes for metadefs (glance.common.utils.no_4byte_params), answering
// 400 "Couldn't create metadata <kind>: <Key> can't contain 4 byte unicode characters.".

// fourByteMessage is no_4byte_params's message for the first offending field of values (a
// dict as Glance's database layer gets it: nested dicts are pyObjects, checked recursively),
// or "".
func fourByteMessage(values pyObject) string {
	for _, f := range values {
		if nested, ok := f.Value.(pyObject); ok {
			if msg := fourByteMessage(nested); msg != "" {
				return msg
			}
			continue
		}
		if has4Byte(f.Key) {
			return "Property names can't contain 4 byte unicode."
		}
		if s, ok := f.Value.(string); ok && has4Byte(s) {
			return pyTitle(f.Key) + " can't contain 4 byte unicode characters."
		}
	}
	return ""
}

func has4Byte(s string) bool {
	for _, r := range s {
		if r > 0xFFFF {
			return true
		}
	}
	return false
}

// pyTitle is Python's str.title(): each run of letters starts upper case, the rest lower.
func pyTitle(s string) string {
	var b strings.Builder
	prevLetter := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevLetter {
				r = unicode.ToLower(r)
			} else {
				r = unicode.ToUpper(r)
			}
			prevLetter = true
		} else {
			prevLetter = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// check4Byte returns Glance's 400 "Couldn't <verb> metadata <kind>: …" when values hold a
// 4-byte character.
func check4Byte(verb, kind string, values pyObject) error {
	if msg := fourByteMessage(values); msg != "" {
		return errExplained(http.StatusBadRequest, "Couldn't %s metadata %s: %s", verb, kind, msg)
	}
	return nil
}

// namespaceDBValues are the fields Glance's database layer gets for a namespace.
func namespaceDBValues(ns *glimpse.MetadefNamespace) pyObject {
	return pyObject{{"namespace", ns.Namespace}, {"display_name", ns.DisplayName}, {"description", ns.Description},
		{"visibility", ns.Visibility}, {"owner", ns.Owner}}
}

// objectDBValues are the fields Glance's database layer gets for an object.
func objectDBValues(o *glimpse.MetadefObject) pyObject {
	schema := pyObject{}
	for _, p := range o.Properties {
		if def, err := parsePropertyDef(p.Schema); err == nil {
			schema = append(schema, pyField{p.Name, def.view("")})
		}
	}
	return pyObject{{"name", o.Name}, {"required", strings.Join(o.Required, ",")}, {"description", o.Description},
		{"json_schema", schema}}
}

// propertyDBValues are the fields Glance's database layer gets for a property.
func propertyDBValues(p *glimpse.MetadefProperty) pyObject {
	v := pyObject{{"name", p.Name}}
	if def, err := parsePropertyDef(p.Schema); err == nil {
		v = append(v, pyField{"json_schema", def.view("")})
	}
	return v
}
