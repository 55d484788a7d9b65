package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.IdentityStore = (*DB)(nil)

// newKeystoneID returns a UUID v4 as 32 hex digits, as Keystone makes ids.
func newKeystoneID() string { return strings.ReplaceAll(uuid.NewString(), "-", "") }

// notFound is Keystone's 404 message: "Could not find <kind>: <id>.".
func notFound(kind, id string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "Could not find %s: %s.", kind, id)
}

// conflict is Keystone's 409 message: "Conflict occurred attempting to store <kind> - <details>.".
func conflict(kind, format string, args ...any) error {
	return glimpse.Errorf(glimpse.ECONFLICT, "Conflict occurred attempting to store %s - %s.", kind, fmt.Sprintf(format, args...))
}

// writeTx runs fn in a write transaction and commits it when fn succeeds.
func (db *DB) writeTx(ctx context.Context, fn func(tx *tx) error) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.commit()
}

// readTx runs fn in a read-only transaction.
func (db *DB) readTx(ctx context.Context, fn func(tx *tx) error) error {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// findOne scans the single row of q with scan; ENOTFOUND (kind, id) when there is none.
func findOne[T any](ctx context.Context, db *DB, kind, id string, scan func(rowScanner) (*T, error), q string, args ...any) (*T, error) {
	var out *T
	err := db.readTx(ctx, func(tx *tx) error {
		v, err := scan(tx.queryRow(ctx, q, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(kind, id)
		} else if err != nil {
			return fmt.Errorf("select %s: %w", kind, err)
		}
		out = v
		return nil
	})
	return out, err
}

// findAll scans every row of q with scan.
func findAll[T any](ctx context.Context, db *DB, kind string, scan func(rowScanner) (*T, error), q string, args ...any) ([]*T, error) {
	out := []*T{}
	err := db.readTx(ctx, func(tx *tx) error {
		return eachRow(ctx, tx, q, args, func(r *sql.Rows) error {
			v, err := scan(r)
			if err == nil {
				out = append(out, v)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("select %s: %w", kind, err)
	}
	return out, nil
}

// execOne runs a write that must change one row; ENOTFOUND (kind, id) when it changes none.
func execOne(ctx context.Context, tx *tx, kind, id, q string, args ...any) error {
	n, err := tx.execAffected(ctx, q, args...)
	if err != nil {
		return err
	} else if n == 0 {
		return notFound(kind, id)
	}
	return nil
}

// mustExist returns ENOTFOUND (kind, id) unless the table has a row with that id.
func mustExist(ctx context.Context, tx *tx, table, kind, id string) error {
	ok, err := tx.exists(ctx, "SELECT 1 FROM "+table+" WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("select %s: %w", kind, err)
	} else if !ok {
		return notFound(kind, id)
	}
	return nil
}

// ---- domains ("Domains" in the Identity API v3 reference)

const domainSelect = "SELECT id, name, description, enabled FROM domains"

func scanDomain(r rowScanner) (*glimpse.Domain, error) {
	d := &glimpse.Domain{}
	return d, r.Scan(&d.ID, &d.Name, &d.Description, &d.Enabled)
}

// CreateDomain stores d, setting d.ID to a new hex UUID when empty.
// Errors: ECONFLICT for a duplicate id or name.
func (db *DB) CreateDomain(ctx context.Context, d *glimpse.Domain) error {
	if d.ID == "" {
		d.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, "INSERT INTO domains (id, name, description, enabled) VALUES (?, ?, ?, ?)",
			d.ID, d.Name, d.Description, d.Enabled)
		return domainWriteError(tx, d, err)
	})
}

func domainWriteError(tx *tx, d *glimpse.Domain, err error) error {
	if tx.d.isUniqueViolation(err) {
		return conflict("domain", "Duplicate entry found with name %s", d.Name)
	} else if err != nil {
		return fmt.Errorf("write domain: %w", err)
	}
	return nil
}

// FindDomainByID returns a domain. Errors: ENOTFOUND "Could not find domain: <id>.".
func (db *DB) FindDomainByID(ctx context.Context, id string) (*glimpse.Domain, error) {
	return findOne(ctx, db, "domain", id, scanDomain, domainSelect+" WHERE id = ?", id)
}

// FindDomainByName returns the domain named name. Errors: ENOTFOUND.
func (db *DB) FindDomainByName(ctx context.Context, name string) (*glimpse.Domain, error) {
	return findOne(ctx, db, "domain", name, scanDomain, domainSelect+" WHERE name = ?", name)
}

// FindDomains returns every domain, by name.
func (db *DB) FindDomains(ctx context.Context) ([]*glimpse.Domain, error) {
	return findAll(ctx, db, "domains", scanDomain, domainSelect+" ORDER BY name, id")
}

// UpdateDomain stores the name, description and enabled flag of d.
// Errors: ENOTFOUND; ECONFLICT for a name taken by another domain.
func (db *DB) UpdateDomain(ctx context.Context, d *glimpse.Domain) error {
	return db.writeTx(ctx, func(tx *tx) error {
		n, err := tx.execAffected(ctx, "UPDATE domains SET name = ?, description = ?, enabled = ? WHERE id = ?",
			d.Name, d.Description, d.Enabled, d.ID)
		if err := domainWriteError(tx, d, err); err != nil {
			return err
		} else if n == 0 {
			return notFound("domain", d.ID)
		}
		return nil
	})
}

// DeleteDomain deletes a domain with its projects, users, roles and every assignment on
// or of them (Keystone deletes a domain's contents with it). Errors: ENOTFOUND.
func (db *DB) DeleteDomain(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		for _, q := range []string{
			"DELETE FROM role_assignments WHERE target_type = 'project' AND target_id IN (SELECT id FROM projects WHERE domain_id = ?)",
			"DELETE FROM role_assignments WHERE target_type = 'domain' AND target_id = ?",
			"DELETE FROM roles WHERE domain_id = ?",
		} {
			if _, err := tx.exec(ctx, q, id); err != nil {
				return fmt.Errorf("delete domain contents: %w", err)
			}
		}
		// projects and users (and so their assignments) cascade.
		return execOne(ctx, tx, "domain", id, "DELETE FROM domains WHERE id = ?", id)
	})
}

// ---- projects ("Projects")

const projectSelect = "SELECT id, name, domain_id, description, enabled, tags, extra FROM projects"

func scanProject(r rowScanner) (*glimpse.Project, error) {
	p := &glimpse.Project{}
	var tags, extra sql.NullString
	if err := r.Scan(&p.ID, &p.Name, &p.DomainID, &p.Description, &p.Enabled, &tags, &extra); err != nil {
		return p, err
	}
	if err := decodeJSONColumn(tags, &p.Tags); err != nil {
		return p, fmt.Errorf("project %s tags: %w", p.ID, err)
	}
	if err := decodeJSONColumn(extra, &p.Extra); err != nil {
		return p, fmt.Errorf("project %s extra: %w", p.ID, err)
	}
	return p, nil
}

// jsonColumn is v (a list or an object) as a JSON text column: NULL when empty.
func jsonColumn(v any, empty bool) (sql.NullString, error) {
	if empty {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	return sql.NullString{String: string(b), Valid: true}, err
}

// decodeJSONColumn decodes a JSON text column into v; NULL leaves v as it is.
func decodeJSONColumn(col sql.NullString, v any) error {
	if !col.Valid || col.String == "" {
		return nil
	}
	return json.Unmarshal([]byte(col.String), v)
}

func projectWriteError(tx *tx, p *glimpse.Project, err error) error {
	if tx.d.isUniqueViolation(err) {
		return conflict("project", "it is not permitted to have two projects with either the same name or same id in the same domain: name is %s, project id %s", p.Name, p.ID)
	} else if err != nil {
		return fmt.Errorf("write project: %w", err)
	}
	return nil
}

// CreateProject stores p, setting p.ID to a new hex UUID when empty. Errors: ENOTFOUND for
// an unknown domain; ECONFLICT for a duplicate id or a name taken in the domain.
func (db *DB) CreateProject(ctx context.Context, p *glimpse.Project) error {
	if p.ID == "" {
		p.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "domains", "domain", p.DomainID); err != nil {
			return err
		}
		tags, extra, err := projectJSON(p)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, "INSERT INTO projects (id, name, domain_id, description, enabled, tags, extra) VALUES (?, ?, ?, ?, ?, ?, ?)",
			p.ID, p.Name, p.DomainID, p.Description, p.Enabled, tags, extra)
		return projectWriteError(tx, p, err)
	})
}

