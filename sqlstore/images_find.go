package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/glimpse-image/glimpse"
)

// columnKind says how filter values for a column are parsed.
type columnKind int

const (
	kindText columnKind = iota
	kindInt
	kindBool
	kindTime
)

// imageColumn describes a core image attribute that can be filtered and sorted on.
type imageColumn struct {
	kind     columnKind
	nullable bool
}

// filterColumns are the core attributes accepted in ImageFilter.Conditions and Sort
// ("Sorting, filtering and paginating" in the Glance Image API v2 reference).
var filterColumns = map[string]imageColumn{
	"id":               {kindText, false},
	"name":             {kindText, true},
	"status":           {kindText, false},
	"visibility":       {kindText, false},
	"owner":            {kindText, true},
	"checksum":         {kindText, true},
	"os_hash_algo":     {kindText, true},
	"os_hash_value":    {kindText, true},
	"disk_format":      {kindText, true},
	"container_format": {kindText, true},
	"size":             {kindInt, true},
	"virtual_size":     {kindInt, true},
	"min_disk":         {kindInt, false},
	"min_ram":          {kindInt, false},
	"protected":        {kindBool, false},
	"os_hidden":        {kindBool, false},
	"created_at":       {kindTime, false},
	"updated_at":       {kindTime, false},
}

// sqlBuilder accumulates WHERE clauses and their arguments.
type sqlBuilder struct {
	where []string
	args  []any
}

func (b *sqlBuilder) add(clause string, args ...any) {
	b.where = append(b.where, clause)
	b.args = append(b.args, args...)
}

