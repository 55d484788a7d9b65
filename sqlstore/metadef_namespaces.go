package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.MetadefService = (*DB)(nil)

const namespaceSelect = "SELECT id, namespace, display_name, description, visibility, protected, owner, created_at, updated_at FROM metadef_namespaces"

// namespaceRow is a namespace with its row id, which its contents refer to.
type namespaceRow struct {
	id int64
	ns *glimpse.MetadefNamespace
}

func scanNamespace(r rowScanner) (*namespaceRow, error) {
	n := &namespaceRow{ns: &glimpse.MetadefNamespace{}}
	ns := n.ns
	err := r.Scan(&n.id, &ns.Namespace, &nullString{&ns.DisplayName}, &nullString{&ns.Description}, &ns.Visibility,
		&ns.Protected, &ns.Owner, timeScan{&ns.CreatedAt}, nullTimeScan{&ns.UpdatedAt})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// namespaceNotFound is glance.common.exception.MetadefNamespaceNotFound.
func namespaceNotFound(name string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "Metadata definition namespace=%s was not found.", name)
}

// findNamespaceRow reads a namespace by name, locking its row when lock is set.
func findNamespaceRow(ctx context.Context, tx *tx, name string, lock bool) (*namespaceRow, error) {
	q := namespaceSelect + " WHERE namespace = ?"
	if lock {
		q += tx.d.forUpdate()
	}
	n, err := scanNamespace(tx.queryRow(ctx, q, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, namespaceNotFound(name)
	} else if err != nil {
		return nil, fmt.Errorf("select metadef namespace: %w", err)
	}
	return n, nil
}

// loadAssociations fills the associations of the namespaces, oldest first.
func loadAssociations(ctx context.Context, tx *tx, rows ...*namespaceRow) error {
	if len(rows) == 0 {
		return nil
	}
	byID := make(map[int64]*glimpse.MetadefNamespace, len(rows))
	args := make([]any, len(rows))
	for i, n := range rows {
		byID[n.id] = n.ns
		n.ns.Associations = []glimpse.MetadefAssociation{}
		args[i] = n.id
	}
	q := "SELECT a.namespace_id, t.name, a.prefix, a.properties_target, a.created_at, a.updated_at" +
		" FROM metadef_namespace_resource_types a JOIN metadef_resource_types t ON t.id = a.resource_type_id"
	if len(rows) < 500 {
		q += " WHERE a.namespace_id IN (" + placeholders(len(args)) + ")"
	} else {
		args = nil
	}
	q += " ORDER BY a.id"
	return eachRow(ctx, tx, q, args, func(r *sql.Rows) error {
		var nsID int64
		var a glimpse.MetadefAssociation
		if err := r.Scan(&nsID, &a.Name, &nullString{&a.Prefix}, &nullString{&a.PropertiesTarget},
			timeScan{&a.CreatedAt}, nullTimeScan{&a.UpdatedAt}); err != nil {
			return fmt.Errorf("scan metadef association: %w", err)
		}
		if ns := byID[nsID]; ns != nil {
			ns.Associations = append(ns.Associations, a)
		}
		return nil
	})
}

// CreateNamespace stores ns, its associations and contents ("Create namespace" in the
// Glance API reference). CreatedAt and UpdatedAt are set to now, as are those of everything
// created with it. Errors: ECONFLICT "The metadata definition namespace=<n> already
// exists." and the duplicate errors of objects, properties and tags.
func (db *DB) CreateNamespace(ctx context.Context, ns *glimpse.MetadefNamespace, contents *glimpse.MetadefContents) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := tx.now
	ns.CreatedAt, ns.UpdatedAt = now, &now
	id, err := insertNamespace(ctx, tx, ns)
	if err != nil {
		return err
	}
	for i := range ns.Associations {
		a := &ns.Associations[i]
		a.CreatedAt, a.UpdatedAt = now, &now
		if err := insertAssociation(ctx, tx, id, ns.Namespace, a, false); err != nil {
			return err
		}
	}
	if contents != nil {
		if err := insertContents(ctx, tx, id, ns.Namespace, contents, &now); err != nil {
			return err
		}
	}
	return tx.commit()
}

func insertNamespace(ctx context.Context, tx *tx, ns *glimpse.MetadefNamespace) (int64, error) {
	err := execUnique(ctx, tx, glimpse.Errorf(glimpse.ECONFLICT, "The metadata definition namespace=%s already exists.", ns.Namespace),
		"insert metadef namespace",
		"INSERT INTO metadef_namespaces (namespace, display_name, description, visibility, protected, owner, created_at, updated_at)"+
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
		ns.Namespace, &nullString{&ns.DisplayName}, &nullString{&ns.Description}, ns.Visibility, ns.Protected, ns.Owner,
		tx.d.timeArg(ns.CreatedAt), tx.d.nullTimeArg(ns.UpdatedAt))
	if err != nil {
		return 0, err
	}
	n, err := findNamespaceRow(ctx, tx, ns.Namespace, false)
	if err != nil {
		return 0, err
	}
	return n.id, nil
}

// FindNamespace returns a namespace with its associations. Errors: ENOTFOUND
// "Metadata definition namespace=<n> was not found."
func (db *DB) FindNamespace(ctx context.Context, name string) (*glimpse.MetadefNamespace, error) {
	return readNamespace(ctx, db, name, func(tx *tx, n *namespaceRow) (*glimpse.MetadefNamespace, error) {
		if err := loadAssociations(ctx, tx, n); err != nil {
			return nil, err
		}
		return n.ns, nil
	})
}

