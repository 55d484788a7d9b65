package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf16"
)

// Glance answers with Python's json.dumps: keys in the order the view builds them,
// ", " and ": " separators, non-ASCII escaped as \uXXXX. pyObject reproduces it so that
// bodies (and Content-Length) are byte-for-byte what Glance sends.

// pyField is one key of a pyObject.
type pyField struct {
	Key   string
	Value any
}

// pyObject is a JSON object whose keys keep their order. Values may be nil, string,
// *string, bool, int, int64, *int64, float64, json.Number, []string, []any, pyObject,
// []pyObject or map[string]any (written with sorted keys).
type pyObject []pyField

func (o pyObject) encode() []byte {
	var b bytes.Buffer
	writePyJSON(&b, o)
	return b.Bytes()
}

func writePyJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		writePyString(b, v)
	case *string:
		if v == nil {
			b.WriteString("null")
		} else {
			writePyString(b, *v)
		}
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case *int64:
		if v == nil {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatInt(*v, 10))
		}
	case float64:
		b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	case json.Number:
		b.WriteString(v.String())
	case []string:
		writePyList(b, v, writePyString)
	case []any:
		writePyList(b, v, writePyJSON)
	case []pyObject:
		writePyList(b, v, func(b *bytes.Buffer, o pyObject) { writePyJSON(b, o) })
	case pyObject:
		b.WriteByte('{')
		for i, f := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			writePyString(b, f.Key)
			b.WriteString(": ")
			writePyJSON(b, f.Value)
		}
		b.WriteByte('}')
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		o := make(pyObject, 0, len(keys))
		for _, k := range keys {
			o = append(o, pyField{k, v[k]})
		}
		writePyJSON(b, o)
	default:
		panic(fmt.Sprintf("httpapi: cannot encode %T as JSON", v))
	}
}

// writePyList writes items as a JSON list with ", " between them, each with write.
func writePyList[T any](b *bytes.Buffer, items []T, write func(*bytes.Buffer, T)) {
	b.WriteByte('[')
	for i, e := range items {
		if i > 0 {
			b.WriteString(", ")
		}
		write(b, e)
	}
	b.WriteByte(']')
}

// writePyString writes s as json.dumps(s) with ensure_ascii=True.
func writePyString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			if r == 0x7f {
				b.WriteByte(0x7f)
				continue
			}
			b.WriteString(`\u`)
			b.WriteByte(hex[r>>12&0xf])
			b.WriteByte(hex[r>>8&0xf])
			b.WriteByte(hex[r>>4&0xf])
			b.WriteByte(hex[r&0xf])
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			for _, x := range []rune{r1, r2} {
				b.WriteString(`\u`)
				b.WriteByte(hex[x>>12&0xf])
				b.WriteByte(hex[x>>8&0xf])
				b.WriteByte(hex[x>>4&0xf])
				b.WriteByte(hex[x&0xf])
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}

// writePyJSONResponse writes v (see pyObject) as an application/json body.
func writePyJSONResponse(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	writePyJSON(&b, v)
	writeRaw(w, status, "application/json", b.Bytes())
}
