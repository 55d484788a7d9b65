package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/glimpse-image/glimpse"
)

// authRequestBody is the body of POST /v3/auth/tokens ("Authentication and token
// management" in the Identity API v3 reference).
type authRequestBody struct {
	Auth *struct {
		Identity *struct {
			Methods  []string `json:"methods"`
			Password *struct {
				User *struct {
					ID       string    `json:"id"`
					Name     string    `json:"name"`
					Domain   *idOrName `json:"domain"`
					Password string    `json:"password"`
				} `json:"user"`
			} `json:"password"`
			Token *struct {
				ID string `json:"id"`
			} `json:"token"`
		} `json:"identity"`
		Scope json.RawMessage `json:"scope"`
	} `json:"auth"`
}

type idOrName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type scopeBody struct {
	Project *struct {
		ID     string    `json:"id"`
		Name   string    `json:"name"`
		Domain *idOrName `json:"domain"`
	} `json:"project"`
	Domain *idOrName `json:"domain"`
	System *struct {
		All bool `json:"all"`
	} `json:"system"`
}

// parseAuthRequest turns the request body into a glimpse.AuthRequest. Errors: EINVALID.
func parseAuthRequest(r *http.Request) (glimpse.AuthRequest, error) {
	var body authRequestBody
	var req glimpse.AuthRequest
	if err := decodeIdentityBody(r, &body); err != nil {
		return req, err
	}
	if body.Auth == nil {
		return req, errRequired("auth")
	}
	if body.Auth.Identity == nil {
		return req, errRequired("identity")
	}
	id := body.Auth.Identity
	req.Methods = id.Methods
	for _, m := range id.Methods {
		switch {
		case m == "password" && id.Password == nil, m == "token" && id.Token == nil:
			return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find %s in identity. %s", m, invalidSuffix)
		}
	}
	if id.Password != nil && id.Password.User != nil {
		u := id.Password.User
		if u.ID == "" && u.Name != "" && u.Domain == nil {
			// A user name is unique only within its domain.
			return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find domain in user. %s", invalidSuffix)
		}
		req.UserID, req.UserName, req.Password = u.ID, u.Name, u.Password
		if u.Domain != nil {
			req.UserDomainID, req.UserDomainName = u.Domain.ID, u.Domain.Name
		}
	}
	if id.Token != nil {
		req.Token = id.Token.ID
	}
	if len(body.Auth.Scope) == 0 || string(body.Auth.Scope) == "null" {
		return req, nil
	}
	var unscoped string
	if json.Unmarshal(body.Auth.Scope, &unscoped) == nil {
		if unscoped != "unscoped" {
			return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find scope in auth. %s", invalidSuffix)
		}
		req.Unscoped = true
		return req, nil
	}
	var scope scopeBody
	if err := json.Unmarshal(body.Auth.Scope, &scope); err != nil {
		return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find scope in auth. %s", invalidSuffix)
	}
	switch {
	case scope.Project != nil:
		req.ProjectID, req.ProjectName = scope.Project.ID, scope.Project.Name
		if scope.Project.Domain != nil {
			req.ProjectDomainID, req.ProjectDomainName = scope.Project.Domain.ID, scope.Project.Domain.Name
		}
		if req.ProjectID == "" && req.ProjectName == "" {
			return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find id or name in project. %s", invalidSuffix)
		}
	case scope.Domain != nil:
		req.DomainID, req.DomainName = scope.Domain.ID, scope.Domain.Name
		if req.DomainID == "" && req.DomainName == "" {
			return req, glimpse.Errorf(glimpse.EINVALID, "Expecting to find id or name in domain. %s", invalidSuffix)
		}
	case scope.System != nil:
		req.System = scope.System.All
	}
	return req, nil
}

// keystoneTime formats a token time as Keystone does: whole seconds, six zero decimals.
func keystoneTime(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05.000000Z")
}

// tokenView is the "token" object of Keystone's token responses.
type tokenView struct {
	Methods   []string         `json:"methods"`
	User      tokenUserView    `json:"user"`
	AuditIDs  []string         `json:"audit_ids"`
	ExpiresAt string           `json:"expires_at"`
	IssuedAt  string           `json:"issued_at"`
	Project   *tokenScopeView  `json:"project,omitempty"`
	IsDomain  *bool            `json:"is_domain,omitempty"`
	Domain    *idNameView      `json:"domain,omitempty"`
	Roles     []idNameView     `json:"roles,omitempty"`
	System    map[string]bool  `json:"system,omitempty"`
	Catalog   []catalogService `json:"catalog,omitempty"`
}

