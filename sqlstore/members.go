package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.MemberService = (*DB)(nil)

const memberSelect = "SELECT image_id, member, status, created_at, updated_at FROM image_members"

func scanMember(r rowScanner) (*glimpse.Member, error) {
	m := &glimpse.Member{}
	if err := r.Scan(&m.ImageID, &m.MemberID, &m.Status, timeScan{&m.CreatedAt}, timeScan{&m.UpdatedAt}); err != nil {
		return nil, err
	}
	return m, nil
}

func memberNotFound(imageID, memberID string) error {
	return glimpse.Errorf(glimpse.ENOTFOUND, "%s not found in the member list of the image %s.", memberID, imageID)
}

// imageExists returns ENOTFOUND unless the image exists and is not deleted. With lock, it
// also locks the image row (in a write transaction) so that the image cannot be deleted
// before the transaction ends.
func imageExists(ctx context.Context, tx *tx, id string, lock bool) error {
	q := "SELECT 1 FROM images WHERE id = ? AND status <> ?"
	if lock {
		q += tx.d.forUpdate()
	}
	ok, err := tx.exists(ctx, q, id, glimpse.ImageStatusDeleted)
	if err != nil {
		return fmt.Errorf("select image: %w", err)
	} else if !ok {
		return imageNotFound(id)
	}
	return nil
}

// CreateMember shares m.ImageID with project m.MemberID ("Create image member" in the Image
// API v2 reference). Status defaults to pending; CreatedAt and UpdatedAt are set to now.
// Errors: ENOTFOUND for a missing or deleted image; ECONFLICT "Member <m> is duplicated for
// image <id>" (Glance's wording) when the project is already a member.
func (db *DB) CreateMember(ctx context.Context, m *glimpse.Member) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Locked: a member added while DeleteImage removes the members would outlive them.
	if err := imageExists(ctx, tx, m.ImageID, true); err != nil {
		return err
	}
	if m.Status == "" {
		m.Status = glimpse.MemberStatusPending
	}
	m.CreatedAt, m.UpdatedAt = tx.now, tx.now
	_, err = tx.exec(ctx, "INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
		m.ImageID, m.MemberID, m.Status, tx.d.timeArg(m.CreatedAt), tx.d.timeArg(m.UpdatedAt))
	if tx.d.isUniqueViolation(err) {
		return glimpse.Errorf(glimpse.ECONFLICT, "Member %s is duplicated for image %s", m.MemberID, m.ImageID)
	} else if err != nil {
		return fmt.Errorf("insert image member: %w", err)
	}
	return tx.commit()
}

// FindMember returns one member of an image. Errors: ENOTFOUND.
func (db *DB) FindMember(ctx context.Context, imageID, memberID string) (*glimpse.Member, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findMember(ctx, tx, imageID, memberID)
}

func findMember(ctx context.Context, tx *tx, imageID, memberID string) (*glimpse.Member, error) {
	m, err := scanMember(tx.queryRow(ctx, memberSelect+" WHERE image_id = ? AND member = ?", imageID, memberID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, memberNotFound(imageID, memberID)
	} else if err != nil {
		return nil, fmt.Errorf("select image member: %w", err)
	}
	return m, nil
}

// FindMembers returns the members of an image, oldest first.
// Errors: ENOTFOUND for a missing or deleted image.
func (db *DB) FindMembers(ctx context.Context, imageID string) ([]*glimpse.Member, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := imageExists(ctx, tx, imageID, false); err != nil {
		return nil, err
	}
	members := []*glimpse.Member{}
	err = eachRow(ctx, tx, memberSelect+" WHERE image_id = ? ORDER BY created_at, member", []any{imageID},
		func(r *sql.Rows) error {
			m, err := scanMember(r)
			if err == nil {
				members = append(members, m)
			}
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("select image members: %w", err)
	}
	return members, nil
}

// UpdateMember stores m.Status and sets m.UpdatedAt to now (m.CreatedAt is refreshed from
// the store). Errors: ENOTFOUND.
func (db *DB) UpdateMember(ctx context.Context, m *glimpse.Member) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	n, err := tx.execAffected(ctx, "UPDATE image_members SET status = ?, updated_at = ? WHERE image_id = ? AND member = ?",
		m.Status, tx.d.timeArg(tx.now), m.ImageID, m.MemberID)
	if err != nil {
		return fmt.Errorf("update image member: %w", err)
	} else if n == 0 {
		return memberNotFound(m.ImageID, m.MemberID)
	}
	stored, err := findMember(ctx, tx, m.ImageID, m.MemberID)
	if err != nil {
		return err
	}
	if err := tx.commit(); err != nil {
		return err
	}
	*m = *stored
	return nil
}

// DeleteMember removes a member. Errors: ENOTFOUND.
func (db *DB) DeleteMember(ctx context.Context, imageID, memberID string) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	n, err := tx.execAffected(ctx, "DELETE FROM image_members WHERE image_id = ? AND member = ?", imageID, memberID)
	if err != nil {
		return fmt.Errorf("delete image member: %w", err)
	} else if n == 0 {
		return memberNotFound(imageID, memberID)
	}
	return tx.commit()
}
