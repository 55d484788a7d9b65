package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/glimpse-image/glimpse"
)

var minorVersionPathRE = regexp.MustCompile(`^/v2\.(\d+)(/.*)?$`)

// imageHandler is one Glance v2 operation. It writes its success response itself and
// returns errors, which writeImageError turns into Glance's bodies.
type imageHandler func(w http.ResponseWriter, r *http.Request) error

// methodRoute binds an HTTP method to its handler.
type methodRoute struct {
	method  string
	handler imageHandler
}

// routeImageAPI registers the Glance v2 routes ("Image API v2" reference). Paths are
// registered without methods so that a wrong method answers Glance's 405 (with Allow in
// Glance's order) after authentication, as Glance's router does; anything else under /v2
// answers 404 and any other path the version list (300), as Glance's version negotiation.
func (s *Server) routeImageAPI(mux *http.ServeMux) {
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		// /v2.N/… (N a supported minor version) is /v2/…, as Glance's version negotiation.
		if m := minorVersionPathRE.FindStringSubmatch(r.URL.EscapedPath()); m != nil {
			if minor, err := strconv.Atoi(m[1]); err == nil && minor <= imageAPIMinorVersions {
				r2 := r.Clone(r.Context())
				r2.URL.RawPath = "/v2" + m[2]
				r2.URL.Path, _ = url.PathUnescape(r2.URL.RawPath)
				mux.ServeHTTP(w, r2)
				return
			}
		}
		s.handleVersionsMultipleChoices(w, r)
	})
	mux.HandleFunc("/versions", s.handleVersions)
	mux.HandleFunc("/versions/", s.handleVersions)
	mux.Handle("/healthcheck", healthcheck("OK"))
	mux.Handle("/v2", s.imageAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, s.imageBaseURL(r)+"/v2/", http.StatusFound)
	})))
	mux.Handle("/v2/", s.imageAuth(s.imageRoute([]methodRoute{}, func(w http.ResponseWriter, r *http.Request) error {
		return errDefault(http.StatusNotFound)
	})))

	route := func(path string, methods ...methodRoute) {
		mux.Handle(path, s.imageAuth(s.imageRoute(methods, nil)))
	}
	get := func(h imageHandler) methodRoute { return methodRoute{http.MethodGet, h} }
	post := func(h imageHandler) methodRoute { return methodRoute{http.MethodPost, h} }
	put := func(h imageHandler) methodRoute { return methodRoute{http.MethodPut, h} }
	patch := func(h imageHandler) methodRoute { return methodRoute{http.MethodPatch, h} }
	del := func(h imageHandler) methodRoute { return methodRoute{http.MethodDelete, h} }

	route("/v2/images", get(s.handleImageList), post(s.handleImageCreate))
	route("/v2/images/{image_id}", get(s.handleImageShow), patch(s.handleImageUpdate), del(s.handleImageDelete))
	route("/v2/images/{image_id}/file", get(s.handleImageDownload), put(s.handleImageUpload))
	route("/v2/images/{image_id}/tags/{tag}", put(s.handleTagAdd), del(s.handleTagDelete))
	route("/v2/images/{image_id}/members", get(s.handleMemberList), post(s.handleMemberCreate))
	route("/v2/images/{image_id}/members/{member_id}",
		get(s.handleMemberShow), put(s.handleMemberUpdate), del(s.handleMemberDelete))
	route("/v2/images/{image_id}/actions/deactivate", post(s.handleImageDeactivate))
	route("/v2/images/{image_id}/actions/reactivate", post(s.handleImageReactivate))
	route("/v2/images/{image_id}/stage", put(s.handleImageStage))
	route("/v2/images/{image_id}/import", post(s.handleImageImport))
	route("/v2/images/{image_id}/tasks", get(s.handleImageTasks))
	route("/v2/tasks", get(s.handleTaskList))
	route("/v2/tasks/{task_id}", get(s.handleTaskShow))
	route("/v2/schemas/image", get(s.handleSchemaImage))
	route("/v2/schemas/images", get(s.handleSchemaImages))
	route("/v2/schemas/member", get(s.handleSchemaMember))
	route("/v2/schemas/members", get(s.handleSchemaMembers))
	route("/v2/schemas/task", get(s.handleSchemaTask))
	route("/v2/schemas/tasks", get(s.handleSchemaTasks))
	route("/v2/info/import", get(s.handleInfoImport))
	route("/v2/info/stores", get(s.handleInfoStores))
	route("/v2/info/stores/detail", get(s.handleInfoStoresDetail))
	route("/v2/info/usage", get(s.handleInfoUsage))
	route("/v2/stores/{store_id}/{image_id}", del(s.handleImageStoreDelete))
	s.routeMetadefs(mux)
	route("/v2/cache", get(s.handleCacheList), del(s.handleCacheClear))
	route("/v2/cache/{image_id}", put(s.handleCacheQueue), del(s.handleCacheDelete))
}

// imageRoute dispatches on the method; a method without a route answers 405 with Allow,
// unless fallback is set, which then handles every request.
func (s *Server) imageRoute(methods []methodRoute, fallback imageHandler) http.Handler {
	allow := make([]string, len(methods))
	for i, m := range methods {
		allow[i] = m.method
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := fallback
		for _, m := range methods {
			if m.method == r.Method {
				h = m.handler
			}
		}
		if h == nil {
			s.writeImageError(w, r, errMethodNotAllowed(r.Method, allow))
			return
		}
		if err := h(w, r); err != nil {
			s.writeImageError(w, r, err)
		}
	})
}

// imageAuth validates X-Auth-Token (what keystonemiddleware and Glance's context
// middleware do) and puts the caller into the request context. A missing, invalid,
// expired or revoked token answers 401 with WWW-Authenticate naming the identity service,
// without a request id, as Glance.
func (s *Server) imageAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := r.Header.Get("X-Auth-Token")
		var p *glimpse.Principal
		var err error
		if token == "" {
			err = glimpse.Errorf(glimpse.EUNAUTHORIZED, "no token")
		} else if s.Tokens == nil {
			err = errors.New("httpapi: no token service")
		} else {
			p, err = s.Tokens.ValidateToken(r.Context(), token)
		}
		if err != nil {
			switch glimpse.ErrorCode(err) {
			case glimpse.ENOTFOUND, glimpse.EUNAUTHORIZED, glimpse.EINVALID, glimpse.EFORBIDDEN:
				w.Header().Del("x-openstack-request-id")
				w.Header().Set("WWW-Authenticate", fmt.Sprintf("Keystone uri=%q", s.IdentityURL))
				writeWebobBody(w, r, errDefault(http.StatusUnauthorized))
			default:
				s.writeImageError(w, r, fmt.Errorf("validate token: %w", err))
			}
			return
		}
		h.ServeHTTP(w, r.WithContext(glimpse.NewContextWithPrincipal(r.Context(), p)))
	})
}

// imageCaller returns the caller; imageAuth guarantees one on every /v2 route.
func imageCaller(r *http.Request) *glimpse.Principal {
	if p := glimpse.PrincipalFromContext(r.Context()); p != nil {
		return p
	}
	return &glimpse.Principal{}
}

// imageBaseURL is the public image endpoint: s.ImageURL, or the request's own host.
func (s *Server) imageBaseURL(r *http.Request) string {
	if s.ImageURL != "" {
		return trimSlash(s.ImageURL)
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}