type idNameView struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type tokenUserView struct {
	Domain            idNameView `json:"domain"`
	ID                string     `json:"id"`
	Name              string     `json:"name"`
	PasswordExpiresAt *string    `json:"password_expires_at"`
}

type tokenScopeView struct {
	Domain idNameView `json:"domain"`
	ID     string     `json:"id"`
	Name   string     `json:"name"`
}

// catalogService is one service of a token's catalog.
type catalogService struct {
	Endpoints []catalogEndpoint `json:"endpoints"`
	ID        string            `json:"id"`
	Type      string            `json:"type"`
	Name      string            `json:"name"`
}

type catalogEndpoint struct {
	ID        string `json:"id"`
	Interface string `json:"interface"`
	RegionID  string `json:"region_id"`
	URL       string `json:"url"`
	Region    string `json:"region"`
}

// catalog returns the enabled services with their enabled endpoints.
func (s *Server) catalog(r *http.Request) ([]catalogService, error) {
	services, err := s.Identity.FindServices(r.Context())
	if err != nil {
		return nil, err
	}
	endpoints, err := s.Identity.FindEndpoints(r.Context())
	if err != nil {
		return nil, err
	}
	catalog := []catalogService{}
	for _, svc := range services {
		if !svc.Enabled {
			continue
		}
		cs := catalogService{Endpoints: []catalogEndpoint{}, ID: svc.ID, Type: svc.Type, Name: svc.Name}
		for _, e := range endpoints {
			if e.ServiceID == svc.ID && e.Enabled {
				cs.Endpoints = append(cs.Endpoints, catalogEndpoint{ID: e.ID, Interface: e.Interface,
					RegionID: e.RegionID, URL: e.URL, Region: e.RegionID})
			}
		}
		catalog = append(catalog, cs)
	}
	return catalog, nil
}

// tokenViewOf renders p; a scoped token carries the catalog unless nocatalog.
func (s *Server) tokenViewOf(r *http.Request, p *glimpse.Principal, nocatalog bool) (*tokenView, error) {
	v := &tokenView{
		Methods: p.Methods,
		User: tokenUserView{Domain: idNameView{ID: p.UserDomainID, Name: p.UserDomainName},
			ID: p.UserID, Name: p.UserName},
		AuditIDs: p.AuditIDs, ExpiresAt: keystoneTime(p.ExpiresAt), IssuedAt: keystoneTime(p.IssuedAt),
	}
	scoped := true
	switch {
	case p.ProjectID != "":
		f := false
		v.Project = &tokenScopeView{Domain: idNameView{ID: p.ProjectDomainID, Name: p.ProjectDomainName},
			ID: p.ProjectID, Name: p.ProjectName}
		v.IsDomain = &f
	case p.DomainID != "":
		v.Domain = &idNameView{ID: p.DomainID, Name: p.DomainName}
	case p.System:
		v.System = map[string]bool{"all": true}
	default:
		scoped = false
	}
	if scoped {
		v.Roles = []idNameView{}
		for _, role := range p.Roles {
			v.Roles = append(v.Roles, idNameView{ID: role.ID, Name: role.Name})
		}
		if !nocatalog {
			c, err := s.catalog(r)
			if err != nil {
				return nil, err
			}
			v.Catalog = c
		}
	}
	return v, nil
}

// handleTokenIssue answers POST /v3/auth/tokens: 201, X-Subject-Token and the token body.
// ?nocatalog leaves the catalog out.
func (s *Server) handleTokenIssue(w http.ResponseWriter, r *http.Request) error {
	req, err := parseAuthRequest(r)
	if err != nil {
		return err
	}
	if s.Tokens == nil {
		return glimpse.Errorf(glimpse.EUNAVAILABLE, "The identity service is not configured.")
	}
	token, p, err := s.Tokens.IssueToken(r.Context(), req)
	if err != nil {
		return err
	}
	v, err := s.tokenViewOf(r, p, r.URL.Query().Has("nocatalog"))
	if err != nil {
		return err
	}
	w.Header().Set("X-Subject-Token", token)
	return writeKeystoneJSON(w, http.StatusCreated, map[string]*tokenView{"token": v})
}