// FindProjectByID returns a project. Errors: ENOTFOUND "Could not find project: <id>.".
func (db *DB) FindProjectByID(ctx context.Context, id string) (*glimpse.Project, error) {
	return findOne(ctx, db, "project", id, scanProject, projectSelect+" WHERE id = ?", id)
}

// FindProjectByName returns the project named name in a domain. Errors: ENOTFOUND.
func (db *DB) FindProjectByName(ctx context.Context, domainID, name string) (*glimpse.Project, error) {
	return findOne(ctx, db, "project", name, scanProject, projectSelect+" WHERE domain_id = ? AND name = ?", domainID, name)
}

// FindProjects returns the projects of a domain ("" for all), by name.
func (db *DB) FindProjects(ctx context.Context, domainID string) ([]*glimpse.Project, error) {
	if domainID == "" {
		return findAll(ctx, db, "projects", scanProject, projectSelect+" ORDER BY name, id")
	}
	return findAll(ctx, db, "projects", scanProject, projectSelect+" WHERE domain_id = ? ORDER BY name, id", domainID)
}

// UpdateProject stores the name, domain, description, enabled flag, tags and extra
// attributes of p.
// Errors: ENOTFOUND (project or domain); ECONFLICT for a name taken in the domain.
func (db *DB) UpdateProject(ctx context.Context, p *glimpse.Project) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "projects", "project", p.ID); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "domains", "domain", p.DomainID); err != nil {
			return err
		}
		tags, extra, err := projectJSON(p)
		if err != nil {
			return err
		}
		_, err = tx.exec(ctx, "UPDATE projects SET name = ?, domain_id = ?, description = ?, enabled = ?, tags = ?, extra = ? WHERE id = ?",
			p.Name, p.DomainID, p.Description, p.Enabled, tags, extra, p.ID)
		return projectWriteError(tx, p, err)
	})
}

