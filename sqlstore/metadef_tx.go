package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/glimpse-image/glimpse"
)

// The shapes shared by the metadef methods: a write on one namespace, a read on one
// namespace, a list of rows, one row by name, a write that a unique index may refuse, the
// not-found error of a namespace's part, and the order and page of a listing.

// contentNotFound returns the not-found error of a kind ("object", "property", "tag") of
// a namespace's contents: ENOTFOUND "The metadata definition <kind> with name=<name> was
// not found in namespace=<ns>."
func contentNotFound(kind string) func(ns, name string) error {
	return func(ns, name string) error {
		return glimpse.Errorf(glimpse.ENOTFOUND, "The metadata definition %s with name=%s was not found in namespace=%s.", kind, name, ns)
	}
}

var (
	objectNotFound   = contentNotFound("object")
	propertyNotFound = contentNotFound("property")
	tagNotFound      = contentNotFound("tag")
)

// listingOrder returns the ORDER BY terms of a metadef listing: the sort key (created_at
// when empty), then created_at and id, all in one direction (Glance's paginate_query).
// columns are the keys allowed, each saying whether it may be NULL. Errors: EINVALID
// "Invalid sort key: <key>".
func (d dialect) listingOrder(columns map[string]bool, key string, desc bool) (string, error) {
	if key == "" {
		key = "created_at"
	}
	nullable, ok := columns[key]
	if !ok {
		return "", glimpse.Errorf(glimpse.EINVALID, "Invalid sort key: %s", key)
	}
	terms := d.orderTerm(key, desc, nullable)
	for _, k := range []string{"created_at", "id"} {
		if k != key {
			terms += ", " + d.orderTerm(k, desc, false)
		}
	}
	return terms, nil
}

// pageAfter returns the items after the one whose name is marker (from the first when
// marker is empty), at most limit of them when limit is above 0. Errors: notFound() when
// no item is called marker.
func pageAfter[T any](items []T, marker string, limit int, name func(T) string, notFound func() error) ([]T, error) {
	if marker != "" {
		i := slices.IndexFunc(items, func(v T) bool { return name(v) == marker })
		if i < 0 {
			return nil, notFound()
		}
		items = items[i+1:]
	}
	if limit > 0 && len(items) > limit {
		items = items[:limit]
	}
	return items, nil
}

// writeNamespace runs fn in a read-write transaction on the namespace called name (its row
// locked) and commits when fn succeeds. Errors: ENOTFOUND for the namespace; those of fn
// and of the commit.
func (db *DB) writeNamespace(ctx context.Context, name string, fn func(tx *tx, n *namespaceRow) error) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, name, true)
	if err != nil {
		return err
	}
	if err := fn(tx, n); err != nil {
		return err
	}
	return tx.commit()
}

// readNamespace runs fn in a read-only transaction on the namespace called name and returns
// what fn returns. Errors: ENOTFOUND for the namespace; those of fn.
func readNamespace[T any](ctx context.Context, db *DB, name string, fn func(tx *tx, n *namespaceRow) (T, error)) (T, error) {
	var zero T
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return zero, err
	}
	defer tx.Rollback()
	n, err := findNamespaceRow(ctx, tx, name, false)
	if err != nil {
		return zero, err
	}
	return fn(tx, n)
}

// scanRows reads every row of q with scan, in order; none is an empty, non-nil slice.
func scanRows[T any](ctx context.Context, tx *tx, q string, args []any, scan func(rowScanner) (T, error)) ([]T, error) {
	out := []T{}
	err := eachRow(ctx, tx, q, args, func(r *sql.Rows) error {
		v, err := scan(r)
		if err == nil {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// findByName reads the row called name of namespace nsID with q, which selects by
// namespace_id and name in that order. Errors: notFound(nsName, name) when there is none;
// others wrapped as "select <what>".
func findByName[T any](ctx context.Context, tx *tx, q string, nsID int64, nsName, name string,
	scan func(rowScanner) (T, error), notFound func(ns, name string) error, what string) (T, error) {
	var zero T
	v, err := scan(tx.queryRow(ctx, q, nsID, name))
	if errors.Is(err, sql.ErrNoRows) {
		return zero, notFound(nsName, name)
	} else if err != nil {
		return zero, fmt.Errorf("select %s: %w", what, err)
	}
	return v, nil
}

// execUnique runs the insert or update q. Errors: conflict when a unique index refuses it;
// others wrapped with what (such as "insert metadef object").
func execUnique(ctx context.Context, tx *tx, conflict error, what, q string, args ...any) error {
	_, err := tx.exec(ctx, q, args...)
	if tx.d.isUniqueViolation(err) {
		return conflict
	} else if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
