package httpapi

import (
	"fmt"
	"net/http"
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
