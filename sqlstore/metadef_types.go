package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/glimpse-image/glimpse"
)

// Resource types, their associations with namespaces ("Metadata definition resource
// types" in the Glance API reference) and the seeding of the standard catalog.

func associationNotFound(ns, rt string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "The metadata definition resource-type association of resource-type=%s to namespace=%s, was not found.", rt, ns)
}

// FindResourceTypes lists every resource type, oldest first.
func (db *DB) FindResourceTypes(ctx context.Context) ([]*glimpse.MetadefResourceType, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	types, err := scanRows(ctx, tx, "SELECT name, protected, created_at, updated_at FROM metadef_resource_types ORDER BY id", nil,
		func(r rowScanner) (*glimpse.MetadefResourceType, error) {
			t := &glimpse.MetadefResourceType{}
			return t, r.Scan(&t.Name, &t.Protected, timeScan{&t.CreatedAt}, nullTimeScan{&t.UpdatedAt})
		})
	if err != nil {
		return nil, fmt.Errorf("select metadef resource types: %w", err)
	}
	return types, nil
}

// resourceTypeID returns the id of the resource type called name, creating it (not
// protected) when missing, as Glance does when a namespace is associated with it.
func resourceTypeID(ctx context.Context, tx *tx, name string, protected bool, createdAt time.Time, updatedAt *time.Time) (int64, error) {
	_, err := tx.exec(ctx, tx.d.insertIgnore("metadef_resource_types", "name", "protected", "created_at", "updated_at"),
		name, protected, tx.d.timeArg(createdAt), tx.d.nullTimeArg(updatedAt))
	if err != nil {
		return 0, fmt.Errorf("insert metadef resource type: %w", err)
	}
	var id int64
	if err := tx.queryRow(ctx, "SELECT id FROM metadef_resource_types WHERE name = ?", name).Scan(&id); err != nil {
		return 0, fmt.Errorf("select metadef resource type: %w", err)
	}
	return id, nil
}

// insertAssociation stores one association of namespace nsID; seeded associations keep a
// nil UpdatedAt.
func insertAssociation(ctx context.Context, tx *tx, nsID int64, nsName string, a *glimpse.MetadefAssociation, seeded bool) error {
	var rtUpdated *time.Time
	if !seeded {
		rtUpdated = &a.CreatedAt
	}
	rtID, err := resourceTypeID(ctx, tx, a.Name, false, a.CreatedAt, rtUpdated)
	if err != nil {
		return err
	}
	return execUnique(ctx, tx,
		glimpse.Errorf(glimpse.ECONFLICT, "The metadata definition resource-type association of resource-type=%s to namespace=%s already exists.", a.Name, nsName),
		"insert metadef association",
		"INSERT INTO metadef_namespace_resource_types (namespace_id, resource_type_id, prefix, properties_target, created_at, updated_at)"+
			" VALUES (?, ?, ?, ?, ?, ?)", nsID, rtID, &nullString{&a.Prefix}, &nullString{&a.PropertiesTarget},
		tx.d.timeArg(a.CreatedAt), tx.d.nullTimeArg(a.UpdatedAt))
}

// CreateAssociation associates a namespace with a resource type, creating the resource
// type when missing; CreatedAt and UpdatedAt are set to now. Errors: ENOTFOUND for the
// namespace; ECONFLICT "The metadata definition resource-type association of
// resource-type=<rt> to namespace=<n> already exists."
func (db *DB) CreateAssociation(ctx context.Context, namespace string, a *glimpse.MetadefAssociation) error {
	return db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		now := tx.now
		a.CreatedAt, a.UpdatedAt = now, &now
		return insertAssociation(ctx, tx, n.id, namespace, a, false)
	})
}

// DeleteAssociation removes the association of a namespace with a resource type (the
// resource type stays). Errors: ENOTFOUND for the namespace or the association.
func (db *DB) DeleteAssociation(ctx context.Context, namespace, resourceType string) error {
	return db.writeNamespace(ctx, namespace, func(tx *tx, n *namespaceRow) error {
		count, err := tx.execAffected(ctx, "DELETE FROM metadef_namespace_resource_types WHERE namespace_id = ?"+
			" AND resource_type_id IN (SELECT id FROM metadef_resource_types WHERE name = ?)", n.id, resourceType)
		if err != nil {
			return fmt.Errorf("delete metadef association: %w", err)
		} else if count == 0 {
			return associationNotFound(namespace, resourceType)
		}
		return nil
	})
}

// standardSeed names the seed of the standard catalog in metadef_seeds.
const standardSeed = "standard"

// SeedMetadefs stores the standard catalog unless this database was seeded before, in one
// transaction: resource types (protected, as Glance's loader makes them) in the given
// order, then each namespace with its associations and contents; a namespace whose name is
// taken is left as it is. Seeded rows have no UpdatedAt. It returns whether it seeded.
// Concurrent callers are safe: the first inserts the seed row, the others then fail to
// insert it (after waiting for the first to commit) and do nothing.
func (db *DB) SeedMetadefs(ctx context.Context, resourceTypes []*glimpse.MetadefResourceType, namespaces []*glimpse.MetadefSeedNamespace) (bool, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	now := tx.now
	_, err = tx.exec(ctx, "INSERT INTO metadef_seeds (name, seeded_at) VALUES (?, ?)", standardSeed, tx.d.timeArg(now))
	if tx.d.isUniqueViolation(err) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("insert metadef seed: %w", err)
	}
	for _, rt := range resourceTypes {
		rt.CreatedAt, rt.UpdatedAt = now, nil
		if _, err := resourceTypeID(ctx, tx, rt.Name, true, now, nil); err != nil {
			return false, err
		}
	}
	for _, s := range namespaces {
		ns := s.Namespace
		if _, err := findNamespaceRow(ctx, tx, ns.Namespace, false); err == nil {
			continue
		} else if glimpse.ErrorCode(err) != glimpse.ENOTFOUND {
			return false, err
		}
		ns.CreatedAt, ns.UpdatedAt = now, nil
		id, err := insertNamespace(ctx, tx, ns)
		if err != nil {
			return false, err
		}
		for i := range ns.Associations {
			a := &ns.Associations[i]
			a.CreatedAt, a.UpdatedAt = now, nil
			if err := insertAssociation(ctx, tx, id, ns.Namespace, a, true); err != nil {
				return false, err
			}
		}
		if err := insertContents(ctx, tx, id, ns.Namespace, &s.Contents, nil); err != nil {
			return false, err
		}
	}
	if err := tx.commit(); err != nil {
		return false, err
	}
	return true, nil
}
