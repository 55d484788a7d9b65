package httpapi

import "net/http"

// routeIdentityAPI registers the Keystone v3 routes.
func (s *Server) routeIdentityAPI(mux *http.ServeMux) {}
