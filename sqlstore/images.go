package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.ImageService = (*DB)(nil)

// imageColumns are the images columns in the order imageValues and scanImage use.
var imageColumns = []string{
	"id", "name", "status", "visibility", "protected", "os_hidden", "owner",
	"size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value",
	"disk_format", "container_format", "min_disk", "min_ram",
	"created_at", "updated_at", "deleted_at",
}

// imageSelect is "i.id, i.name, …" for a query on images aliased i.
var imageSelect = "i." + strings.Join(imageColumns, ", i.")

// rowScanner is *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

// scanImage reads one row of imageSelect.
func scanImage(r rowScanner) (*glimpse.Image, error) {
	img := &glimpse.Image{}
	err := r.Scan(&img.ID, &img.Name, &img.Status, &img.Visibility, &img.Protected, &img.OSHidden,
		&nullString{&img.Owner}, &img.Size, &img.VirtualSize, &img.Checksum, &img.OSHashAlgo,
		&img.OSHashValue, &img.DiskFormat, &img.ContainerFormat, &img.MinDisk, &img.MinRAM,
		timeScan{&img.CreatedAt}, timeScan{&img.UpdatedAt}, nullTimeScan{&img.DeletedAt})
	if err != nil {
		return nil, err
	}
	return img, nil
}

// imageValues returns the column values of img in imageColumns order, as plain driver values
// (nil for NULL) so that two images can be compared column by column.
func (d dialect) imageValues(img *glimpse.Image) []any {
	return []any{
		img.ID, deref(img.Name), img.Status, img.Visibility, img.Protected, img.OSHidden,
		emptyToNil(img.Owner), deref(img.Size), deref(img.VirtualSize), deref(img.Checksum),
		deref(img.OSHashAlgo), deref(img.OSHashValue), deref(img.DiskFormat),
		deref(img.ContainerFormat), img.MinDisk, img.MinRAM,
		d.timeArg(img.CreatedAt), d.timeArg(img.UpdatedAt), d.nullTimeArg(img.DeletedAt),
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func emptyToNil(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func imageNotFound(id string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "No image found with ID %s", id)
}

// CreateImage stores img with its tags, properties and locations. It sets img.ID to a new
// UUID v4 when empty, CreatedAt and UpdatedAt to now (UTC, microseconds), Status to queued
// and Visibility to shared when empty (Glance's defaults, "Create image" in the Image API
// v2 reference). Errors: ECONFLICT "Image with identifier <id> already exists!" when the id
// is taken, even by a deleted image.
func (db *DB) CreateImage(ctx context.Context, img *glimpse.Image) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if img.ID == "" {
		img.ID = uuid.NewString()
	}
	if img.Status == "" {
		img.Status = glimpse.ImageStatusQueued
	}
	if img.Visibility == "" {
		img.Visibility = glimpse.ImageVisibilityShared
	}
	img.CreatedAt, img.UpdatedAt = tx.now, tx.now
	img.Tags = uniqueTags(img.Tags)
	if img.DeletedAt != nil {
		t := truncTime(*img.DeletedAt)
		img.DeletedAt = &t
	}

	q := fmt.Sprintf("INSERT INTO images (%s) VALUES (%s)",
		strings.Join(imageColumns, ", "), placeholders(len(imageColumns)))
	if _, err := tx.exec(ctx, q, tx.d.imageValues(img)...); err != nil {
		if tx.d.isUniqueViolation(err) {
			return glimpse.Errorf(glimpse.ECONFLICT, "Image with identifier %s already exists!", img.ID)
		}
		return fmt.Errorf("insert image: %w", err)
	}
	if err := insertTags(ctx, tx, img.ID, img.Tags); err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(img.Properties)) {
		if _, err := tx.exec(ctx, "INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)",
			img.ID, k, img.Properties[k]); err != nil {
			return fmt.Errorf("insert image property: %w", err)
		}
	}
	if err := insertLocations(ctx, tx, img.ID, img.Locations); err != nil {
		return err
	}
	return tx.commit()
}

// FindImageByID returns the image with its tags, properties and locations.
// Errors: ENOTFOUND "No image found with ID <id>" when missing or deleted.
func (db *DB) FindImageByID(ctx context.Context, id string) (*glimpse.Image, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findImageByID(ctx, tx, id, false)
}

// findImageByID loads one image that is not deleted; lock takes the dialect's row lock.
func findImageByID(ctx context.Context, tx *tx, id string, lock bool) (*glimpse.Image, error) {
	q := "SELECT " + imageSelect + " FROM images i WHERE i.id = ? AND i.status <> ?"
	if lock {
		q += tx.d.forUpdate()
	}
	img, err := scanImage(tx.queryRow(ctx, q, id, glimpse.ImageStatusDeleted))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, imageNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("select image: %w", err)
	}
	if err := attachImageChildren(ctx, tx, []*glimpse.Image{img}); err != nil {
		return nil, err
	}
	return img, nil
}