func projectJSON(p *glimpse.Project) (tags, extra sql.NullString, err error) {
	if tags, err = jsonColumn(p.Tags, len(p.Tags) == 0); err != nil {
		return tags, extra, fmt.Errorf("encode project tags: %w", err)
	}
	if extra, err = jsonColumn(p.Extra, len(p.Extra) == 0); err != nil {
		return tags, extra, fmt.Errorf("encode project attributes: %w", err)
	}
	return tags, extra, nil
}

// DeleteProject deletes a project and the role assignments on it. Errors: ENOTFOUND.
func (db *DB) DeleteProject(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if _, err := tx.exec(ctx, "DELETE FROM role_assignments WHERE target_type = 'project' AND target_id = ?", id); err != nil {
			return fmt.Errorf("delete project assignments: %w", err)
		}
		return execOne(ctx, tx, "project", id, "DELETE FROM projects WHERE id = ?", id)
	})
}

// ---- users ("Users")

const userSelect = "SELECT id, name, domain_id, default_project_id, enabled, password_hash, created_at, extra FROM users"

func scanUser(r rowScanner) (*glimpse.User, error) {
	u := &glimpse.User{}
	var extra sql.NullString
	if err := r.Scan(&u.ID, &u.Name, &u.DomainID, &u.DefaultProjectID, &u.Enabled, &u.PasswordHash, timeScan{&u.CreatedAt}, &extra); err != nil {
		return u, err
	}
	if err := decodeJSONColumn(extra, &u.Extra); err != nil {
		return u, fmt.Errorf("user %s extra: %w", u.ID, err)
	}
	return u, nil
}

