package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// projectView is a project as Keystone shows it ("Projects" in the Identity API v3
// reference); glimpse has no project hierarchy, so parent_id is the domain.
type projectView struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	DomainID    string         `json:"domain_id"`
	Description string         `json:"description"`
	Enabled     bool           `json:"enabled"`
	ParentID    string         `json:"parent_id"`
	IsDomain    bool           `json:"is_domain"`
	Tags        []string       `json:"tags"`
	Options     map[string]any `json:"options"`
	Links       resourceLinks  `json:"links"`
	Extra       map[string]any `json:"-"` // shown first (identity_extra.go)
}

func (v projectView) MarshalJSON() ([]byte, error) {
	type plain projectView
	return withExtra(plain(v), v.Extra, projectCoreKeys)
}

func (s *Server) projectViewOf(r *http.Request, p *glimpse.Project) projectView {
	tags := p.Tags
	if tags == nil {
		tags = []string{}
	}
	return projectView{ID: p.ID, Name: p.Name, DomainID: p.DomainID, Description: p.Description,
		Enabled: p.Enabled, ParentID: p.DomainID, Tags: tags, Options: map[string]any{},
		Links: s.linksOf(r, "projects", p.ID), Extra: p.Extra}
}

func (s *Server) writeProjects(w http.ResponseWriter, r *http.Request, projects []*glimpse.Project) error {
	views := []projectView{}
	for _, p := range projects {
		views = append(views, s.projectViewOf(r, p))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Projects []projectView   `json:"projects"`
		Links    collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// projectBody is the "project" object of POST and PATCH /v3/projects.
type projectBody struct {
	Project *struct {
		Name        *string   `json:"name"`
		DomainID    *string   `json:"domain_id"`
		Description *string   `json:"description"`
		Enabled     *bool     `json:"enabled"`
		Tags        *[]string `json:"tags"`
	} `json:"project"`
}

// handleProjectList answers GET /v3/projects (?name, ?domain_id, ?enabled); admin only.
func (s *Server) handleProjectList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_projects"); err != nil {
		return err
	}
	q := r.URL.Query()
	all, err := s.Identity.FindProjects(r.Context(), q.Get("domain_id"))
	if err != nil {
		return err
	}
	var projects []*glimpse.Project
	for _, p := range all {
		// is_domain=true matches none: domains are not listed as projects here.
		if q.Has("name") && p.Name != q.Get("name") || !matchEnabled(q.Get("enabled"), p.Enabled) ||
			!matchProjectTags(q, p.Tags) || q.Has("is_domain") && matchEnabled(q.Get("is_domain"), true) {
			continue
		}
		projects = append(projects, p)
	}
	return s.writeProjects(w, r, projects)
}

// matchEnabled applies an ?enabled= filter ("" matches anything).
func matchEnabled(filter string, enabled bool) bool {
	switch filter {
	case "":
		return true
	case "0", "false", "False", "no":
		return !enabled
	}
	return enabled
}

// handleProjectCreate answers POST /v3/projects: 201 {"project": {...}}. The domain
// defaults to the caller's project domain, then "default".
func (s *Server) handleProjectCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_project"); err != nil {
		return err
	}
	raw, err := readIdentityBody(r)
	if err != nil {
		return err
	}
	var body projectBody
	if err := decodeIdentityJSON(raw, &body); err != nil {
		return err
	}
	if body.Project == nil {
		return errRequired("project")
	}
	b := body.Project
	if b.Name == nil || *b.Name == "" {
		return errRequired("name")
	}
	if err := checkIdentityName(*b.Name, maxProjectName); err != nil {
		return err
	}
	p := &glimpse.Project{ID: newIdentityID(), Name: *b.Name, DomainID: s.defaultDomain(r), Enabled: true,
		Extra: identityExtra(raw, "project", projectCoreKeys)}
	if b.Tags != nil {
		if err := checkProjectTags(*b.Tags); err != nil {
			return err
		}
		p.Tags = *b.Tags
	}
	if b.DomainID != nil && *b.DomainID != "" {
		p.DomainID = *b.DomainID
	}
	if b.Description != nil {
		p.Description = *b.Description
	}
	if b.Enabled != nil {
		p.Enabled = *b.Enabled
	}
	if _, err := s.Identity.FindDomainByID(r.Context(), p.DomainID); err != nil {
		return notFound(err, "domain", p.DomainID)
	}
	if err := s.Identity.CreateProject(r.Context(), p); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is %s, project id %s.", p.Name, p.ID)
		}
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]projectView{"project": s.projectViewOf(r, p)})
}