func (b *sqlBuilder) whereSQL() string {
	if len(b.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(b.where, " AND ")
}

// FindImages returns one page of images in filter order (see glimpse.ImageFilter), with
// their tags, properties and locations. Deleted images are never listed.
//
// Visibility scoping follows Glance's image_get_all (glance/db/sqlalchemy/api.py), checked
// against Glance 25: a non-admin viewer sees public and community images, its own, and
// shared images of which it is a member with MemberStatus (default accepted); then
// Visibility "" keeps only non-community images and the viewer's own community ones, "all"
// keeps everything, and a visibility value keeps only that visibility. An admin viewer
// skips the first step (MemberStatus is ignored). A nil Viewer is not scoped at all.
//
// Pagination is by keyset: rows strictly after Marker in sort order, with NULLs ordered
// before every value (first ascending, last descending). Limit 0 means no limit.
// Errors: EINVALID for an unknown field, operator, value, visibility or member status, for
// a string the database cannot hold (a NUL byte on PostgreSQL, invalid UTF-8 on PostgreSQL
// and MySQL), and "No image found with ID <marker>" for a marker that is unknown, not
// visible to the viewer, or deleted (an admin viewer may page from a deleted image, as in
// Glance).
func (db *DB) FindImages(ctx context.Context, f glimpse.ImageFilter) ([]*glimpse.Image, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	q, args, err := findImagesQuery(ctx, tx, f)
	if err != nil {
		return nil, err
	}
	var imgs []*glimpse.Image
	err = eachRow(ctx, tx, q, args, func(r *sql.Rows) error {
		img, err := scanImage(r)
		if err != nil {
			return err
		}
		imgs = append(imgs, img)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("select images: %w", err)
	}
	if err := attachImageChildren(ctx, tx, imgs); err != nil {
		return nil, err
	}
	return imgs, nil
}

// findImagesQuery returns the SELECT of one page of images for f, with "?" placeholders,
// and its arguments. It reads the marker image's sort keys in tx.
func findImagesQuery(ctx context.Context, tx *tx, f glimpse.ImageFilter) (string, []any, error) {
	var b sqlBuilder
	b.add("i.status <> ?", glimpse.ImageStatusDeleted)
	if err := addScope(&b, f); err != nil {
		return "", nil, err
	}
	if err := addVisibility(&b, f); err != nil {
		return "", nil, err
	}
	for _, c := range f.Conditions {
		if err := addCondition(&b, tx.d, c); err != nil {
			return "", nil, err
		}
	}
	for _, c := range f.Properties {
		if err := addPropertyCondition(&b, c); err != nil {
			return "", nil, err
		}
	}
	for _, tag := range f.Tags {
		b.add("EXISTS (SELECT 1 FROM image_tags t WHERE t.image_id = i.id AND t.value = ?)", tag)
	}
	keys, err := sortKeys(f.Sort)
	if err != nil {
		return "", nil, err
	}
	if f.Marker != "" {
		if err := addMarker(ctx, tx, &b, f, keys); err != nil {
			return "", nil, err
		}
	}
	if f.Limit < 0 {
		return "", nil, glimpse.Errorf(glimpse.EINVALID, "limit param must be positive")
	}
	q := "SELECT " + imageSelect + " FROM images i" + b.whereSQL() + " ORDER BY " + orderBy(tx.d, keys)
	if f.Limit > 0 {
		q += " LIMIT " + strconv.Itoa(f.Limit)
	}
	return q, b.args, nil
}

// addScope restricts the rows to those the viewer may list (before the visibility filter).
func addScope(b *sqlBuilder, f glimpse.ImageFilter) error {
	status := f.MemberStatus
	switch status {
	case "":
		status = glimpse.MemberStatusAccepted
	case glimpse.MemberStatusPending, glimpse.MemberStatusAccepted, glimpse.MemberStatusRejected, glimpse.MemberStatusAll:
	default:
		return glimpse.Errorf(glimpse.EINVALID, "Invalid status value: %s", f.MemberStatus)
	}
	v := f.Viewer
	if v == nil || v.Admin {
		return nil
	}
	if v.ProjectID == "" {
		b.add("i.visibility IN (?, ?)", glimpse.ImageVisibilityPublic, glimpse.ImageVisibilityCommunity)
		return nil
	}
	member := "EXISTS (SELECT 1 FROM image_members m WHERE m.image_id = i.id AND m.member = ?"
	args := []any{glimpse.ImageVisibilityPublic, glimpse.ImageVisibilityCommunity, v.ProjectID,
		glimpse.ImageVisibilityShared, v.ProjectID}
	if status != glimpse.MemberStatusAll {
		member += " AND m.status = ?"
		args = append(args, status)
	}
	member += ")"
	b.add("(i.visibility IN (?, ?) OR i.owner = ? OR (i.visibility = ? AND "+member+"))", args...)
	return nil
}

// addVisibility applies ImageFilter.Visibility.
func addVisibility(b *sqlBuilder, f glimpse.ImageFilter) error {
	switch f.Visibility {
	case "":
		switch {
		case f.Viewer == nil:
		case f.Viewer.ProjectID == "":
			b.add("i.visibility <> ?", glimpse.ImageVisibilityCommunity)
		default:
			b.add("(i.visibility <> ? OR i.owner = ?)", glimpse.ImageVisibilityCommunity, f.Viewer.ProjectID)
		}
	case "all":
	case glimpse.ImageVisibilityPublic, glimpse.ImageVisibilityPrivate, glimpse.ImageVisibilityShared, glimpse.ImageVisibilityCommunity:
		b.add("i.visibility = ?", f.Visibility)
	default:
		return glimpse.Errorf(glimpse.EINVALID, "Invalid visibility value: %s", f.Visibility)
	}
	return nil
}

// addCondition adds a condition on a core attribute.
func addCondition(b *sqlBuilder, d dialect, c glimpse.Condition) error {
	col, ok := filterColumns[c.Field]
	if !ok {
		return glimpse.Errorf(glimpse.EINVALID, "Unknown filter attribute: %s", c.Field)
	}
	vals := make([]any, len(c.Values))
	for i, s := range c.Values {
		v, err := parseFilterValue(d, col.kind, c.Field, s)
		if err != nil {
			return err
		}
		vals[i] = v
	}
	expr, err := opSQL("i."+c.Field, c.Op, len(vals))
	if err != nil {
		return err
	}
	b.add(expr, vals...)
	return nil
}

// addPropertyCondition adds a condition on a custom property: eq and in match images that
// have the property with (one of) the value(s); neq matches images that have the property
// with another value. Other operators compare the text values.
func addPropertyCondition(b *sqlBuilder, c glimpse.Condition) error {
	vals := make([]any, len(c.Values))
	for i, s := range c.Values {
		vals[i] = s
	}
	expr, err := opSQL("p.value", c.Op, len(vals))
	if err != nil {
		return err
	}
	b.add("EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = i.id AND p.name = ? AND "+expr+")",
		append([]any{c.Field}, vals...)...)
	return nil
}

// opSQL returns the SQL comparing col with n placeholders by op.
func opSQL(col, op string, n int) (string, error) {
	if op == glimpse.OpIn {
		if n == 0 {
			return "", glimpse.Errorf(glimpse.EINVALID, "The 'in' operator needs at least one value")
		}
		return col + " IN (" + placeholders(n) + ")", nil
	}
	sym, ok := map[string]string{
		glimpse.OpEq: "=", glimpse.OpNeq: "<>", glimpse.OpGt: ">", glimpse.OpGte: ">=",
		glimpse.OpLt: "<", glimpse.OpLte: "<=", "": "=",
	}[op]
	if !ok {
		return "", glimpse.Errorf(glimpse.EINVALID, "Unable to filter on a unknown operator '%s'", op)
	}
	if n != 1 {
		return "", glimpse.Errorf(glimpse.EINVALID, "The '%s' operator takes exactly one value", op)
	}
	return col + " " + sym + " ?", nil
}

// parseFilterValue converts a filter value to the column's type.
func parseFilterValue(d dialect, kind columnKind, field, s string) (any, error) {
	switch kind {
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid value for %s: %s", field, s)
		}
		return n, nil
	case kindBool:
		v, err := strconv.ParseBool(strings.ToLower(strings.TrimSpace(s)))
		if err != nil {
			return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid value for %s: %s", field, s)
		}
		return v, nil
	case kindTime:
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
		if err != nil {
			return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid time format for %s: %s", field, s)
		}
		return d.timeArg(truncTime(t)), nil
	}
	return s, nil
}

// sortKeys validates keys and appends the tie-breakers created_at desc and id desc when
// absent (Glance's default order); a repeated key keeps its first direction.
func sortKeys(keys []glimpse.SortKey) ([]glimpse.SortKey, error) {
	var out []glimpse.SortKey
	seen := map[string]bool{}
	for _, k := range keys {
		if _, ok := filterColumns[k.Field]; !ok {
			return nil, glimpse.Errorf(glimpse.EINVALID, "Invalid sort key: %s", k.Field)
		}
		if !seen[k.Field] {
			seen[k.Field] = true
			out = append(out, k)
		}
	}
	for _, f := range []string{"created_at", "id"} {
		if !seen[f] {
			out = append(out, glimpse.SortKey{Field: f, Desc: true})
		}
	}
	return out, nil
}

// orderBy returns the ORDER BY list of keys, NULLs before every value ascending and after
// every value descending in every dialect (see dialect.orderTerm), so that a sort on the
// default keys or on an indexed column can be served by an index.
func orderBy(d dialect, keys []glimpse.SortKey) string {
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, d.orderTerm("i."+k.Field, k.Desc, filterColumns[k.Field].nullable))
	}
	return strings.Join(parts, ", ")
}

