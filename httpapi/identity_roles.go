package httpapi

import (
	"net/http"

	"github.com/glimpse-image/glimpse"
)

// roleView is a role as Keystone shows it ("Roles" in the Identity API v3 reference).
type roleView struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	DomainID    *string        `json:"domain_id"`
	Description *string        `json:"description"`
	Options     map[string]any `json:"options"`
	Links       resourceLinks  `json:"links"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) roleViewOf(r *http.Request, role *glimpse.Role) roleView {
	return roleView{ID: role.ID, Name: role.Name, DomainID: nullable(role.DomainID),
		Description: nullable(role.Description), Options: map[string]any{}, Links: s.linksOf(r, "roles", role.ID)}
}

func (s *Server) writeRoles(w http.ResponseWriter, r *http.Request, roles []*glimpse.Role) error {
	views := []roleView{}
	for _, role := range roles {
		views = append(views, s.roleViewOf(r, role))
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		Roles []roleView      `json:"roles"`
		Links collectionLinks `json:"links"`
	}{views, s.collectionLinksOf(r)})
}

type roleBody struct {
	Role *struct {
		Name        *string `json:"name"`
		DomainID    *string `json:"domain_id"`
		Description *string `json:"description"`
	} `json:"role"`
}

// handleRoleList answers GET /v3/roles (?name); admin only.
func (s *Server) handleRoleList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_roles"); err != nil {
		return err
	}
	all, err := s.Identity.FindRoles(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var roles []*glimpse.Role
	for _, role := range all {
		if q.Has("name") && role.Name != q.Get("name") || q.Has("domain_id") && role.DomainID != q.Get("domain_id") {
			continue
		}
		roles = append(roles, role)
	}
	return s.writeRoles(w, r, roles)
}

// handleRoleCreate answers POST /v3/roles: 201 {"role": {...}}.
func (s *Server) handleRoleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_role"); err != nil {
		return err
	}
	var body roleBody
	if err := decodeIdentityBody(r, &body); err != nil {
		return err
	}
	if body.Role == nil {
		return errRequired("role")
	}
	b := body.Role
	if b.Name == nil || *b.Name == "" {
		return errRequired("name")
	}
	role := &glimpse.Role{ID: newIdentityID(), Name: *b.Name}
	if b.DomainID != nil {
		role.DomainID = *b.DomainID
	}
	if b.Description != nil {
		role.Description = *b.Description
	}
	if err := s.Identity.CreateRole(r.Context(), role); err != nil {
		if glimpse.ErrorCode(err) == glimpse.ECONFLICT {
			return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store role - Duplicate entry found with name %s.", role.Name)
		}
		return err
	}
	return writeKeystoneJSON(w, http.StatusCreated, map[string]roleView{"role": s.roleViewOf(r, role)})
}

// handleRoleGet answers GET /v3/roles/{role_id}; admin only.
func (s *Server) handleRoleGet(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:get_role"); err != nil {
		return err
	}
	id := r.PathValue("role_id")
	role, err := s.Identity.FindRoleByID(r.Context(), id)
	if err != nil {
		return notFound(err, "role", id)
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]roleView{"role": s.roleViewOf(r, role)})
}

// handleRoleDelete answers DELETE /v3/roles/{role_id}: 204; its assignments and
// implications go.
func (s *Server) handleRoleDelete(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:delete_role"); err != nil {
		return err
	}
	id := r.PathValue("role_id")
	if err := s.Identity.DeleteRole(r.Context(), id); err != nil {
		return notFound(err, "role", id)
	}
	writeNoBody(w, http.StatusNoContent)
	return nil
}

// roleRef is a role in a role inference: {"id", "links", "name"}.
type roleRef struct {
	ID    string        `json:"id"`
	Links resourceLinks `json:"links"`
	Name  string        `json:"name"`
}

// handleRoleInferences answers GET /v3/role_inferences: every prior role with the roles it
// implies directly; admin only.
func (s *Server) handleRoleInferences(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_role_inference_rules"); err != nil {
		return err
	}
	implied, err := s.Identity.FindImpliedRoles(r.Context())
	if err != nil {
		return err
	}
	roles, err := s.rolesByID(r)
	if err != nil {
		return err
	}
	type inference struct {
		PriorRole roleRef   `json:"prior_role"`
		Implies   []roleRef `json:"implies"`
	}
	ref := func(id string) roleRef {
		name := ""
		if role := roles[id]; role != nil {
			name = role.Name
		}
		return roleRef{ID: id, Links: s.linksOf(r, "roles", id), Name: name}
	}
	var inferences []inference
	index := map[string]int{}
	for _, ir := range implied {
		i, ok := index[ir.PriorRoleID]
		if !ok {
			i = len(inferences)
			index[ir.PriorRoleID] = i
			inferences = append(inferences, inference{PriorRole: ref(ir.PriorRoleID)})
		}
		inferences[i].Implies = append(inferences[i].Implies, ref(ir.ImpliedRoleID))
	}
	if inferences == nil {
		inferences = []inference{}
	}
	return writeKeystoneJSON(w, http.StatusOK, map[string]any{"role_inferences": inferences})
}

func (s *Server) rolesByID(r *http.Request) (map[string]*glimpse.Role, error) {
	all, err := s.Identity.FindRoles(r.Context())
	if err != nil {
		return nil, err
	}
	m := make(map[string]*glimpse.Role, len(all))
	for _, role := range all {
		m[role.ID] = role
	}
	return m, nil
}

// handleImpliedRoleList answers GET /v3/roles/{prior_role_id}/implies: the roles a role
// implies directly; admin only.
func (s *Server) handleImpliedRoleList(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:list_implied_roles"); err != nil {
		return err
	}
	priorID := r.PathValue("prior_role_id")
	roles, err := s.rolesByID(r)
	if err != nil {
		return err
	}
	prior := roles[priorID]
	if prior == nil {
		return notFound(glimpse.Errorf(glimpse.ENOTFOUND, ""), "role", priorID)
	}
	implied, err := s.Identity.FindImpliedRoles(r.Context())
	if err != nil {
		return err
	}
	implies := []roleRef{}
	for _, ir := range implied {
		if ir.PriorRoleID == priorID && roles[ir.ImpliedRoleID] != nil {
			implies = append(implies, roleRef{ID: ir.ImpliedRoleID, Links: s.linksOf(r, "roles", ir.ImpliedRoleID),
				Name: roles[ir.ImpliedRoleID].Name})
		}
	}
	type inference struct {
		PriorRole roleRef   `json:"prior_role"`
		Implies   []roleRef `json:"implies"`
	}
	return writeKeystoneJSON(w, http.StatusOK, struct {
		RoleInference inference     `json:"role_inference"`
		Links         resourceLinks `json:"links"`
	}{inference{roleRef{ID: prior.ID, Links: s.linksOf(r, "roles", prior.ID), Name: prior.Name}, implies},
		resourceLinks{Self: s.selfURL(r)}})
}

// handleImpliedRoleCreate answers PUT /v3/roles/{prior_role_id}/implies/{implied_role_id}:
// 201 {"role_inference": {"prior_role": {...}, "implies": {...}}}; idempotent.
func (s *Server) handleImpliedRoleCreate(w http.ResponseWriter, r *http.Request) error {
	if err := requireAdmin(r, "identity:create_implied_role"); err != nil {
		return err
	}
	priorID, impliedID := r.PathValue("prior_role_id"), r.PathValue("implied_role_id")
	prior, err := s.Identity.FindRoleByID(r.Context(), priorID)
	if err != nil {
		return notFound(err, "role", priorID)
	}
	implied, err := s.Identity.FindRoleByID(r.Context(), impliedID)
	if err != nil {
		return notFound(err, "role", impliedID)
	}
	if priorID == impliedID {
		return glimpse.Errorf(glimpse.EFORBIDDEN, "%s is not a valid role implication: a role cannot imply itself.", priorID)
	}
	if err := s.Identity.CreateImpliedRole(r.Context(), glimpse.ImpliedRole{PriorRoleID: priorID, ImpliedRoleID: impliedID}); err != nil {
		return err
	}
	type inference struct {
		PriorRole roleRef `json:"prior_role"`
		Implies   roleRef `json:"implies"`
	}
	return writeKeystoneJSON(w, http.StatusCreated, struct {
		RoleInference inference     `json:"role_inference"`
		Links         resourceLinks `json:"links"`
	}{inference{roleRef{ID: prior.ID, Links: s.linksOf(r, "roles", prior.ID), Name: prior.Name},
		roleRef{ID: implied.ID, Links: s.linksOf(r, "roles", implied.ID), Name: implied.Name}},
		resourceLinks{Self: s.selfURL(r)}})
}
