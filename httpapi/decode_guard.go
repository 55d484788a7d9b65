package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// undecodableMessage is Glance's 400 for a request whose URL or body does not decode
// (glance.common.wsgi.Resource catching UnicodeDecodeError).
const undecodableMessage = "Error decoding your request. Either the URL or the request body contained " +
	"characters that could not be decoded by Glance"

// rejectUndecodable answers 400 to a request whose path, query string or JSON body holds
// invalid UTF-8 or a NUL character, before any handler sees it: the error malformed
// returns for a JSON body that is not UTF-8, the one undecodable returns otherwise.
// Glance refuses invalid UTF-8 the same way; NUL is refused too because PostgreSQL cannot
// store it, and a value one database keeps and another refuses would make the backends
// disagree. JSON bodies up to maxJSONBody are read here and handed on from memory; larger
// ones pass through untouched (their handlers answer 413), and image data is never read.
func rejectUndecodable(h http.Handler, writeError errorWriter, undecodable, malformed func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !cleanString(r.URL.Path) || !decodableQuery(r.URL.RawQuery) {
			writeError(w, r, undecodable())
			return
		}
		if isJSONBody(r) {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxJSONBody+1))
			if err != nil {
				writeError(w, r, undecodable())
				return
			}
			if len(body) <= maxJSONBody && !utf8.Valid(body) {
				writeError(w, r, malformed()) // as Glance's JSON decoder refuses it
				return
			}
			if len(body) <= maxJSONBody && !decodableJSON(body) {
				writeError(w, r, undecodable())
				return
			}
			r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		}
		h.ServeHTTP(w, r)
	})
}

type readCloser struct {
	io.Reader
	io.Closer
}

// decodableQuery reports whether every key and value of the query is UTF-8 without NUL.
func decodableQuery(rawQuery string) bool {
	if rawQuery == "" {
		return true
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return true // malformed escapes are the handlers' business, as before
	}
	for k, vs := range values {
		if !cleanString(k) {
			return false
		}
		for _, v := range vs {
			if !cleanString(v) {
				return false
			}
		}
	}
	return true
}

func cleanString(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// isJSONBody reports whether the request carries a JSON document (application/json and
// Glance's JSON-patch media types).
func isJSONBody(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "-json-patch") || strings.HasSuffix(mt, "+json"))
}

// decodableJSON reports whether body is valid UTF-8 and, when it is JSON at all, holds no
// string with NUL. A body that is not JSON is left to the handler's own error.
func decodableJSON(body []byte) bool {
	if !utf8.Valid(body) {
		return false
	}
	if !bytes.Contains(body, []byte(`\u0000`)) && !bytes.ContainsRune(body, 0) {
		return true
	}
	var v any
	if json.Unmarshal(body, &v) != nil {
		return !bytes.ContainsRune(body, 0)
	}
	return cleanJSON(v)
}

func cleanJSON(v any) bool {
	switch v := v.(type) {
	case string:
		return cleanString(v)
	case []any:
		for _, x := range v {
			if !cleanJSON(x) {
				return false
			}
		}
	case map[string]any:
		for k, x := range v {
			if !cleanString(k) || !cleanJSON(x) {
				return false
			}
		}
	}
	return true
}
