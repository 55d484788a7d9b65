package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

// ---- roles ("Roles" in the Identity API v3 reference)

const roleSelect = "SELECT id, name, domain_id, description FROM roles"

func scanRole(r rowScanner) (*glimpse.Role, error) {
	role := &glimpse.Role{}
	return role, r.Scan(&role.ID, &role.Name, &role.DomainID, &role.Description)
}

// CreateRole stores r, setting r.ID to a new hex UUID when empty. Role names are unique
// among global roles and within a domain. Errors: ECONFLICT "… Duplicate entry found with
// name <name>.".
func (db *DB) CreateRole(ctx context.Context, r *glimpse.Role) error {
	if r.ID == "" {
		r.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, "INSERT INTO roles (id, name, domain_id, description) VALUES (?, ?, ?, ?)",
			r.ID, r.Name, r.DomainID, r.Description)
		if tx.d.isUniqueViolation(err) {
			return conflict("role", "Duplicate entry found with name %s", r.Name)
		} else if err != nil {
			return fmt.Errorf("insert role: %w", err)
		}
		return nil
	})
}

// FindRoleByID returns a role. Errors: ENOTFOUND "Could not find role: <id>.".
func (db *DB) FindRoleByID(ctx context.Context, id string) (*glimpse.Role, error) {
	return findOne(ctx, db, "role", id, scanRole, roleSelect+" WHERE id = ?", id)
}

// FindRoleByName returns the global role named name. Errors: ENOTFOUND.
func (db *DB) FindRoleByName(ctx context.Context, name string) (*glimpse.Role, error) {
	return findOne(ctx, db, "role", name, scanRole, roleSelect+" WHERE name = ? AND domain_id = ''", name)
}

// FindRoles returns every role, by name.
func (db *DB) FindRoles(ctx context.Context) ([]*glimpse.Role, error) {
	return findAll(ctx, db, "roles", scanRole, roleSelect+" ORDER BY name, id")
}

// DeleteRole deletes a role with its assignments and implications. Errors: ENOTFOUND.
func (db *DB) DeleteRole(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if _, err := tx.exec(ctx, "DELETE FROM role_assignments WHERE role_id = ?", id); err != nil {
			return fmt.Errorf("delete role assignments: %w", err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM implied_roles WHERE prior_role_id = ? OR implied_role_id = ?", id, id); err != nil {
			return fmt.Errorf("delete role implications: %w", err)
		}
		return execOne(ctx, tx, "role", id, "DELETE FROM roles WHERE id = ?", id)
	})
}

// CreateImpliedRole records that the prior role implies another ("Create role inference
// rule"); it does nothing when the rule exists. Errors: ENOTFOUND for an unknown role.
func (db *DB) CreateImpliedRole(ctx context.Context, ir glimpse.ImpliedRole) error {
	return db.writeTx(ctx, func(tx *tx) error {
		for _, id := range []string{ir.PriorRoleID, ir.ImpliedRoleID} {
			if err := mustExist(ctx, tx, "roles", "role", id); err != nil {
				return err
			}
		}
		if _, err := tx.exec(ctx, tx.d.insertIgnore("implied_roles", "prior_role_id", "implied_role_id"),
			ir.PriorRoleID, ir.ImpliedRoleID); err != nil {
			return fmt.Errorf("insert implied role: %w", err)
		}
		return nil
	})
}

// FindImpliedRoles returns every inference rule.
func (db *DB) FindImpliedRoles(ctx context.Context) ([]glimpse.ImpliedRole, error) {
	ptrs, err := findAll(ctx, db, "implied roles", func(r rowScanner) (*glimpse.ImpliedRole, error) {
		ir := &glimpse.ImpliedRole{}
		return ir, r.Scan(&ir.PriorRoleID, &ir.ImpliedRoleID)
	}, "SELECT prior_role_id, implied_role_id FROM implied_roles ORDER BY prior_role_id, implied_role_id")
	if err != nil {
		return nil, err
	}
	out := make([]glimpse.ImpliedRole, len(ptrs))
	for i, p := range ptrs {
		out[i] = *p
	}
	return out, nil
}

// ---- role assignments ("Roles": assign role to user on project / domain / system)

// Target types of role_assignments.target_type.
const (
	targetProject = "project"
	targetDomain  = "domain"
	targetSystem  = "system"
	systemAll     = "all" // target_id of system assignments
)

