package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// domainView is a domain as Keystone shows it ("Domains" in the Identity API v3 reference).
type domainView struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Enabled     bool           `json:"enabled"`
	Tags        []string       `json:"tags"`
	Options     map[string]any `json:"options"`
	Links       resourceLinks  `json:"links"`
}

func (s *Server) domainViewOf(r *http.Request, d *glimpse.Domain) domainView {
	return domainView{ID: d.ID, Name: d.Name, Description: d.Description, Enabled: d.Enabled,
		Tags: []string{}, Options: map[string]any{}, Links: s.linksOf(r, "domains", d.ID)}
}

func (s *Server) writeDomains(w http.ResponseWriter, r *http.Request, domains []*glimpse.Domain) error {
	views := []domainView{}
	for _, d := range domains {
		views = append(views, s.domainViewOf(r, d))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Domains []domainView    `json:"domains"`
		Links   collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

type domainBody struct {
	Domain *struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
		Enabled     *bool   `json:"enabled"`
	} `json:"domain"`
}

// handleDomainList answers GET /v3/domains (?name, ?enabled); admin only.
func (s *Server) handleDomainList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_domains"); err != nil {
		return err
	}
	all, err := s.Identity.FindDomains(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var domains []*glimpse.Domain
	for _, d := range all {
		if q.Has("name") && d.Name != q.Get("name") || !matchEnabled(q.Get("enabled"), d.Enabled) {
			continue
		}
		domains = append(domains, d)
	}
	return s.writeDomains(w, r, domains)
}

// handleDomainCreate answers POST /v3/domains: 201 {"domain": {...}}.
func (s *Server) handleDomainCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_domain"); err != nil {
		return err
	}
	var body domainBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Domain == nil {
		return errRequired("domain")
	}
	b := body.Domain
	if b.Name == nil || *b.Name == "" {
		return errRequired("name")
	}
	d := &glimpse.Domain{ID: newIdentityID(), Name: *b.Name, Enabled: true}
	if b.Description != nil {
		d.Description = *b.Description
	}
	if b.Enabled != nil {
		d.Enabled = *b.Enabled
	}
	if err := s.Identity.CreateDomain(r.Context(), d); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store domain - Duplicate entry found with name %s.", d.Name)
		}
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]domainView{"domain": s.domainViewOf(r, d)})
}

// handleDomainGet answers GET /v3/domains/{domain_id}: admin, or a caller whose token is
// scoped to the domain or to a project in it.
func (s *Server) handleDomainGet(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("domain_id")
	if p := principal(r); !p.IsAdmin() && p.DomainID != id && p.ProjectDomainID != id {
		return forbidden("identity:get_domain")
	}
	d, err := s.Identity.FindDomainByID(r.Context(), id)
	if err != nil {
		return notFound(err, "domain", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]domainView{"domain": s.domainViewOf(r, d)})
}

// revokeDomain revokes the tokens of every user of a domain and every token scoped to one of
// its projects (a disabled domain authenticates nobody, as Keystone).
func (s *Server) revokeDomain(r *http.Request, domainID string) error {
	users, err := s.Identity.FindUsers(r.Context(), domainID)
	if err != nil {
		return err
	}
	for _, u := range users {
		if err := s.revokeUser(r.Context(), u.ID); err != nil {
			return err
		}
	}
	projects, err := s.Identity.FindProjects(r.Context(), domainID)
	if err != nil {
		return err
	}
	for _, p := range projects {
		if err := s.revokeProject(r.Context(), p.ID); err != nil {
			return err
		}
	}
	return nil
}

// handleDomainUpdate answers PATCH /v3/domains/{domain_id}: name, description, enabled.
// Disabling a domain revokes the tokens of its users and projects.
func (s *Server) handleDomainUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_domain"); err != nil {
		return err
	}
	id := r.PathValue("domain_id")
	var body domainBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Domain == nil {
		return errRequired("domain")
	}
	d, err := s.Identity.FindDomainByID(r.Context(), id)
	if err != nil {
		return notFound(err, "domain", id)
	}
	b := body.Domain
	wasEnabled := d.Enabled
	if b.Name != nil {
		d.Name = *b.Name
	}
	if b.Description != nil {
		d.Description = *b.Description
	}
	if b.Enabled != nil {
		d.Enabled = *b.Enabled
	}
	if err := s.Identity.UpdateDomain(r.Context(), d); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store domain - Duplicate entry found with name %s.", d.Name)
		}
		return notFound(err, "domain", id)
	}
	if wasEnabled && !d.Enabled {
		if err := s.revokeDomain(r, d.ID); err != nil {
			return err
		}
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]domainView{"domain": s.domainViewOf(r, d)})
}

// handleDomainDelete answers DELETE /v3/domains/{domain_id}: 204; 403 while it is enabled.
func (s *Server) handleDomainDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_domain"); err != nil {
		return err
	}
	id := r.PathValue("domain_id")
	d, err := s.Identity.FindDomainByID(r.Context(), id)
	if err != nil {
		return notFound(err, "domain", id)
	}
	if d.Enabled {
		return glimpse.Errorf(glimpse.EFORBIDDEN, "Cannot delete a domain that is enabled, please disable it first.")
	}
	if err := s.Identity.DeleteDomain(r.Context(), id); err != nil {
		return notFound(err, "domain", id)
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}
