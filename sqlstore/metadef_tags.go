package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// Tags of a namespace ("Metadata definition tags" in the Glance API reference).

func tagNotFound(ns, name string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "The metadata definition tag with name=%s was not found in namespace=%s.", name, ns)
}

func tagDuplicate(ns, name string) error {
	return glimpse.Errorf(glimpse.ECONFLICT, "A metadata tag with name=%s already exists in namespace=%s. (Please note that metadata tag names are case insensitive).", name, ns)
}

const tagSelect = "SELECT name, created_at, updated_at FROM metadef_tags"

func scanTag(r rowScanner) (*glimpse.MetadefTag, error) {
	t := &glimpse.MetadefTag{}
	if err := r.Scan(&t.Name, timeScan{&t.CreatedAt}, nullTimeScan{&t.UpdatedAt}); err != nil {
		return nil, err
	}
	return t, nil
}

func insertTag(ctx context.Context, tx *tx, nsID int64, nsName string, t *glimpse.MetadefTag) error {
	_, err := tx.exec(ctx, "INSERT INTO metadef_tags (namespace_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
		nsID, t.Name, tx.d.timeArg(t.CreatedAt), tx.d.nullTimeArg(t.UpdatedAt))
	if tx.d.isUniqueViolation(err) {
		return tagDuplicate(nsName, t.Name)
	} else if err != nil {
		return fmt.Errorf("insert metadef tag: %w", err)
	}
	return nil
}

// CreateTags adds tags named names to a namespace, after removing its existing tags unless
// appending (POST …/tags with or without X-Openstack-Append: True). All or nothing.
// Errors: ENOTFOUND for the namespace; ECONFLICT "A metadata tag with name=<t> already
// exists in namespace=<n>. (Please note that metadata tag names are case insensitive)."
func (db *DB) CreateTags(ctx context.Context, namespace string, names []string, appending bool) ([]*glimpse.MetadefTag, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, namespace, true)
	if err != nil {
		return nil, err
	}
	if !appending {
		if _, err := tx.exec(ctx, "DELETE FROM metadef_tags WHERE namespace_id = ?", n.id); err != nil {
			return nil, fmt.Errorf("delete metadef tags: %w", err)
		}
	}
	now := tx.now
	tags := make([]*glimpse.MetadefTag, 0, len(names))
	for _, name := range names {
		t := &glimpse.MetadefTag{Name: name, CreatedAt: now, UpdatedAt: &now}
		if err := insertTag(ctx, tx, n.id, namespace, t); err != nil {
			return nil, err
		}
		tags = append(tags, t)
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return tags, nil
}

func findTag(ctx context.Context, tx *tx, nsID int64, nsName, name string) (*glimpse.MetadefTag, error) {
	t, err := scanTag(tx.queryRow(ctx, tagSelect+" WHERE namespace_id = ? AND name = ?", nsID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, tagNotFound(nsName, name)
	} else if err != nil {
		return nil, fmt.Errorf("select metadef tag: %w", err)
	}
	return t, nil
}

// FindTag returns one tag. Errors: ENOTFOUND for the namespace or the tag.
func (db *DB) FindTag(ctx context.Context, namespace, name string) (*glimpse.MetadefTag, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, namespace, false)
	if err != nil {
		return nil, err
	}
	return findTag(ctx, tx, n.id, namespace, name)
}

var tagSortColumns = map[string]bool{"created_at": false, "updated_at": true, "name": false, "id": false}

// FindTags returns one page of a namespace's tags ordered by the sort key (default
// created_at, descending when SortDesc), then created_at and id. Errors: ENOTFOUND for the
// namespace or the marker tag; EINVALID for an unknown sort key.
func (db *DB) FindTags(ctx context.Context, namespace string, f glimpse.MetadefTagFilter) ([]*glimpse.MetadefTag, error) {
	key := f.SortKey
	if key == "" {
		key = "created_at"
	}
	nullable, ok := tagSortColumns[key]
	if !ok {
		return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid sort key: %s", key)
	}
	terms := db.dialect.orderTerm(key, f.SortDesc, nullable)
	for _, k := range []string{"created_at", "id"} {
		if k != key {
			terms += ", " + db.dialect.orderTerm(k, f.SortDesc, false)
		}
	}
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, namespace, false)
	if err != nil {
		return nil, err
	}
	tags := []*glimpse.MetadefTag{}
	err = eachRow(ctx, tx, tagSelect+" WHERE namespace_id = ? ORDER BY "+terms, []any{n.id}, func(r *sql.Rows) error {
		t, err := scanTag(r)
		if err == nil {
			tags = append(tags, t)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("select metadef tags: %w", err)
	}
	if f.Marker != "" {
		i := slices.IndexFunc(tags, func(t *glimpse.MetadefTag) bool { return t.Name == f.Marker })
		if i < 0 {
			return nil, tagNotFound(namespace, f.Marker)
		}
		tags = tags[i+1:]
	}
	if f.Limit > 0 && len(tags) > f.Limit {
		tags = tags[:f.Limit]
	}
	return tags, nil
}

// RenameTag renames a tag ("Update tag definition"); UpdatedAt is set to now. Errors:
// ENOTFOUND; ECONFLICT (the duplicate-tag message) when newName is taken.
func (db *DB) RenameTag(ctx context.Context, namespace, name, newName string) (*glimpse.MetadefTag, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, namespace, true)
	if err != nil {
		return nil, err
	}
	t, err := findTag(ctx, tx, n.id, namespace, name)
	if err != nil {
		return nil, err
	}
	now := tx.now
	_, err = tx.exec(ctx, "UPDATE metadef_tags SET name = ?, updated_at = ? WHERE namespace_id = ? AND name = ?",
		newName, tx.d.timeArg(now), n.id, name)
	if tx.d.isUniqueViolation(err) {
		return nil, tagDuplicate(namespace, newName)
	} else if err != nil {
		return nil, fmt.Errorf("update metadef tag: %w", err)
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	t.Name, t.UpdatedAt = newName, &now
	return t, nil
}

// DeleteTag removes a tag. Errors: ENOTFOUND.
func (db *DB) DeleteTag(ctx context.Context, namespace, name string) error {
	return db.deleteChild(ctx, namespace, "metadef_tags", name, tagNotFound)
}