// subjectPrincipal validates X-Subject-Token for GET/HEAD/DELETE /v3/auth/tokens. A caller
// may check its own tokens; an admin (or a service) any token ("identity:validate_token":
// rule:service_admin_or_token_subject). Errors: ENOTFOUND for an invalid subject token.
func (s *Server) subjectPrincipal(r *http.Request, rule string) (string, *glimpse.Principal, error) {
	subject := r.Header.Get("X-Subject-Token")
	if subject == "" {
		return "", nil, glimpse.Errorf(glimpse.ENOTFOUND, "No token in the request")
	}
	p, err := s.Tokens.ValidateToken(r.Context(), subject)
	if err != nil {
		return "", nil, err
	}
	caller := principal(r)
	if !caller.IsAdmin() && !caller.HasRole("service") && caller.UserID != p.UserID {
		return "", nil, forbidden(rule)
	}
	return subject, p, nil
}

// handleTokenValidate answers GET /v3/auth/tokens: 200 with the subject token's body.
func (s *Server) handleTokenValidate(w http.ResponseWriter, r *http.Request) error {
	subject, p, err := s.subjectPrincipal(r, "identity:validate_token")
	if err != nil {
		return err
	}
	v, err := s.tokenViewOf(r, p, r.URL.Query().Has("nocatalog"))
	if err != nil {
		return err
	}
	w.Header().Set("X-Subject-Token", subject)
	return writeKeystoneJSON(w, http.StatusOK, map[string]*tokenView{"token": v})
}

// handleTokenCheck answers HEAD /v3/auth/tokens: 200 for a valid subject token.
func (s *Server) handleTokenCheck(w http.ResponseWriter, r *http.Request) error {
	subject, _, err := s.subjectPrincipal(r, "identity:check_token")
	if err != nil {
		return err
	}
	w.Header().Set("X-Subject-Token", subject)
	writeNoBody(w, http.StatusOK)
	return nil
}

// handleTokenRevoke answers DELETE /v3/auth/tokens: 204, the subject token is revoked.
func (s *Server) handleTokenRevoke(w http.ResponseWriter, r *http.Request) error {
	subject, _, err := s.subjectPrincipal(r, "identity:revoke_token")
	if err != nil {
		return err
	}
	if err := s.Tokens.RevokeToken(r.Context(), subject); err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleAuthCatalog answers GET /v3/auth/catalog: the catalog of the caller's token; 403
// for an unscoped token, as Keystone.
func (s *Server) handleAuthCatalog(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	if p.ProjectID == "" && p.DomainID == "" && !p.System {
		return glimpse.Errorf(glimpse.EFORBIDDEN, "You are not authorized to perform the requested action.")
	}
	c, err := s.catalog(r)
	if err != nil {
		return err
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Catalog []catalogService `json:"catalog"`
		Links   resourceLinks    `json:"links"`
	}{c, resourceLinks{Self: s.selfURL(r)}})
}

// handleAuthProjects answers GET /v3/auth/projects: the enabled projects on which the
// caller holds a role.
func (s *Server) handleAuthProjects(w http.ResponseWriter, r *http.Request) error {
	projects, err := s.projectsOfUser(r, principal(r).UserID)
	if err != nil {
		return err
	}
	return s.writeProjects(w, r, projects)
}

// handleAuthDomains answers GET /v3/auth/domains: the enabled domains on which the caller
// holds a role.
func (s *Server) handleAuthDomains(w http.ResponseWriter, r *http.Request) error {
	assignments, err := s.Identity.FindAssignments(r.Context(), glimpse.AssignmentFilter{UserID: principal(r).UserID})
	if err != nil {
		return err
	}
	var domains []*glimpse.Domain
	seen := map[string]bool{}
	for _, a := range assignments {
		if a.DomainID == "" || seen[a.DomainID] {
			continue
		}
		seen[a.DomainID] = true
		d, err := s.Identity.FindDomainByID(r.Context(), a.DomainID)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		if d.Enabled {
			domains = append(domains, d)
		}
	}
	return s.writeDomains(w, r, domains)
}

// handleAuthSystem answers GET /v3/auth/system: {"system": [{"all": true}]} when the caller
// holds a role on the system, {"system": []} otherwise.
func (s *Server) handleAuthSystem(w http.ResponseWriter, r *http.Request) error {
	system := true
	assignments, err := s.Identity.FindAssignments(r.Context(),
		glimpse.AssignmentFilter{UserID: principal(r).UserID, System: &system})
	if err != nil {
		return err
	}
	scopes := []map[string]bool{}
	if len(assignments) > 0 {
		scopes = append(scopes, map[string]bool{"all": true})
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		System []map[string]bool `json:"system"`
		Links  resourceLinks     `json:"links"`
	}{scopes, resourceLinks{Self: s.selfURL(r)}})
}
