package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// storeDescriber is an optional capability of a glimpse.Store: a human description for
// GET /v2/info/stores.
type storeDescriber interface{ Description() string }

// storeDetailer is an optional capability of a glimpse.Store: its driver type ("file",
// "s3", …) and properties for GET /v2/info/stores/detail.
type storeDetailer interface {
	Type() string
	Properties() map[string]any
}

// isDefaultStore reports whether st, the i-th configured store, is the default one.
func (s *Server) isDefaultStore(i int, st glimpse.Store) bool {
	if s.DefaultStore == "" {
		return i == 0
	}
	return st.ID() == s.DefaultStore
}

// handleInfoImport answers GET /v2/info/import ("Import methods and values discovery").
func (s *Server) handleInfoImport(w http.ResponseWriter, r *http.Request) error {
	writePyJSONResponse(w, http.StatusOK, pyObject{{"import-methods", pyObject{
		{"description", "Import methods available."},
		{"type", "array"},
		{"value", s.importMethods()},
	}}})
	return nil
}

// handleInfoStores answers GET /v2/info/stores ("List stores"): the configured stores, the
// first marked "default": "true" (a string, as Glance writes it).
func (s *Server) handleInfoStores(w http.ResponseWriter, r *http.Request) error {
	stores := make([]pyObject, 0, len(s.Stores))
	for i, st := range s.Stores {
		o := pyObject{{"id", st.ID()}}
		if d, ok := st.(storeDescriber); ok && d.Description() != "" {
			o = append(o, pyField{"description", d.Description()})
		}
		if s.isDefaultStore(i, st) {
			o = append(o, pyField{"default", "true"})
		}
		stores = append(stores, o)
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"stores", stores}})
	return nil
}

// handleInfoStoresDetail answers GET /v2/info/stores/detail ("List stores detail"),
// admins only.
func (s *Server) handleInfoStoresDetail(w http.ResponseWriter, r *http.Request) error {
	if !s.callerAllowed(imageCaller(r), "stores_info_detail") {
		return errExplained(http.StatusForbidden, "You are not authorized to complete stores_info_detail action.")
	}
	stores := make([]pyObject, 0, len(s.Stores))
	for i, st := range s.Stores {
		o := pyObject{{"id", st.ID()}}
		if d, ok := st.(storeDescriber); ok && d.Description() != "" {
			o = append(o, pyField{"description", d.Description()})
		}
		if s.isDefaultStore(i, st) {
			o = append(o, pyField{"default", "true"})
		}
		if d, ok := st.(storeDetailer); ok {
			props := d.Properties()
			if props == nil {
				props = map[string]any{}
			}
			o = append(o, pyField{"type", d.Type()}, pyField{"properties", props})
		}
		stores = append(stores, o)
	}
	writePyJSONResponse(w, http.StatusOK, pyObject{{"stores", stores}})
	return nil
}

// handleInfoUsage answers GET /v2/info/usage ("Usage"): see writeUsage (quota.go).
func (s *Server) handleInfoUsage(w http.ResponseWriter, r *http.Request) error {
	return s.writeUsage(w, r)
}
