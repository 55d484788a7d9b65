package httpapi

import (
	"net/http"
	"regexp"
	"unicode/utf8"

	"github.com/glimpse-image/glimpse"
)

// regionView, serviceView and endpointView are the catalog objects as Keystone shows them
// ("Regions", "Service catalog and endpoints" in the Identity API v3 reference).
type regionView struct {
	ID             string        `json:"id"`
	Description    string        `json:"description"`
	ParentRegionID *string       `json:"parent_region_id"`
	Links          resourceLinks `json:"links"`
}

func (s *Server) regionViewOf(r *http.Request, reg *glimpse.Region) regionView {
	return regionView{ID: reg.ID, Description: reg.Description, ParentRegionID: nullable(reg.ParentRegionID),
		Links: s.linksOf(r, "regions", reg.ID)}
}

type serviceView struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	ID          string        `json:"id"`
	Type        string        `json:"type"`
	Enabled     bool          `json:"enabled"`
	Links       resourceLinks `json:"links"`
}

func (s *Server) serviceViewOf(r *http.Request, svc *glimpse.Service) serviceView {
	return serviceView{Name: svc.Name, Description: svc.Description, ID: svc.ID, Type: svc.Type,
		Enabled: svc.Enabled, Links: s.linksOf(r, "services", svc.ID)}
}

type endpointView struct {
	ID        string        `json:"id"`
	Interface string        `json:"interface"`
	RegionID  *string       `json:"region_id"`
	ServiceID string        `json:"service_id"`
	URL       string        `json:"url"`
	Enabled   bool          `json:"enabled"`
	Region    *string       `json:"region"`
	Links     resourceLinks `json:"links"`
}

func (s *Server) endpointViewOf(r *http.Request, e *glimpse.Endpoint) endpointView {
	return endpointView{ID: e.ID, Interface: e.Interface, RegionID: nullable(e.RegionID), ServiceID: e.ServiceID,
		URL: e.URL, Enabled: e.Enabled, Region: nullable(e.RegionID), Links: s.linksOf(r, "endpoints", e.ID)}
}

// handleRegionList answers GET /v3/regions (?parent_region_id); any valid token.
func (s *Server) handleRegionList(w http.ResponseWriter, r *http.Request) error {
	all, err := s.Identity.FindRegions(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	views := []regionView{}
	for _, reg := range all {
		if q.Has("parent_region_id") && reg.ParentRegionID != q.Get("parent_region_id") {
			continue
		}
		views = append(views, s.regionViewOf(r, reg))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Regions []regionView    `json:"regions"`
		Links   collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// handleRegionGet answers GET /v3/regions/{region_id}; any valid token.
func (s *Server) handleRegionGet(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("region_id")
	reg, err := s.Identity.FindRegionByID(r.Context(), id)
	if err != nil {
		return notFound(err, "region", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]regionView{"region": s.regionViewOf(r, reg)})
}

type regionBody struct {
	Region *struct {
		ID             *string `json:"id"`
		Description    *string `json:"description"`
		ParentRegionID *string `json:"parent_region_id"`
	} `json:"region"`
}

// handleRegionCreate answers POST /v3/regions: 201 {"region": {...}}; the id is generated
// when not given.
func (s *Server) handleRegionCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_region"); err != nil {
		return err
	}
	var body regionBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Region == nil {
		return errRequired("region")
	}
	b := body.Region
	reg := &glimpse.Region{ID: newIdentityID()}
	if b.ID != nil && *b.ID != "" {
		reg.ID = *b.ID
	}
	if b.Description != nil {
		reg.Description = *b.Description
	}
	if b.ParentRegionID != nil && *b.ParentRegionID != "" {
		reg.ParentRegionID = *b.ParentRegionID
		if _, err := s.Identity.FindRegionByID(r.Context(), reg.ParentRegionID); err != nil {
			return notFound(err, "region", reg.ParentRegionID)
		}
	}
	if err := s.Identity.CreateRegion(r.Context(), reg); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store region - Duplicate ID, %s.", reg.ID)
		}
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]regionView{"region": s.regionViewOf(r, reg)})
}

// handleRegionUpdate answers PATCH /v3/regions/{region_id}. The identity store has no
// region update, so only a body that changes nothing succeeds; anything else is 400.
func (s *Server) handleRegionUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_region"); err != nil {
		return err
	}
	id := r.PathValue("region_id")
	var body regionBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	reg, err := s.Identity.FindRegionByID(r.Context(), id)
	if err != nil {
		return notFound(err, "region", id)
	}
	if b := body.Region; b != nil && (b.Description != nil && *b.Description != reg.Description ||
		b.ParentRegionID != nil && *b.ParentRegionID != reg.ParentRegionID) {
		return glimpse.Errorf(glimpse.EINVALID, "Updating regions is not supported. %s", invalidSuffix)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]regionView{"region": s.regionViewOf(r, reg)})
}