// assignmentTarget returns the target type and id of a, which must name exactly one target.
func assignmentTarget(a glimpse.RoleAssignment) (string, string, error) {
	n := 0
	typ, id := "", ""
	if a.ProjectID != "" {
		n++
		typ, id = targetProject, a.ProjectID
	}
	if a.DomainID != "" {
		n++
		typ, id = targetDomain, a.DomainID
	}
	if a.System {
		n++
		typ, id = targetSystem, systemAll
	}
	if n != 1 {
		return "", "", glimpse.Errorf(glimpse.EINVALID, "Specify one of domain, project or system.")
	}
	return typ, id, nil
}

// CreateAssignment grants a.RoleID to a.UserID on its one target; it does nothing when the
// grant exists. Errors: EINVALID unless exactly one target is set; ENOTFOUND for an
// unknown role, user, project or domain.
func (db *DB) CreateAssignment(ctx context.Context, a glimpse.RoleAssignment) error {
	typ, target, err := assignmentTarget(a)
	if err != nil {
		return err
	}
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "roles", "role", a.RoleID); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "users", "user", a.UserID); err != nil {
			return err
		}
		switch typ {
		case targetProject:
			err = mustExist(ctx, tx, "projects", "project", target)
		case targetDomain:
			err = mustExist(ctx, tx, "domains", "domain", target)
		}
		if err != nil {
			return err
		}
		if _, err := tx.exec(ctx, tx.d.insertIgnore("role_assignments", "user_id", "target_type", "target_id", "role_id"),
			a.UserID, typ, target, a.RoleID); err != nil {
			return fmt.Errorf("insert role assignment: %w", err)
		}
		return nil
	})
}

// FindAssignments returns the assignments matching every non-empty field of f.
func (db *DB) FindAssignments(ctx context.Context, f glimpse.AssignmentFilter) ([]glimpse.RoleAssignment, error) {
	var b sqlBuilder
	if f.UserID != "" {
		b.add("user_id = ?", f.UserID)
	}
	if f.RoleID != "" {
		b.add("role_id = ?", f.RoleID)
	}
	if f.ProjectID != "" {
		b.add("target_type = ? AND target_id = ?", targetProject, f.ProjectID)
	}
	if f.DomainID != "" {
		b.add("target_type = ? AND target_id = ?", targetDomain, f.DomainID)
	}
	if f.System != nil {
		if *f.System {
			b.add("target_type = ?", targetSystem)
		} else {
			b.add("target_type <> ?", targetSystem)
		}
	}
	out := []glimpse.RoleAssignment{}
	err := db.readTx(ctx, func(tx *tx) error {
		return eachRow(ctx, tx, "SELECT user_id, target_type, target_id, role_id FROM role_assignments"+b.whereSQL()+
			" ORDER BY user_id, target_type, target_id, role_id", b.args, func(r *sql.Rows) error {
			var a glimpse.RoleAssignment
			var typ, target string
			if err := r.Scan(&a.UserID, &typ, &target, &a.RoleID); err != nil {
				return err
			}
			switch typ {
			case targetProject:
				a.ProjectID = target
			case targetDomain:
				a.DomainID = target
			case targetSystem:
				a.System = true
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("select role assignments: %w", err)
	}
	return out, nil
}

// DeleteAssignment revokes a grant. Errors: EINVALID unless exactly one target is set;
// ENOTFOUND "Could not find role assignment with role: <r>, user or group: <u>, project,
// domain, or system: <t>." when there is no such grant.
func (db *DB) DeleteAssignment(ctx context.Context, a glimpse.RoleAssignment) error {
	typ, target, err := assignmentTarget(a)
	if err != nil {
		return err
	}
	return db.writeTx(ctx, func(tx *tx) error {
		n, err := tx.execAffected(ctx, "DELETE FROM role_assignments WHERE user_id = ? AND target_type = ? AND target_id = ? AND role_id = ?",
			a.UserID, typ, target, a.RoleID)
		if err != nil {
			return fmt.Errorf("delete role assignment: %w", err)
		} else if n == 0 {
			return glimpse.Errorf(glimpse.ENOTFOUND,
				"Could not find role assignment with role: %s, user or group: %s, project, domain, or system: %s.",
				a.RoleID, a.UserID, target)
		}
		return nil
	})
}