// UpdateImage loads the image, calls fn on it and writes back the columns, tags, properties
// and locations fn changed, all in one write transaction (row-locked where the dialect
// needs it), so concurrent updates never lose each other's writes. fn may not change ID.
// UpdatedAt is set to now. Errors: ENOTFOUND for a missing or deleted image; fn's error as is.
func (db *DB) UpdateImage(ctx context.Context, id string, fn func(img *glimpse.Image) error) (*glimpse.Image, error) {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	old, err := findImageByID(ctx, tx, id, true)
	if err != nil {
		return nil, err
	}
	img := cloneImage(old)
	if err := fn(img); err != nil {
		return nil, err
	}
	img.ID = old.ID
	img.UpdatedAt = tx.now
	img.CreatedAt = truncTime(img.CreatedAt)
	if img.DeletedAt != nil {
		t := truncTime(*img.DeletedAt)
		img.DeletedAt = &t
	}
	img.Tags = uniqueTags(img.Tags)

	if err := updateImageColumns(ctx, tx, old, img); err != nil {
		return nil, err
	}
	if !slices.Equal(old.Tags, img.Tags) {
		if _, err := tx.exec(ctx, "DELETE FROM image_tags WHERE image_id = ?", id); err != nil {
			return nil, fmt.Errorf("delete image tags: %w", err)
		}
		if err := insertTags(ctx, tx, id, img.Tags); err != nil {
			return nil, err
		}
	}
	if err := updateProperties(ctx, tx, id, old.Properties, img.Properties); err != nil {
		return nil, err
	}
	if !locationsEqual(old.Locations, img.Locations) {
		if _, err := tx.exec(ctx, "DELETE FROM image_locations WHERE image_id = ?", id); err != nil {
			return nil, fmt.Errorf("delete image locations: %w", err)
		}
		if err := insertLocations(ctx, tx, id, img.Locations); err != nil {
			return nil, err
		}
	}
	if err := tx.commit(); err != nil {
		return nil, err
	}
	return img, nil
}

// updateImageColumns writes the columns whose values differ between old and img.
func updateImageColumns(ctx context.Context, tx *tx, old, img *glimpse.Image) error {
	before, after := tx.d.imageValues(old), tx.d.imageValues(img)
	var sets []string
	var args []any
	for i, col := range imageColumns {
		if col != "id" && before[i] != after[i] {
			sets = append(sets, col+" = ?")
			args = append(args, after[i])
		}
	}
	if len(sets) == 0 {
		return nil
	}
	args = append(args, img.ID)
	if _, err := tx.exec(ctx, "UPDATE images SET "+strings.Join(sets, ", ")+" WHERE id = ?", args...); err != nil {
		return fmt.Errorf("update image: %w", err)
	}
	return nil
}

// updateProperties writes the difference between the old and new custom properties.
func updateProperties(ctx context.Context, tx *tx, id string, old, props map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(old)) {
		if _, ok := props[k]; !ok {
			if _, err := tx.exec(ctx, "DELETE FROM image_properties WHERE image_id = ? AND name = ?", id, k); err != nil {
				return fmt.Errorf("delete image property: %w", err)
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		ov, had := old[k]
		switch {
		case !had:
			if _, err := tx.exec(ctx, "INSERT INTO image_properties (image_id, name, value) VALUES (?, ?, ?)", id, k, v); err != nil {
				return fmt.Errorf("insert image property: %w", err)
			}
		case ov != v:
			if _, err := tx.exec(ctx, "UPDATE image_properties SET value = ? WHERE image_id = ? AND name = ?", v, id, k); err != nil {
				return fmt.Errorf("update image property: %w", err)
			}
		}
	}
	return nil
}

// DeleteImage soft-deletes the image: status deleted, DeletedAt and UpdatedAt now; its
// members are removed. Tags, properties and locations are kept. Errors: ENOTFOUND when
// missing or already deleted.
func (db *DB) DeleteImage(ctx context.Context, id string) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	if !tx.d.canStore(id) {
		return imageNotFound(id) // and not EINVALID: the answer of a database that holds any id
	}
	n, err := tx.execAffected(ctx, "UPDATE images SET status = ?, deleted_at = ?, updated_at = ? WHERE id = ? AND status <> ?",
		glimpse.ImageStatusDeleted, tx.d.timeArg(tx.now), tx.d.timeArg(tx.now), id, glimpse.ImageStatusDeleted)
	if err != nil {
		return fmt.Errorf("delete image: %w", err)
	} else if n == 0 {
		return imageNotFound(id)
	}
	if _, err := tx.exec(ctx, "DELETE FROM image_members WHERE image_id = ?", id); err != nil {
		return fmt.Errorf("delete image members: %w", err)
	}
	return tx.commit()
}

func insertTags(ctx context.Context, tx *tx, id string, tags []string) error {
	for i, tag := range tags {
		if _, err := tx.exec(ctx, "INSERT INTO image_tags (image_id, value, position) VALUES (?, ?, ?)", id, tag, i); err != nil {
			return fmt.Errorf("insert image tag: %w", err)
		}
	}
	return nil
}