// handleRegionDelete answers DELETE /v3/regions/{region_id}: 204.
func (s *Server) handleRegionDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_region"); err != nil {
		return err
	}
	id := r.PathValue("region_id")
	if err := s.Identity.DeleteRegion(r.Context(), id); err != nil {
		return notFound(err, "region", id)
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

type serviceBody struct {
	Service *struct {
		Name        *string `json:"name"`
		Type        *string `json:"type"`
		Description *string `json:"description"`
		Enabled     *bool   `json:"enabled"`
	} `json:"service"`
}

// handleServiceList answers GET /v3/services (?type, ?name); admin only.
func (s *Server) handleServiceList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_services"); err != nil {
		return err
	}
	all, err := s.Identity.FindServices(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	views := []serviceView{}
	for _, svc := range all {
		if q.Has("type") && svc.Type != q.Get("type") || q.Has("name") && svc.Name != q.Get("name") {
			continue
		}
		views = append(views, s.serviceViewOf(r, svc))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Services []serviceView   `json:"services"`
		Links    collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// handleServiceCreate answers POST /v3/services: 201 {"service": {...}}; type is required.
func (s *Server) handleServiceCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_service"); err != nil {
		return err
	}
	var body serviceBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Service == nil {
		return errRequired("service")
	}
	b := body.Service
	if b.Type == nil || *b.Type == "" {
		return errRequired("type")
	}
	svc := &glimpse.Service{ID: newIdentityID(), Type: *b.Type, Enabled: true}
	if b.Name != nil {
		svc.Name = *b.Name
	}
	if b.Description != nil {
		svc.Description = *b.Description
	}
	if b.Enabled != nil {
		svc.Enabled = *b.Enabled
	}
	if err := s.Identity.CreateService(r.Context(), svc); err != nil {
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]serviceView{"service": s.serviceViewOf(r, svc)})
}

// handleServiceGet answers GET /v3/services/{service_id}; admin only.
func (s *Server) handleServiceGet(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:get_service"); err != nil {
		return err
	}
	id := r.PathValue("service_id")
	svc, err := s.Identity.FindServiceByID(r.Context(), id)
	if err != nil {
		return notFound(err, "service", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]serviceView{"service": s.serviceViewOf(r, svc)})
}

// handleServiceUpdate answers PATCH /v3/services/{service_id}: name, type, description,
// enabled.
func (s *Server) handleServiceUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_service"); err != nil {
		return err
	}
	id := r.PathValue("service_id")
	var body serviceBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Service == nil {
		return errRequired("service")
	}
	svc, err := s.Identity.FindServiceByID(r.Context(), id)
	if err != nil {
		return notFound(err, "service", id)
	}
	b := body.Service
	if b.Name != nil {
		svc.Name = *b.Name
	}
	if b.Type != nil && *b.Type != "" {
		svc.Type = *b.Type
	}
	if b.Description != nil {
		svc.Description = *b.Description
	}
	if b.Enabled != nil {
		svc.Enabled = *b.Enabled
	}
	if err := s.Identity.UpdateService(r.Context(), svc); err != nil {
		return notFound(err, "service", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]serviceView{"service": s.serviceViewOf(r, svc)})
}

// handleServiceDelete answers DELETE /v3/services/{service_id}: 204; its endpoints go too.
func (s *Server) handleServiceDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_service"); err != nil {
		return err
	}
	id := r.PathValue("service_id")
	if err := s.Identity.DeleteService(r.Context(), id); err != nil {
		return notFound(err, "service", id)
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

type endpointBody struct {
	Endpoint *struct {
		ServiceID *string `json:"service_id"`
		Interface *string `json:"interface"`
		URL       *string `json:"url"`
		RegionID  *string `json:"region_id"`
		Region    *string `json:"region"`
		Enabled   *bool   `json:"enabled"`
	} `json:"endpoint"`
}

// validInterface reports whether i is one of Keystone's endpoint interfaces.
func validInterface(i string) bool { return i == "public" || i == "internal" || i == "admin" }

// handleEndpointList answers GET /v3/endpoints (?service_id, ?interface, ?region_id);
// admin only.
func (s *Server) handleEndpointList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_endpoints"); err != nil {
		return err
	}
	all, err := s.Identity.FindEndpoints(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	views := []endpointView{}
	for _, e := range all {
		if q.Has("service_id") && e.ServiceID != q.Get("service_id") ||
			q.Has("interface") && e.Interface != q.Get("interface") ||
			q.Has("region_id") && e.RegionID != q.Get("region_id") {
			continue
		}
		views = append(views, s.endpointViewOf(r, e))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Endpoints []endpointView  `json:"endpoints"`
		Links     collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// handleEndpointCreate answers POST /v3/endpoints: 201 {"endpoint": {...}}; service_id,
// interface and url are required, and the service and region must exist.
func (s *Server) handleEndpointCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_endpoint"); err != nil {
		return err
	}
	var body endpointBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Endpoint == nil {
		return errRequired("endpoint")
	}
	b := body.Endpoint
	switch {
	case b.ServiceID == nil || *b.ServiceID == "":
		return errRequired("service_id")
	case b.Interface == nil || *b.Interface == "":
		return errRequired("interface")
	case b.URL == nil || *b.URL == "":
		return errRequired("url")
	case !validInterface(*b.Interface):
		return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'interface': '%s' does not match '^(?:admin|internal|public)$'. %s", *b.Interface, invalidSuffix)
	}
	if err := checkEndpointURL(*b.URL); err != nil {
		return err
	}
	e := &glimpse.Endpoint{ID: newIdentityID(), ServiceID: *b.ServiceID, Interface: *b.Interface, URL: *b.URL, Enabled: true}
	if b.RegionID != nil {
		e.RegionID = *b.RegionID
	} else if b.Region != nil {
		e.RegionID = *b.Region
	}
	if b.Enabled != nil {
		e.Enabled = *b.Enabled
	}
	if _, err := s.Identity.FindServiceByID(r.Context(), e.ServiceID); err != nil {
		return missingReference(err, "service_id", "service")
	}
	if e.RegionID != "" {
		if _, err := s.Identity.FindRegionByID(r.Context(), e.RegionID); err != nil {
			return missingReference(err, "region_id", "region")
		}
	}
	if err := s.Identity.CreateEndpoint(r.Context(), e); err != nil {
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]endpointView{"endpoint": s.endpointViewOf(r, e)})
}

