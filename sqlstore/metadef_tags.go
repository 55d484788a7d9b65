package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Tags of a namespace ("Metadata definition tags" in the Glance API reference).

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
	return execUnique(ctx, tx, tagDuplicate(nsName, t.Name), "insert metadef tag",
		"INSERT INTO metadef_tags (namespace_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
		nsID, t.Name, tx.d.timeArg(t.CreatedAt), tx.d.nullTimeArg(t.UpdatedAt))
}

// CreateTags adds tags named names to a namespace, after removing its existing tags unless
// appending (POST …/tags with or without X-Openstack-Append: True). All or nothing.
// Errors: ENOTFOUND for the namespace; ECONFLICT "A metadata tag with name=<t> already
// exists in namespace=<n>. (Please note that metadata tag names are case insensitive)."
func (db *DB) CreateTags(ctx context.Context, namespace string, names []string, appending bool) ([]*glimpse.MetadefTag, error) {
	tags := make([]*glimpse.MetadefTag, 0, len(names))
	err := db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		if !appending {
			if _, err := tx.exec(ctx, "DELETE FROM metadef_tags WHERE namespace_id = ?", n.id); err != nil {
				return fmt.Errorf("delete metadef tags: %w", err)
			}
		}
		now := tx.now
		for _, name := range names {
			t := &glimpse.MetadefTag{Name: name, CreatedAt: now, UpdatedAt: &now}
			if err := insertTag(ctx, tx, n.id, namespace, t); err != nil {
				return err
			}
			tags = append(tags, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return tags, nil
}

func findTag(ctx context.Context, tx *tx, nsID int64, nsName, name string) (*glimpse.MetadefTag, error) {
	return findByName(ctx, tx, tagSelect+" WHERE namespace_id = ? AND name = ?", nsID, nsName, name,
		scanTag, tagNotFound, "metadef tag")
}

// FindTag returns one tag. Errors: ENOTFOUND for the namespace or the tag.
func (db *DB) FindTag(ctx context.Context, namespace, name string) (*glimpse.MetadefTag, error) {
	return readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) (*glimpse.MetadefTag, error) {
		return findTag(ctx, tx, n.id, namespace, name)
	})
}

var tagSortColumns = map[string]bool{"created_at": false, "updated_at": true, "name": false, "id": false}

// FindTags returns one page of a namespace's tags ordered by the sort key (default
// created_at, descending when SortDesc), then created_at and id. Errors: ENOTFOUND for the
// namespace or the marker tag; EINVALID for an unknown sort key.
func (db *DB) FindTags(ctx context.Context, namespace string, f glimpse.MetadefTagFilter) ([]*glimpse.MetadefTag, error) {
	terms, err := db.dialect.listingOrder(tagSortColumns, f.SortKey, f.SortDesc)
	if err != nil {
		return nil, err
	}
	tags, err := readNamespace(ctx, db, namespace, func(tx *tx, n *namespaceRow) ([]*glimpse.MetadefTag, error) {
		tags, err := scanRows(ctx, tx, tagSelect+" WHERE namespace_id = ? ORDER BY "+terms, []any{n.id}, scanTag)
		if err != nil {
			return nil, fmt.Errorf("select metadef tags: %w", err)
		}
		return tags, nil
	})
	if err != nil {
		return nil, err
	}
	return pageAfter(tags, f.Marker, f.Limit, func(t *glimpse.MetadefTag) string { return t.Name },
		func() error { return tagNotFound(namespace, f.Marker) })
}

// RenameTag renames a tag ("Update tag definition"); UpdatedAt is set to now. Errors:
// ENOTFOUND; ECONFLICT (the duplicate-tag message) when newName is taken.
func (db *DB) RenameTag(ctx context.Context, namespace, name, newName string) (*glimpse.MetadefTag, error) {
	var t *glimpse.MetadefTag
	var now time.Time
	err := db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		var err error
		if t, err = findTag(ctx, tx, n.id, namespace, name); err != nil {
			return err
		}
		now = tx.now
		return execUnique(ctx, tx, tagDuplicate(namespace, newName), "update metadef tag",
			"UPDATE metadef_tags SET name = ?, updated_at = ? WHERE namespace_id = ? AND name = ?",
			newName, tx.d.timeArg(now), n.id, name)
	})
	if err != nil {
		return nil, err
	}
	t.Name, t.UpdatedAt = newName, &now
	return t, nil
}

// DeleteTag removes a tag. Errors: ENOTFOUND.
func (db *DB) DeleteTag(ctx context.Context, namespace, name string) error {
	return db.deleteChild(ctx, namespace, "metadef_tags", name, tagNotFound)
}
