package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// grantTarget reads the target of a grant route: /v3/projects/{project_id}/...,
// /v3/domains/{domain_id}/... or /v3/system/..., checking that it exists.
func (s *Server) grantTarget(r *http.Request) (glimpse.RoleAssignment, error) {
	var a glimpse.RoleAssignment
	switch {
	case r.PathValue("project_id") != "":
		a.ProjectID = r.PathValue("project_id")
		if _, err := s.Identity.FindProjectByID(r.Context(), a.ProjectID); err != nil {
			return a, notFound(err, "project", a.ProjectID)
		}
	case r.PathValue("domain_id") != "":
		a.DomainID = r.PathValue("domain_id")
		if _, err := s.Identity.FindDomainByID(r.Context(), a.DomainID); err != nil {
			return a, notFound(err, "domain", a.DomainID)
		}
	default:
		a.System = true
	}
	return a, nil
}

// grant reads and checks the role, user and target of a grant route.
func (s *Server) grant(r *http.Request) (glimpse.RoleAssignment, error) {
	roleID, userID := r.PathValue("role_id"), r.PathValue("user_id")
	if _, err := s.Identity.FindRoleByID(r.Context(), roleID); err != nil {
		return glimpse.RoleAssignment{}, notFound(err, "role", roleID)
	}
	a, err := s.grantTarget(r)
	if err != nil {
		return a, err
	}
	if _, err := s.Identity.FindUserByID(r.Context(), userID); err != nil {
		return a, notFound(err, "user", userID)
	}
	a.RoleID, a.UserID = roleID, userID
	return a, nil
}

// grantPolicy names the Keystone policy of a grant route, e.g. identity:create_grant or
// identity:create_system_grant_for_user.
func grantPolicy(r *http.Request, action string) string {
	if r.PathValue("project_id") == "" && r.PathValue("domain_id") == "" {
		return "identity:" + action + "_system_grant_for_user"
	}
	return "identity:" + action + "_grant"
}

// assignmentFilter is the store filter that matches exactly a.
func assignmentFilter(a glimpse.RoleAssignment) glimpse.AssignmentFilter {
	f := glimpse.AssignmentFilter{UserID: a.UserID, ProjectID: a.ProjectID, DomainID: a.DomainID, RoleID: a.RoleID}
	if a.System {
		f.System = &a.System
	}
	return f
}

// targetID is what Keystone's "Could not find role assignment" message names as the target.
func targetID(a glimpse.RoleAssignment) string {
	switch {
	case a.ProjectID != "":
		return a.ProjectID
	case a.DomainID != "":
		return a.DomainID
	}
	return "system"
}

// handleGrantCreate answers PUT .../users/{user_id}/roles/{role_id}: 204 (idempotent).
func (s *Server) handleGrantCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, grantPolicy(r, "create")); err != nil {
		return err
	}
	a, err := s.grant(r)
	if err != nil {
		return err
	}
	if err := s.Identity.CreateAssignment(r.Context(), a); err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleGrantCheck answers GET and HEAD .../users/{user_id}/roles/{role_id}: 204 when the
