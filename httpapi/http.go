// Package httpapi serves the Glance Image API v2 and the Keystone Identity API v3 subset
// over net/http. Handlers return errors; one table (statusOf) turns glimpse.Error codes into
// HTTP statuses, and the body shapes follow the real Glance and Keystone.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/imagecache"
	"github.com/google/uuid"
)

// Server holds the services the API handlers need. cmd/glimpse fills it in.
type Server struct {
	Images    glimpse.ImageService
	Members   glimpse.MemberService
	ImageData glimpse.ImageDataService
	Tokens    glimpse.TokenService
	Identity  glimpse.IdentityStore
	// Metadefs is the metadata definitions catalog (/v2/metadefs); nil: not served.
	Metadefs glimpse.MetadefService
	// Authorizer decides who may do what (policy.Enforcer); nil means Glance's secure-RBAC defaults.
	Authorizer glimpse.Authorizer
	// Tasks and Importer serve interoperable image import (nil: no import method offered).
	Tasks    glimpse.TaskService
	Importer ImageImporter
	// Quotas are the per-project image quotas; nil enforces none.
	Quotas *Quotas
	// Cache is this node's image cache (/v2/cache); nil when caching is off.
	Cache *imagecache.Cache
	// Stores are the configured stores; the first is the default (GET /v2/info/stores).
	Stores []glimpse.Store
	// DefaultStore is the id of the default store; "" means the first of Stores.
	DefaultStore string
	Logger       *slog.Logger

	// IdentityURL is the public identity endpoint without a version, e.g.
	// "http://127.0.0.1:5000"; it is sent in WWW-Authenticate on 401 (as keystonemiddleware).
	IdentityURL string
	// ImageURL is the public image endpoint, e.g. "http://127.0.0.1:9292" (version discovery).
	ImageURL string
	// MaxImageSize caps one upload in bytes (Glance's image_size_cap, default 1 TiB).
	MaxImageSize int64
	// ShowMultipleLocations is Glance's show_multiple_locations: image views carry
	// "locations", and PATCH may add, replace and remove them. Off by default, as in Glance.
	ShowMultipleLocations bool
	// ShowDirectURL is Glance's show_image_direct_url: image views carry "direct_url".
	ShowDirectURL bool
	// External checks and sizes the external locations users add; nil refuses them all.
	External ExternalLocations
}

// ImageHandler returns the handler of the image API (port 9292).
func (s *Server) ImageHandler() http.Handler {
	mux := http.NewServeMux()
	s.routeImageAPI(mux)
	return s.common(mux, s.writeImageError,
		func() error { return errExplained(http.StatusBadRequest, "%s", undecodableMessage) },
		func() error { return errExplained(http.StatusBadRequest, "Malformed JSON in request body.") })
}

// IdentityHandler returns the handler of the identity API (port 5000).
func (s *Server) IdentityHandler() http.Handler {
	mux := http.NewServeMux()
	s.routeIdentityAPI(mux)
	invalid := func() error {
		return glimpse.Errorf(glimpse.EINVALID, "Expecting to find valid JSON in request body. %s", invalidSuffix)
	}
	return s.common(mux, s.writeIdentityError, invalid, invalid)
}

// errorWriter writes err in the body format of one API.
type errorWriter func(w http.ResponseWriter, r *http.Request, err error)

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// common wraps h with the middleware every request passes: recover, request id, access
// log, and the refusal of undecodable input (rejectUndecodable).
func (s *Server) common(h http.Handler, writeError errorWriter, undecodable, malformed func() error) http.Handler {
	return s.recoverPanics(s.accessLog(withRequestID(rejectUndecodable(h, writeError, undecodable, malformed))), writeError)
}

type requestIDKey struct{}

// withRequestID gives every request an id "req-<uuid>", sent as x-openstack-request-id
// (oslo.middleware request_id) and used in logs.
func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := "req-" + uuid.NewString()
		w.Header().Set("x-openstack-request-id", id)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the request id of ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer (flush, deadlines).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) accessLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		s.logger().Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"bytes", rec.bytes, "duration_ms", time.Since(start).Milliseconds(),
			"request_id", w.Header().Get("x-openstack-request-id"))
	})
}

func (s *Server) recoverPanics(h http.Handler, writeError errorWriter) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.logger().Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
				writeError(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// statusOf maps a glimpse error code to its HTTP status.
func statusOf(code string) int {
	switch code {
	case glimpse.EINVALID:
		return http.StatusBadRequest
	case glimpse.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case glimpse.EFORBIDDEN:
		return http.StatusForbidden
	case glimpse.ENOTFOUND:
		return http.StatusNotFound
	case glimpse.ECONFLICT:
		return http.StatusConflict
	case glimpse.EGONE:
		return http.StatusGone
	case glimpse.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case glimpse.EUNSUPPORTEDMEDIA:
		return http.StatusUnsupportedMediaType
	case glimpse.ENOTIMPLEMENTED:
		return http.StatusNotImplemented
	case glimpse.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// logIfInternal logs errors that are the server's fault: internal errors and webob errors
// with a 5xx status. Errors the client caused are not logged (the access log has them).
func (s *Server) logIfInternal(r *http.Request, err error) {
	var we *webobError
	if errors.As(err, &we) {
		if we.status < 500 {
			return
		}
	} else if glimpse.ErrorCode(err) != glimpse.EINTERNAL {
		return
	}
	s.logger().Error("internal error", "method", r.Method, "path", r.URL.Path,
		"request_id", RequestID(r.Context()), "error", err.Error())
}

func writeRaw(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// bodyIdleTimeout is how long an upload may send nothing before it is cut off, like the
// socket timeout of the uwsgi that serves Glance (30 s). It never limits a slow but moving
// upload, however long it takes.
const bodyIdleTimeout = 30 * time.Second

// idleTimeoutBody returns r's body, whose every read must make progress within
// bodyIdleTimeout: a stalled client would otherwise hold an image in saving forever.
func idleTimeoutBody(w http.ResponseWriter, r *http.Request) io.Reader {
	return &idleReader{body: r.Body, rc: http.NewResponseController(w)}
}

type idleReader struct {
	body io.Reader
	rc   *http.ResponseController
}

func (ir *idleReader) Read(p []byte) (int, error) {
	// An error means the writer cannot set deadlines (as in some tests): read without one.
	ir.rc.SetReadDeadline(time.Now().Add(bodyIdleTimeout))
	return ir.body.Read(p)
}
