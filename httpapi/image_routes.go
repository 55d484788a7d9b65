package httpapi

import "net/http"

// routeImageAPI registers the Glance v2 routes.
func (s *Server) routeImageAPI(mux *http.ServeMux) {}