// handleEndpointGet answers GET /v3/endpoints/{endpoint_id}; admin only.
func (s *Server) handleEndpointGet(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:get_endpoint"); err != nil {
		return err
	}
	id := r.PathValue("endpoint_id")
	e, err := s.Identity.FindEndpointByID(r.Context(), id)
	if err != nil {
		return notFound(err, "endpoint", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]endpointView{"endpoint": s.endpointViewOf(r, e)})
}

// handleEndpointUpdate answers PATCH /v3/endpoints/{endpoint_id}: service_id, interface,
// url, region_id, enabled.
func (s *Server) handleEndpointUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_endpoint"); err != nil {
		return err
	}
	id := r.PathValue("endpoint_id")
	var body endpointBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Endpoint == nil {
		return errRequired("endpoint")
	}
	e, err := s.Identity.FindEndpointByID(r.Context(), id)
	if err != nil {
		return notFound(err, "endpoint", id)
	}
	b := body.Endpoint
	if b.ServiceID != nil {
		if _, err := s.Identity.FindServiceByID(r.Context(), *b.ServiceID); err != nil {
			return missingReference(err, "service_id", "service")
		}
		e.ServiceID = *b.ServiceID
	}
	if b.Interface != nil {
		if !validInterface(*b.Interface) {
			return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'interface': '%s' does not match '^(?:admin|internal|public)$'. %s", *b.Interface, invalidSuffix)
		}
		e.Interface = *b.Interface
	}
	if b.URL != nil {
		if err := checkEndpointURL(*b.URL); err != nil {
			return err
		}
		e.URL = *b.URL
	}
	if b.RegionID != nil {
		if *b.RegionID != "" {
			if _, err := s.Identity.FindRegionByID(r.Context(), *b.RegionID); err != nil {
				return missingReference(err, "region_id", "region")
			}
		}
		e.RegionID = *b.RegionID
	}
	if b.Enabled != nil {
		e.Enabled = *b.Enabled
	}
	if err := s.Identity.UpdateEndpoint(r.Context(), e); err != nil {
		return notFound(err, "endpoint", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]endpointView{"endpoint": s.endpointViewOf(r, e)})
}

// handleEndpointDelete answers DELETE /v3/endpoints/{endpoint_id}: 204.
func (s *Server) handleEndpointDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_endpoint"); err != nil {
		return err
	}
	id := r.PathValue("endpoint_id")
	if err := s.Identity.DeleteEndpoint(r.Context(), id); err != nil {
		return notFound(err, "endpoint", id)
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// endpointURLPattern is Keystone's schema pattern for an endpoint URL: a scheme and more.
var endpointURLPattern = regexp.MustCompile(`^[a-zA-Z0-9+.-]+:.+`)

// checkEndpointURL is Keystone's schema check of an endpoint URL (its catalog schema:
// at most 225 characters, matching endpointURLPattern); 400 with jsonschema's message.
func checkEndpointURL(url string) error {
	var problem, keyword string
	switch {
	case utf8.RuneCountInString(url) > 225:
		problem, keyword = pyStrRepr(url)+" is too long", "maxLength"
	case !endpointURLPattern.MatchString(url):
		problem, keyword = pyStrRepr(url)+" does not match "+pyStrRepr(endpointURLPattern.String()), "pattern"
	default:
		return nil
	}
	schema := map[string]any{"maxLength": 225, "minLength": 0, "pattern": endpointURLPattern.String(), "type": "string"}
	return glimpse.Errorf(glimpse.EINVALID, "Invalid input for field 'url': %s\n\nFailed validating %s in schema['properties']['url']:\n%s\n\nOn instance['url']:\n    %s",
		problem, pyStrRepr(keyword), indentLines(pyPformat(schema, 72), "    "), pyStrRepr(url))
}

// missingReference is Keystone's 400 for an endpoint that names a service or region that
// does not exist; other errors pass through.
func missingReference(err error, field, table string) error {
	if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
		return glimpse.Errorf(glimpse.EINVALID, "Expecting to find endpoint %s in %s table. %s", field, table, invalidSuffix)
	}
	return err
}