func userWriteError(tx *tx, u *glimpse.User, err error) error {
	if tx.d.isUniqueViolation(err) {
		return conflict("user", "Duplicate entry found with name %s at domain ID %s", u.Name, u.DomainID)
	} else if err != nil {
		return fmt.Errorf("write user: %w", err)
	}
	return nil
}

// CreateUser stores u, setting u.ID to a new hex UUID when empty and u.CreatedAt to now.
// Errors: ENOTFOUND for an unknown domain; ECONFLICT for a duplicate id or a name taken in
// the domain.
func (db *DB) CreateUser(ctx context.Context, u *glimpse.User) error {
	if u.ID == "" {
		u.ID = newKeystoneID()
	}
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "domains", "domain", u.DomainID); err != nil {
			return err
		}
		u.CreatedAt = tx.now
		extra, err := jsonColumn(u.Extra, len(u.Extra) == 0)
		if err != nil {
			return fmt.Errorf("encode user attributes: %w", err)
		}
		_, err = tx.exec(ctx, "INSERT INTO users (id, name, domain_id, default_project_id, enabled, password_hash, created_at, extra) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			u.ID, u.Name, u.DomainID, u.DefaultProjectID, u.Enabled, u.PasswordHash, tx.d.timeArg(u.CreatedAt), extra)
		return userWriteError(tx, u, err)
	})
}

// FindUserByID returns a user. Errors: ENOTFOUND "Could not find user: <id>.".
func (db *DB) FindUserByID(ctx context.Context, id string) (*glimpse.User, error) {
	return findOne(ctx, db, "user", id, scanUser, userSelect+" WHERE id = ?", id)
}

// FindUserByName returns the user named name in a domain. Errors: ENOTFOUND.
func (db *DB) FindUserByName(ctx context.Context, domainID, name string) (*glimpse.User, error) {
	return findOne(ctx, db, "user", name, scanUser, userSelect+" WHERE domain_id = ? AND name = ?", domainID, name)
}

// FindUsers returns the users of a domain ("" for all), by name.
func (db *DB) FindUsers(ctx context.Context, domainID string) ([]*glimpse.User, error) {
	if domainID == "" {
		return findAll(ctx, db, "users", scanUser, userSelect+" ORDER BY name, id")
	}
	return findAll(ctx, db, "users", scanUser, userSelect+" WHERE domain_id = ? ORDER BY name, id", domainID)
}

// UpdateUser stores every field of u but ID and CreatedAt.
// Errors: ENOTFOUND (user or domain); ECONFLICT for a name taken in the domain.
func (db *DB) UpdateUser(ctx context.Context, u *glimpse.User) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if err := mustExist(ctx, tx, "users", "user", u.ID); err != nil {
			return err
		}
		if err := mustExist(ctx, tx, "domains", "domain", u.DomainID); err != nil {
			return err
		}
		extra, err := jsonColumn(u.Extra, len(u.Extra) == 0)
		if err != nil {
			return fmt.Errorf("encode user attributes: %w", err)
		}
		_, err = tx.exec(ctx, "UPDATE users SET name = ?, domain_id = ?, default_project_id = ?, enabled = ?, password_hash = ?, extra = ? WHERE id = ?",
			u.Name, u.DomainID, u.DefaultProjectID, u.Enabled, u.PasswordHash, extra, u.ID)
		return userWriteError(tx, u, err)
	})
}

// DeleteUser deletes a user and its role assignments (cascade). Errors: ENOTFOUND.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	return db.writeTx(ctx, func(tx *tx) error {
		if _, err := tx.exec(ctx, "DELETE FROM role_assignments WHERE user_id = ?", id); err != nil {
			return fmt.Errorf("delete user assignments: %w", err)
		}
		return execOne(ctx, tx, "user", id, "DELETE FROM users WHERE id = ?", id)
	})
}
