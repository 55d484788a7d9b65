package httpapi

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Glance's schema errors are Python jsonschema's str(ValidationError), which shows the
// failing subschema and value with repr() and pprint.pformat(width=72). pyRepr and
// pyPformat reproduce both for decoded JSON values (nil, bool, string, json.Number,
// float64, []any, map[string]any), so that a 400 reads exactly as Glance's.

// pyRepr returns Python's repr of a decoded JSON value (dict keys sorted, as pprint's
// safe_repr writes them).
func pyRepr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		if v {
			return "True"
		}
		return "False"
	case string:
		return pyStrRepr(v)
	case json.Number:
		return pyNumberRepr(v.String())
	case float64:
		return pyFloatRepr(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []string:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = pyStrRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := sortedKeys(v)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyStrRepr(k) + ": " + pyRepr(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func pyNumberRepr(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	return pyFloatRepr(f)
}

func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	exp := math.Floor(math.Log10(math.Abs(f)))
	if exp < -4 || exp >= 16 {
		return strconv.FormatFloat(f, 'e', -1, 64) // 1e+16, 1.5e-05: as Python
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// pyStrRepr is Python 3's repr(str).
func pyStrRepr(s string) string {
	quote := byte('\'')
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	var b strings.Builder
	b.WriteByte(quote)
	for _, r := range s {
		switch {
		case r == rune(quote) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x80 || unicode.IsPrint(r):
			b.WriteRune(r)
		case r <= 0xff:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
	}
	b.WriteByte(quote)
	return b.String()
}

// pyPformat is pprint.pformat(v, width=width) (sort_dicts=True, indent=1, compact=False).
func pyPformat(v any, width int) string {
	p := pprinter{width: width}
	p.format(v, 0, 0, 0)
	return p.b.String()
}

type pprinter struct {
	width int
	b     strings.Builder
}

func (p *pprinter) format(v any, indent, allowance, level int) {
	rep := pyRepr(v)
	if len([]rune(rep)) > p.width-indent-allowance {
		switch v := v.(type) {
		case map[string]any:
			p.pprintDict(v, indent, allowance, level+1)
			return
		case []any:
			p.pprintList(v, indent, allowance, level+1)
			return
		case string:
			p.pprintStr(v, indent, allowance, level+1)
			return
		}
	}
	p.b.WriteString(rep)
}

func (p *pprinter) pprintDict(m map[string]any, indent, allowance, level int) {
	p.b.WriteByte('{')
	keys := sortedKeys(m)
	indent++
	allowance++
	for i, k := range keys {
		last := i == len(keys)-1
		rep := pyStrRepr(k)
		p.b.WriteString(rep)
		p.b.WriteString(": ")
		a := 1
		if last {
			a = allowance
		}
		p.format(m[k], indent+len([]rune(rep))+2, a, level)
		if !last {
			p.b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
	}
	p.b.WriteByte('}')
}

func (p *pprinter) pprintList(l []any, indent, allowance, level int) {
	p.b.WriteByte('[')
	indent++
	allowance++
	for i, e := range l {
		last := i == len(l)-1
		if i > 0 {
			p.b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if last {
			a = allowance
		}
		p.format(e, indent, a, level)
	}
	p.b.WriteByte(']')
}

var pyWordsAndSpaces = regexp.MustCompile(`\S*\s*`)

// pprintStr splits a long string into adjacent literals at word boundaries, as pprint's
// _pprint_str does.
func (p *pprinter) pprintStr(s string, indent, allowance, level int) {
	if s == "" {
		p.b.WriteString(pyStrRepr(s))
		return
	}
	lines := splitLinesKeepEnds(s)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1 := p.width - indent
	maxWidth := maxWidth1
	var chunks []string
	var rep string
	for i, line := range lines {
		rep = pyStrRepr(line)
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if len([]rune(rep)) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := pyWordsAndSpaces.FindAllString(line, -1)
		if len(parts) > 0 && parts[len(parts)-1] == "" {
			parts = parts[:len(parts)-1]
		}
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if len([]rune(pyStrRepr(candidate))) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, pyStrRepr(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, pyStrRepr(current))
		}
	}
	if len(chunks) == 1 {
		p.b.WriteString(rep)
		return
	}
	if level == 1 {
		p.b.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			p.b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		p.b.WriteString(c)
	}
	if level == 1 {
		p.b.WriteByte(')')
	}
}

// splitLinesKeepEnds is Python's str.splitlines(True) for \n, \r\n and \r.
func splitLinesKeepEnds(s string) []string {
	var lines []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			lines = append(lines, s[start:i+1])
			start = i + 1
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			lines = append(lines, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}
