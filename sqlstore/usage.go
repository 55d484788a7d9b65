package sqlstore

import (
	"context"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.UsageService = (*DB)(nil)

// copyingClause matches images that are still being copied to other stores (a non-empty
// os_glance_importing_to_stores) while in none of the statuses given to it.
const copyingClause = `EXISTS (SELECT 1 FROM image_properties p WHERE p.image_id = images.id
	AND p.name = 'os_glance_importing_to_stores' AND p.value <> '')`

// ImageUsage returns what the images of project owner consume, as Glance counts it for
// its quotas: data size once per location (not deleted ones, nor the staging area's
// "staged" record, which Glance keeps outside the locations) over images not killed or
// deleted; staged bytes of images uploading or importing or being copied; the number of
// images not killed or deleted; the number saving, uploading, importing or being copied.
func (db *DB) ImageUsage(ctx context.Context, owner string) (*glimpse.ImageUsage, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	u := &glimpse.ImageUsage{}
	if !tx.d.canStore(owner) {
		return u, nil // it owns nothing (and queryRow would find no row, not zeros)
	}
	queries := []struct {
		dst *int64
		q   string
	}{
		{&u.SizeTotal, `SELECT COALESCE(SUM(images.size), 0) FROM images
			JOIN image_locations l ON l.image_id = images.id
			WHERE images.owner = ? AND images.size > 0 AND images.status NOT IN ('killed', 'deleted')
			AND l.status NOT IN ('deleted', 'staged')`},
		{&u.StageTotal, `SELECT COALESCE(SUM(size), 0) FROM images
			WHERE owner = ? AND size > 0 AND (status IN ('uploading', 'importing')
			OR (status NOT IN ('uploading', 'importing', 'killed', 'deleted') AND ` + copyingClause + `))`},
		{&u.CountTotal, `SELECT COUNT(*) FROM images WHERE owner = ? AND status NOT IN ('killed', 'deleted')`},
		{&u.CountUploading, `SELECT COUNT(*) FROM images
			WHERE owner = ? AND (status IN ('saving', 'uploading', 'importing')
			OR (status NOT IN ('saving', 'uploading', 'importing', 'killed', 'deleted') AND ` + copyingClause + `))`},
	}
	for _, q := range queries {
		if err := tx.queryRow(ctx, q.q, owner).Scan(q.dst); err != nil {
			return nil, fmt.Errorf("image usage of %s: %w", owner, err)
		}
	}
	return u, nil
}