// namespaceSortColumns are the namespace fields a listing may sort on, and whether they may
// be NULL.
var namespaceSortColumns = map[string]bool{
	"created_at": false, "updated_at": true, "namespace": false, "display_name": true,
	"visibility": false, "protected": false, "owner": false, "id": false,
}

// FindNamespaces returns one page of the namespaces the filter selects, ordered by the sort
// key, then created_at and id in the same direction (Glance's paginate_query), with their
// associations. Errors: EINVALID for an unknown sort key; ENOTFOUND when the marker is not
// a namespace the viewer sees.
func (db *DB) FindNamespaces(ctx context.Context, f glimpse.MetadefNamespaceFilter) ([]*glimpse.MetadefNamespace, error) {
	terms, err := db.dialect.listingOrder(namespaceSortColumns, f.SortKey, f.SortDesc)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.Viewer != nil && !f.Viewer.Admin {
		if f.Viewer.ProjectID != "" {
			where = append(where, "(owner = ? OR visibility = ?)")
			args = append(args, f.Viewer.ProjectID, glimpse.MetadefVisibilityPublic)
		} else {
			where = append(where, "visibility = ?")
			args = append(args, glimpse.MetadefVisibilityPublic)
		}
	}
	if f.Visibility != "" {
		where = append(where, "visibility = ?")
		args = append(args, f.Visibility)
	}
	if f.ResourceTypes != nil {
		if len(f.ResourceTypes) == 0 {
			return []*glimpse.MetadefNamespace{}, nil
		}
		where = append(where, "id IN (SELECT a.namespace_id FROM metadef_namespace_resource_types a"+
			" JOIN metadef_resource_types t ON t.id = a.resource_type_id WHERE t.name IN ("+placeholders(len(f.ResourceTypes))+"))")
		for _, rt := range f.ResourceTypes {
			args = append(args, rt)
		}
	}
	q := namespaceSelect
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY " + terms

	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := scanRows(ctx, tx, q, args, scanNamespace)
	if err != nil {
		return nil, fmt.Errorf("select metadef namespaces: %w", err)
	}
	rows, err = pageAfter(rows, f.Marker, f.Limit, func(n *namespaceRow) string { return n.ns.Namespace },
		func() error { return namespaceNotFound(f.Marker) })
	if err != nil {
		return nil, err
	}
	if err := loadAssociations(ctx, tx, rows...); err != nil {
		return nil, err
	}
	out := make([]*glimpse.MetadefNamespace, len(rows))
	for i, n := range rows {
		out[i] = n.ns
	}
	return out, nil
}

// UpdateNamespace changes a namespace's fields ("Update namespace"); UpdatedAt is set to
// now. Errors: ENOTFOUND; ECONFLICT "Invalid update. It would result in a duplicate
// metadata definition namespace with the same name of <n>" on a rename to a taken name;
// any error of fn.
func (db *DB) UpdateNamespace(ctx context.Context, name string, fn func(ns *glimpse.MetadefNamespace) error) (*glimpse.MetadefNamespace, error) {
	var ns *glimpse.MetadefNamespace
	err := db.writeNamespace(ctx, name, func(tx *tx, n *namespaceRow) error {
		if err := loadAssociations(ctx, tx, n); err != nil {
			return err
		}
		if err := fn(n.ns); err != nil {
			return err
		}
		ns = n.ns
		now := tx.now
		ns.UpdatedAt = &now
		return execUnique(ctx, tx,
			glimpse.Errorf(glimpse.ECONFLICT, "Invalid update. It would result in a duplicate metadata definition namespace with the same name of %s", ns.Namespace),
			"update metadef namespace",
			"UPDATE metadef_namespaces SET namespace = ?, display_name = ?, description = ?, visibility = ?,"+
				" protected = ?, owner = ?, updated_at = ? WHERE id = ?",
			ns.Namespace, &nullString{&ns.DisplayName}, &nullString{&ns.Description}, ns.Visibility, ns.Protected,
			ns.Owner, tx.d.timeArg(now), n.id)
	})
	if err != nil {
		return nil, err
	}
	return ns, nil
}

// DeleteNamespace removes a namespace with its objects, properties, tags and associations.
// Errors: ENOTFOUND.
func (db *DB) DeleteNamespace(ctx context.Context, name string) error {
	return db.writeNamespace(ctx, name, func(tx *tx, n *namespaceRow) error {
		for _, table := range []string{"metadef_tags", "metadef_objects", "metadef_properties", "metadef_namespace_resource_types"} {
			if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE namespace_id = ?", n.id); err != nil {
				return fmt.Errorf("delete from %s: %w", table, err)
			}
		}
		if _, err := tx.exec(ctx, "DELETE FROM metadef_namespaces WHERE id = ?", n.id); err != nil {
			return fmt.Errorf("delete metadef namespace: %w", err)
		}
		return nil
	})
}

// DeleteNamespaceContent removes all objects, properties or tags of a namespace
// (part is glimpse.MetadefObjects, MetadefProperties or MetadefTags). Errors: ENOTFOUND.
func (db *DB) DeleteNamespaceContent(ctx context.Context, name, part string) error {
	table, ok := map[string]string{
		glimpse.MetadefObjects: "metadef_objects", glimpse.MetadefProperties: "metadef_properties", glimpse.MetadefTags: "metadef_tags",
	}[part]
	if !ok {
		return fmt.Errorf("sqlstore: unknown metadef namespace part %q", part)
	}
	return db.writeNamespace(ctx, name, func(tx *tx, n *namespaceRow) error {
		if _, err := tx.exec(ctx, "DELETE FROM "+table+" WHERE namespace_id = ?", n.id); err != nil {
			return fmt.Errorf("delete from %s: %w", table, err)
		}
		return nil
	})
}