// grant exists, 404 otherwise.
func (s *Server) handleGrantCheck(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, grantPolicy(r, "check")); err != nil {
		return err
	}
	a, err := s.grant(r)
	if err != nil {
		return err
	}
	found, err := s.Identity.FindAssignments(r.Context(), assignmentFilter(a))
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return glimpse.Errorf(glimpse.ENOTFOUND, "Could not find role assignment with role: %s, user or group: %s, project, domain, or system: %s.", a.RoleID, a.UserID, targetID(a))
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleGrantDelete answers DELETE .../users/{user_id}/roles/{role_id}: 204, and the user's
// tokens on that target are revoked (all of them for a domain or system grant).
func (s *Server) handleGrantDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, grantPolicy(r, "revoke")); err != nil {
		return err
	}
	a, err := s.grant(r)
	if err != nil {
		return err
	}
	if err := s.Identity.DeleteAssignment(r.Context(), a); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ENOTFOUND {
			return glimpse.Errorf(glimpse.ENOTFOUND, "Could not find role assignment with role: %s, user or group: %s, project, domain, or system: %s.", a.RoleID, a.UserID, targetID(a))
		}
		return err
	}
	if a.ProjectID != "" {
		err = s.revokeUserProject(r.Context(), a.UserID, a.ProjectID)
	} else {
		err = s.revokeUser(r.Context(), a.UserID)
	}
	if err != nil {
		return err
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// handleGrantList answers GET .../users/{user_id}/roles: the roles granted directly.
func (s *Server) handleGrantList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, grantPolicy(r, "list")+"s"); err != nil {
		return err
	}
	a, err := s.grantTarget(r)
	if err != nil {
		return err
	}
	a.UserID = r.PathValue("user_id")
	if _, err := s.Identity.FindUserByID(r.Context(), a.UserID); err != nil {
		return notFound(err, "user", a.UserID)
	}
	found, err := s.Identity.FindAssignments(r.Context(), assignmentFilter(a))
	if err != nil {
		return err
	}
	byID, err := s.rolesByID(r)
	if err != nil {
		return err
	}
	var roles []*glimpse.Role
	for _, x := range found {
		if role := byID[x.RoleID]; role != nil {
			roles = append(roles, role)
		}
	}
	return s.writeRoles(w, r, roles)
}

// assignmentView is one entry of GET /v3/role_assignments.
type assignmentView struct {
	Links assignmentLinks   `json:"links"`
	Scope assignmentScope   `json:"scope"`
	User  assignmentSubject `json:"user"`
	Role  assignmentRole    `json:"role"`
}

type assignmentLinks struct {
	Assignment string `json:"assignment"`
	PriorRole  string `json:"prior_role,omitempty"`
}

type assignmentScope struct {
	Project *assignmentSubject `json:"project,omitempty"`
	Domain  *assignmentRole    `json:"domain,omitempty"`
	System  map[string]bool    `json:"system,omitempty"`
}

// assignmentSubject is a user or project: id, with name and domain when include_names.
type assignmentSubject struct {
	ID     string          `json:"id"`
	Name   string          `json:"name,omitempty"`
	Domain *assignmentRole `json:"domain,omitempty"`
}

// assignmentRole is a role or domain: id, with name when include_names.
type assignmentRole struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// handleRoleAssignmentList answers GET /v3/role_assignments with the filters user.id,
// role.id, scope.project.id, scope.domain.id, scope.system=all, effective (implied roles
// added, each linked to its prior role) and include_names; admin only.
func (s *Server) handleRoleAssignmentList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_role_assignments"); err != nil {
		return err
	}
	q := r.URL.Query()
	f := glimpse.AssignmentFilter{UserID: q.Get("user.id"), ProjectID: q.Get("scope.project.id"),
		DomainID: q.Get("scope.domain.id")}
	if q.Has("scope.system") {
		system := true
		f.System = &system
	}
	if q.Has("group.id") {
		return writeAssignments(w, r, s, nil) // glimpse has no groups
	}
	found, err := s.Identity.FindAssignments(r.Context(), f)
	if err != nil {
		return err
	}
	type entry struct {
		a     glimpse.RoleAssignment
		prior string // the role that directly implies this one (effective only)
	}
	var entries []entry
	for _, a := range found {
		entries = append(entries, entry{a: a})
	}
	if q.Has("effective") {
		implied, err := s.Identity.FindImpliedRoles(r.Context())
		if err != nil {
			return err
		}
		for i := 0; i < len(entries); i++ { // entries grows as implied roles are found
			for _, ir := range implied {
				if ir.PriorRoleID != entries[i].a.RoleID {
					continue
				}
				x := entries[i].a
				x.RoleID = ir.ImpliedRoleID
				dup := false
				for _, e := range entries {
					if e.a == x {
						dup = true
						break
					}
				}
				if !dup {
					// Keystone links an implied role to the role that implies it directly.
					entries = append(entries, entry{a: x, prior: entries[i].a.RoleID})
				}
			}
		}
	}
	roleFilter := q.Get("role.id")
	names := q.Has("include_names")
	n := &namer{s: s, r: r}
	var views []assignmentView
	for _, e := range entries {
		a := e.a
		if roleFilter != "" && a.RoleID != roleFilter {
			continue
		}
		link := s.identityBase(r) + "/v3"
		v := assignmentView{User: assignmentSubject{ID: a.UserID}, Role: assignmentRole{ID: a.RoleID}}
		assigned := a.RoleID
		if e.prior != "" {
			assigned = e.prior
		}
		switch {
		case a.ProjectID != "":
			v.Scope.Project = &assignmentSubject{ID: a.ProjectID}
			link += "/projects/" + a.ProjectID
		case a.DomainID != "":
			v.Scope.Domain = &assignmentRole{ID: a.DomainID}
			link += "/domains/" + a.DomainID
		default:
			v.Scope.System = map[string]bool{"all": true}
			link += "/system"
		}
		v.Links.Assignment = link + "/users/" + a.UserID + "/roles/" + assigned
		if e.prior != "" {
			// Keystone's link names the implied role first: prior_role/<implied>/implies/<prior>.
			v.Links.PriorRole = s.identityBase(r) + "/v3/prior_role/" + a.RoleID + "/implies/" + e.prior
		}
		if names {
			if err := n.fill(&v); err != nil {
				return err
			}
		}
		views = append(views, v)
	}
	return writeAssignments(w, r, s, views)
}

