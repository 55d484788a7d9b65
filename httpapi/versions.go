package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// imageAPIMinorVersions is how many v2 minor versions Glance 25 (Zed) lists: v2.16 is
// CURRENT, v2.15 … v2.0 SUPPORTED.
const imageAPIMinorVersions = 16

// versionsBody is Glance's version list ("API versions" in the Image API reference), each
// version linking to <image endpoint>/v2/.
func (s *Server) versionsBody(r *http.Request) pyObject {
	href := s.imageBaseURL(r) + "/v2/"
	versions := make([]pyObject, 0, imageAPIMinorVersions+1)
	for minor := imageAPIMinorVersions; minor >= 0; minor-- {
		status := "SUPPORTED"
		if minor == imageAPIMinorVersions {
			status = "CURRENT"
		}
		versions = append(versions, pyObject{
			{"id", fmt.Sprintf("v2.%d", minor)},
			{"status", status},
			{"links", []pyObject{{{"rel", "self"}, {"href", href}}}},
		})
	}
	return pyObject{{"versions", versions}}
}

// handleVersions answers GET /versions: 200 with the version list, no token needed and no
// request id, as Glance.
func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) {
	w.Header().Del("x-openstack-request-id")
	writePyJSONResponse(w, http.StatusOK, s.versionsBody(r))
}

// handleVersionsMultipleChoices answers GET / and every path that names no known API
// version (e.g. /v3/images): 300 Multiple Choices with the version list, as Glance's
// version negotiation middleware.
func (s *Server) handleVersionsMultipleChoices(w http.ResponseWriter, r *http.Request) {
	w.Header().Del("x-openstack-request-id")
	writePyJSONResponse(w, http.StatusMultipleChoices, s.versionsBody(r))
}

// healthcheck answers /healthcheck as oslo.middleware's healthcheck does in front of Glance
// and Keystone, for load balancers and monitoring, without a token: 204 to HEAD, and 200
// text/plain with body ("OK" from Glance, nothing from Keystone) to any other method.
func healthcheck(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=UTF-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, body)
	})
}