func insertLocations(ctx context.Context, tx *tx, id string, locs []glimpse.Location) error {
	for i, l := range locs {
		meta := l.Metadata
		if meta == nil {
			meta = map[string]any{}
		}
		b, err := json.Marshal(meta)
		if err != nil {
			return fmt.Errorf("encode location metadata: %w", err)
		}
		status := l.Status
		if status == "" {
			status = "active"
		}
		if _, err := tx.exec(ctx, "INSERT INTO image_locations (image_id, position, url, store_id, metadata, status) VALUES (?, ?, ?, ?, ?, ?)",
			id, i, l.URL, l.StoreID, string(b), status); err != nil {
			return fmt.Errorf("insert image location: %w", err)
		}
	}
	return nil
}

// attachImageChildren loads the tags, properties and locations of imgs.
func attachImageChildren(ctx context.Context, tx *tx, imgs []*glimpse.Image) error {
	if len(imgs) == 0 {
		return nil
	}
	byID := make(map[string]*glimpse.Image, len(imgs))
	ids := make([]any, 0, len(imgs))
	for _, img := range imgs {
		byID[img.ID] = img
		ids = append(ids, img.ID)
		img.Tags = []string{}
		img.Properties = map[string]string{}
		img.Locations = []glimpse.Location{}
	}
	in := "(" + placeholders(len(ids)) + ")"

	err := eachRow(ctx, tx, "SELECT image_id, value FROM image_tags WHERE image_id IN "+in+" ORDER BY image_id, position", ids,
		func(r *sql.Rows) error {
			var id, tag string
			if err := r.Scan(&id, &tag); err != nil {
				return err
			}
			byID[id].Tags = append(byID[id].Tags, tag)
			return nil
		})
	if err != nil {
		return fmt.Errorf("select image tags: %w", err)
	}
	err = eachRow(ctx, tx, "SELECT image_id, name, value FROM image_properties WHERE image_id IN "+in, ids,
		func(r *sql.Rows) error {
			var id, k, v string
			if err := r.Scan(&id, &k, &v); err != nil {
				return err
			}
			byID[id].Properties[k] = v
			return nil
		})
	if err != nil {
		return fmt.Errorf("select image properties: %w", err)
	}
	err = eachRow(ctx, tx, "SELECT image_id, url, store_id, metadata, status FROM image_locations WHERE image_id IN "+in+" ORDER BY image_id, position", ids,
		func(r *sql.Rows) error {
			var id, meta string
			var l glimpse.Location
			if err := r.Scan(&id, &l.URL, &l.StoreID, &meta, &l.Status); err != nil {
				return err
			}
			if err := json.Unmarshal([]byte(meta), &l.Metadata); err != nil {
				return fmt.Errorf("decode location metadata: %w", err)
			}
			byID[id].Locations = append(byID[id].Locations, l)
			return nil
		})
	if err != nil {
		return fmt.Errorf("select image locations: %w", err)
	}
	return nil
}

// eachRow runs q and calls fn on every row.
func eachRow(ctx context.Context, tx *tx, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return tx.d.queryError(rows.Err())
}

// uniqueTags returns tags without repeats, first occurrence first.
func uniqueTags(tags []string) []string {
	if tags == nil {
		return nil
	}
	out := make([]string, 0, len(tags))
	seen := make(map[string]bool, len(tags))
	for _, t := range tags {
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}

func locationsEqual(a, b []glimpse.Location) bool {
	return slices.EqualFunc(a, b, func(x, y glimpse.Location) bool {
		return x.URL == y.URL && x.StoreID == y.StoreID && x.Status == y.Status &&
			(len(x.Metadata) == 0 && len(y.Metadata) == 0 || reflect.DeepEqual(x.Metadata, y.Metadata))
	})
}

// cloneImage returns a deep copy of img.
func cloneImage(img *glimpse.Image) *glimpse.Image {
	c := *img
	c.Name = clonePtr(img.Name)
	c.Size = clonePtr(img.Size)
	c.VirtualSize = clonePtr(img.VirtualSize)
	c.Checksum = clonePtr(img.Checksum)
	c.OSHashAlgo = clonePtr(img.OSHashAlgo)
	c.OSHashValue = clonePtr(img.OSHashValue)
	c.DiskFormat = clonePtr(img.DiskFormat)
	c.ContainerFormat = clonePtr(img.ContainerFormat)
	c.DeletedAt = clonePtr(img.DeletedAt)
	c.Tags = slices.Clone(img.Tags)
	c.Properties = maps.Clone(img.Properties)
	c.Locations = make([]glimpse.Location, len(img.Locations))
	for i, l := range img.Locations {
		l.Metadata = maps.Clone(l.Metadata)
		c.Locations[i] = l
	}
	if img.Locations == nil {
		c.Locations = nil
	}
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