// addMarker loads the sort-key values of the marker image (which the viewer must be able
// to list, whatever the other filters, or, for an admin viewer, a deleted image) and
// restricts the rows to those strictly after it.
func addMarker(ctx context.Context, tx *tx, b *sqlBuilder, f glimpse.ImageFilter, keys []glimpse.SortKey) error {
	var mb sqlBuilder
	mb.add("i.id = ?", f.Marker)
	// An admin may page from a deleted image: Glance's marker lookup sees deleted rows when
	// the context can see deleted images (context.can_see_deleted, which is is_admin).
	if f.Viewer == nil || !f.Viewer.Admin {
		mb.add("i.status <> ?", glimpse.ImageStatusDeleted)
	}
	scoped := f
	scoped.MemberStatus = glimpse.MemberStatusAll
	if err := addScope(&mb, scoped); err != nil {
		return err
	}
	cols := make([]string, len(keys))
	for i, k := range keys {
		cols[i] = "i." + k.Field
	}
	vals := make([]any, len(keys))
	ptrs := make([]any, len(keys))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	err := tx.queryRow(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM images i"+mb.whereSQL(), mb.args...).Scan(ptrs...)
	if errors.Is(err, sql.ErrNoRows) {
		return glimpse.Errorf(glimpse.EINVALID, "No image found with ID %s", f.Marker)
	} else if err != nil {
		return fmt.Errorf("select marker image: %w", err)
	}

	// after(i) = eq(0) AND … AND eq(i-1) AND gt(i), OR-ed over i.
	var ors []string
	var args []any
	for i, k := range keys {
		var ands []string
		var aargs []any
		for j := range i {
			col := cols[j]
			if vals[j] == nil {
				ands = append(ands, col+" IS NULL")
			} else {
				ands = append(ands, col+" = ?")
				aargs = append(aargs, vals[j])
			}
		}
		col := cols[i]
		switch {
		case !k.Desc && vals[i] == nil:
			ands = append(ands, col+" IS NOT NULL")
		case !k.Desc:
			ands = append(ands, col+" > ?")
			aargs = append(aargs, vals[i])
		case vals[i] == nil:
			continue // nothing sorts after NULL descending
		case filterColumns[k.Field].nullable:
			ands = append(ands, "("+col+" < ? OR "+col+" IS NULL)")
			aargs = append(aargs, vals[i])
		default:
			ands = append(ands, col+" < ?")
			aargs = append(aargs, vals[i])
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
		args = append(args, aargs...)
	}
	if len(ors) == 0 {
		b.add("1 = 0")
		return nil
	}
	// A bound on the first key alone, implied by the OR above, gives the planner a range
	// of the index on that key to scan instead of the whole index.
	if first := keys[0]; vals[0] != nil && (!first.Desc || !filterColumns[first.Field].nullable) {
		if first.Desc {
			b.add(cols[0]+" <= ?", vals[0])
		} else {
			b.add(cols[0]+" >= ?", vals[0])
		}
	}
	b.add("("+strings.Join(ors, " OR ")+")", args...)
	return nil
}
