package identity

import (
	"context"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

// EffectiveRoles returns the roles the assignments matching f grant, each once: the
// assigned roles first (in assignment order), then the roles they imply, transitively
// (Keystone's "implied roles": admin ⇒ member ⇒ reader after bootstrap).
// The filter must name the target precisely (a project, a domain, or System), as every
// empty field of an AssignmentFilter matches anything.
func (s *Service) EffectiveRoles(ctx context.Context, f glimpse.AssignmentFilter) ([]glimpse.Role, error) {
	assignments, err := s.store.FindAssignments(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("identity: find assignments: %w", err)
	}
	if len(assignments) == 0 {
		return nil, nil
	}
	var ids []string
	for _, a := range assignments {
		ids = append(ids, a.RoleID)
	}
	return ExpandRoles(ctx, s.store, ids)
}

// ExpandRoles returns the roles with the given ids and every role they imply, transitively,
// each once, assigned ones first. Ids of roles that no longer exist are skipped.
func ExpandRoles(ctx context.Context, store glimpse.IdentityStore, ids []string) ([]glimpse.Role, error) {
	all, err := store.FindRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: find roles: %w", err)
	}
	byID := make(map[string]*glimpse.Role, len(all))
	for _, r := range all {
		byID[r.ID] = r
	}
	implied, err := store.FindImpliedRoles(ctx)
	if err != nil {
		return nil, fmt.Errorf("identity: find implied roles: %w", err)
	}
	implies := map[string][]string{}
	for _, ir := range implied {
		implies[ir.PriorRoleID] = append(implies[ir.PriorRoleID], ir.ImpliedRoleID)
	}
	var roles []glimpse.Role
	seen := map[string]bool{}
	queue := append([]string(nil), ids...)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if seen[id] {
			continue
		}
		seen[id] = true
		r, ok := byID[id]
		if !ok {
			continue
		}
		roles = append(roles, glimpse.Role{ID: r.ID, Name: r.Name, DomainID: r.DomainID, Description: r.Description})
		queue = append(queue, implies[id]...)
	}
	return roles, nil
}