func writeAssignments(w http.ResponseWriter, r *http.Request, s *Server, views []assignmentView) error {
	if views == nil {
		views = []assignmentView{}
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		RoleAssignments []assignmentView `json:"role_assignments"`
		Links           collectionLinks  `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

// namer adds names to assignment views (include_names), reading each object once.
type namer struct {
	s        *Server
	r        *http.Request
	roles    map[string]*glimpse.Role
	users    map[string]*glimpse.User
	projects map[string]*glimpse.Project
	domains  map[string]*glimpse.Domain
}

func (n *namer) fill(v *assignmentView) error {
	ctx := n.r.Context()
	if n.roles == nil {
		var err error
		if n.roles, err = n.s.rolesByID(n.r); err != nil {
			return err
		}
		n.users, n.projects, n.domains = map[string]*glimpse.User{}, map[string]*glimpse.Project{}, map[string]*glimpse.Domain{}
	}
	domain := func(id string) (*assignmentRole, error) {
		d, ok := n.domains[id]
		if !ok {
			var err error
			if d, err = n.s.Identity.FindDomainByID(ctx, id); err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
				return nil, err
			}
			n.domains[id] = d
		}
		if d == nil {
			return &assignmentRole{ID: id}, nil
		}
		return &assignmentRole{ID: d.ID, Name: d.Name}, nil
	}
	if role := n.roles[v.Role.ID]; role != nil {
		v.Role.Name = role.Name
	}
	u, ok := n.users[v.User.ID]
	if !ok {
		var err error
		if u, err = n.s.Identity.FindUserByID(ctx, v.User.ID); err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
			return err
		}
		n.users[v.User.ID] = u
	}
	if u != nil {
		d, err := domain(u.DomainID)
		if err != nil {
			return err
		}
		v.User.Name, v.User.Domain = u.Name, d
	}
	if v.Scope.Project != nil {
		id := v.Scope.Project.ID
		p, ok := n.projects[id]
		if !ok {
			var err error
			if p, err = n.s.Identity.FindProjectByID(ctx, id); err != nil && glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
				return err
			}
			n.projects[id] = p
		}
		if p != nil {
			d, err := domain(p.DomainID)
			if err != nil {
				return err
			}
			v.Scope.Project.Name, v.Scope.Project.Domain = p.Name, d
		}
	}
	if v.Scope.Domain != nil {
		d, err := domain(v.Scope.Domain.ID)
		if err != nil {
			return err
		}
		v.Scope.Domain = d
	}
	return nil
}