// defaultDomain is the domain of new projects and users: the caller's domain scope, the
// domain of its project, or "default".
func (s *Server) defaultDomain(r *http.Request) string {
	p := principal(r)
	switch {
	case p.DomainID != "":
		return p.DomainID
	case p.ProjectDomainID != "":
		return p.ProjectDomainID
	}
	return "default"
}

// handleProjectGet answers GET /v3/projects/{project_id}: admin, or a member of the project.
func (s *Server) handleProjectGet(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("project_id")
	if p := principal(r); !p.IsAdmin() && p.ProjectID != id {
		return forbidden("identity:get_project")
	}
	p, err := s.Identity.FindProjectByID(r.Context(), id)
	if err != nil {
		return notFound(err, "project", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]projectView{"project": s.projectViewOf(r, p)})
}

// handleProjectUpdate answers PATCH /v3/projects/{project_id}: name, description, enabled.
// Disabling a project revokes the tokens scoped to it.
func (s *Server) handleProjectUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:update_project"); err != nil {
		return err
	}
	id := r.PathValue("project_id")
	raw, err := readIdentityBody(r)
	if err != nil {
		return err
	}
	var body projectBody
	if err := decodeIdentityJSON(raw, &body); err != nil {
		return err
	}
	if body.Project == nil {
		return errRequired("project")
	}
	p, err := s.Identity.FindProjectByID(r.Context(), id)
	if err != nil {
		return notFound(err, "project", id)
	}
	b := body.Project
	if b.DomainID != nil && *b.DomainID != p.DomainID {
		return glimpse.Errorf(glimpse.EINVALID, "Cannot change Domain ID. %s", invalidSuffix)
	}
	wasEnabled := p.Enabled
	if b.Name != nil {
		if *b.Name == "" {
			return errRequired("name")
		}
		if err := checkIdentityName(*b.Name, maxProjectName); err != nil {
			return err
		}
		p.Name = *b.Name
	}
	if b.Description != nil {
		p.Description = *b.Description
	}
	if b.Enabled != nil {
		p.Enabled = *b.Enabled
	}
	if b.Tags != nil {
		if err := checkProjectTags(*b.Tags); err != nil {
			return err
		}
		p.Tags = *b.Tags
	}
	p.Extra = mergeExtra(p.Extra, identityExtra(raw, "project", projectCoreKeys))
	if err := s.Identity.UpdateProject(r.Context(), p); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store project - it is not permitted to have two projects with either the same name or same id in the same domain: name is %s, project id %s.", p.Name, p.ID)
		}
		return notFound(err, "project", id)
	}
	if wasEnabled && !p.Enabled {
		if err := s.revokeProject(r.Context(), p.ID); err != nil {
			return err
		}
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]projectView{"project": s.projectViewOf(r, p)})
}

// handleProjectDelete answers DELETE /v3/projects/{project_id}: 204; its assignments go
// and the tokens scoped to it are revoked.
func (s *Server) handleProjectDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_project"); err != nil {
		return err
	}
	id := r.PathValue("project_id")
	if err := s.Identity.DeleteProject(r.Context(), id); err != nil {
		return notFound(err, "project", id)
	}
	if err := s.revokeProject(r.Context(), id); err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// projectsOfUser returns the enabled projects on which the user holds a role directly.
func (s *Server) projectsOfUser(r *http.Request, userID string) ([]*glimpse.Project, error) {
	assignments, err := s.Identity.FindAssignments(r.Context(), glimpse.AssignmentFilter{UserID: userID})
	if err != nil {
		return nil, err
	}
	var projects []*glimpse.Project
	seen := map[string]bool{}
	for _, a := range assignments {
		if a.ProjectID == "" || seen[a.ProjectID] {
			continue
		}
		seen[a.ProjectID] = true
		p, err := s.Identity.FindProjectByID(r.Context(), a.ProjectID)
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if p.Enabled {
			projects = append(projects, p)
		}
	}
	return projects, nil
}
