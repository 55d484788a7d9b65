package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/glimpse-image/glimpse"
)

// The Glance error bodies are webob's (webob.exc.WSGIHTTPException): a body made of the
// exception's "explanation", then "<br /><br />\n", then its "detail". Glance raises most
// errors with an explanation only ("No image found with ID x<br /><br />\n\n\n") and some
// with webob's default explanation plus a detail ("Access was denied to this resource.<br
// /><br />\nAttribute 'deleted' is reserved.\n\n"). The HTML page escapes the explanation
// and the detail as Python's html.escape does (' becomes &#x27;); the JSON body
// {"message", "code", "title"} carries them unescaped.

// webobError is an error answered with webob's body. Segments alternate between webob's
// template text (even indexes, sent as is) and request-dependent text (odd indexes,
// HTML-escaped in the HTML page).
type webobError struct {
	status   int
	segments []string
	header   http.Header // extra response headers (Allow, Accept-Patch, …)
}

func (e *webobError) Error() string {
	return fmt.Sprintf("httpapi: %d %s", e.status, e.body(false))
}

// body renders the message; escape selects the HTML form.
func (e *webobError) body(escape bool) string {
	var b strings.Builder
	for i, s := range e.segments {
		if i%2 == 1 && escape {
			s = pyHTMLEscape(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// webobExplanations are webob's default explanations, used when Glance raises an
// exception without one.
var webobExplanations = map[int]string{
	http.StatusBadRequest:                   "The server could not comply with the request since it is either malformed or otherwise incorrect.",
	http.StatusUnauthorized:                 "This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.",
	http.StatusForbidden:                    "Access was denied to this resource.",
	http.StatusNotFound:                     "The resource could not be found.",
	http.StatusConflict:                     "There was a conflict when trying to complete your request.",
	http.StatusRequestEntityTooLarge:        "The body of your request was too large for this server.",
	http.StatusRequestedRangeNotSatisfiable: "The Range requested is not available.",
	http.StatusInternalServerError:          "The server has either erred or is incapable of performing the requested operation.",
	http.StatusServiceUnavailable:           "The server is currently unavailable. Please try again at a later time.",
}

// errExplained is webob's exception raised with explanation=msg (what Glance mostly does).
func errExplained(status int, format string, args ...any) *webobError {
	return &webobError{status: status, segments: []string{"", fmt.Sprintf(format, args...), "<br /><br />\n\n\n"}}
}

// errDetailed is webob's exception raised with webob's default explanation and a detail.
func errDetailed(status int, format string, args ...any) *webobError {
	return &webobError{status: status, segments: []string{
		"", webobExplanations[status], "<br /><br />\n", fmt.Sprintf(format, args...), "\n\n",
	}}
}

// errDefault is webob's exception raised with neither explanation nor detail.
func errDefault(status int) *webobError {
	return errExplained(status, "%s", webobExplanations[status])
}

// errUnsupportedMedia is webob's HTTPUnsupportedMediaType for the request's Content-Type.
func errUnsupportedMedia(contentType string) *webobError {
	if contentType == "" {
		contentType = "${CONTENT_TYPE}" // webob's template, unsubstituted without the header
	}
	return &webobError{status: http.StatusUnsupportedMediaType, segments: []string{
		"The request media type ", contentType, " is not supported by this server.\n<br /><br />\n",
	}}
}

// errMethodNotAllowed is webob's HTTPMethodNotAllowed with Glance's Allow header.
func errMethodNotAllowed(method string, allow []string) *webobError {
	e := &webobError{status: http.StatusMethodNotAllowed, segments: []string{
		"The method ", method, " is not allowed for this resource. <br /><br />\n",
	}}
	e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	return e
}

// errImageNotFound is Glance's answer for an image that does not exist or that the caller
// may not see.
func errImageNotFound(id string) *webobError {
	return errExplained(http.StatusNotFound, "No image found with ID %s", id)
}

// errNotOwner is Glance's answer when a caller who can see an image tries to change it.
func errNotOwner() *webobError {
	return errExplained(http.StatusForbidden, "You do not own this image")
}

// asWebob turns any error into the webob error Glance would send: a *webobError as is, a
// *glimpse.Error as an explained error with its status, anything else as a 500.
func asWebob(err error) *webobError {
	var we *webobError
	if errors.As(err, &we) {
		return we
	}
	status := statusOf(glimpse.ErrorCode(err))
	if status == http.StatusInternalServerError {
		return errDefault(status)
	}
	return errExplained(status, "%s", glimpse.ErrorMessage(err))
}

// writeImageError writes err as the real Glance does (see webobError). Internal errors are
// logged; their text never reaches the client.
func (s *Server) writeImageError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	we := asWebob(err)
	for k, v := range we.header {
		w.Header()[k] = v
	}
	writeWebobBody(w, r, we)
}

func writeWebobBody(w http.ResponseWriter, r *http.Request, we *webobError) {
	title := http.StatusText(we.status)
	if we.status == http.StatusRequestedRangeNotSatisfiable {
		title = "Request Range Not Satisfiable" // webob's title
	}
	code := fmt.Sprintf("%d %s", we.status, title)
	var body []byte
	var contentType string
	switch webobBestMatch(r.Header.Get("Accept")) {
	case "application/json":
		contentType = "application/json"
		body = pyObject{
			{"message", we.body(false)},
			{"code", code},
			{"title", title},
		}.encode()
	case "text/html":
		contentType = "text/html; charset=UTF-8"
		body = []byte("<html>\n <head>\n  <title>" + code + "</title>\n </head>\n <body>\n  <h1>" + code +
			"</h1>\n  " + we.body(true) + "\n </body>\n</html>")
	default:
		contentType = "text/plain; charset=UTF-8"
		body = []byte(code + "\n\n" + webobStripTags(we.body(false)))
	}
	if r.Method == http.MethodHead {
		body = nil
	}
	writeRaw(w, we.status, contentType, body)
}

// webobBestMatch picks the error body format as webob does: text/html or application/json,
// whichever the Accept header rates higher (text/html on a tie, e.g. for */*), and
// text/plain when neither is acceptable or there is no Accept header at all.
func webobBestMatch(accept string) string {
	html, json := acceptQuality(accept, "text", "html"), acceptQuality(accept, "application", "json")
	switch {
	case html <= 0 && json <= 0:
		return "text/plain"
	case json > html:
		return "application/json"
	}
	return "text/html"
}

// acceptQuality is the q of the most specific media range of accept matching typ/sub.
func acceptQuality(accept, typ, sub string) float64 {
	best, bestSpecificity := 0.0, -1
	for _, part := range strings.Split(accept, ",") {
		params := strings.Split(part, ";")
		mediaRange := strings.ToLower(strings.TrimSpace(params[0]))
		rt, rs, ok := strings.Cut(mediaRange, "/")
		if !ok {
			continue
		}
		specificity := -1
		switch {
		case rt == typ && rs == sub:
			specificity = 2
		case rt == typ && rs == "*":
			specificity = 1
		case rt == "*" && rs == "*":
			specificity = 0
		}
		if specificity < bestSpecificity || specificity < 0 {
			continue
		}
		q := 1.0
		for _, p := range params[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.TrimSpace(k) == "q" {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					q = f
				}
			}
		}
		best, bestSpecificity = q, specificity
	}
	return best
}

var (
	webobBreakRE = regexp.MustCompile(`(?is)<br.*?>`)
	webobTagRE   = regexp.MustCompile(`(?s)<.*?>`)
)

// webobStripTags is webob's strip_tags, which turns a body into its text/plain form.
func webobStripTags(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "\r", "")
	s = webobBreakRE.ReplaceAllString(s, "\n")
	return webobTagRE.ReplaceAllString(s, "")
}

// pyHTMLEscape escapes s as Python's html.escape(s, quote=True), which webob uses.
var pyHTMLEscape = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;",
).Replace

// writeNoContent answers 204 as Glance does for most actions: an empty text/html body.
func writeNoContent(w http.ResponseWriter) {
	writeRaw(w, http.StatusNoContent, "text/html; charset=UTF-8", nil)
}
