package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/glimpse-image/glimpse"
)

var _ glimpse.RevocationStore = (*DB)(nil)

// CreateRevocation stores a revocation event, stamped with the insertion time (created_at)
// that FindRevocations' since compares with ("OS-REVOKE" in the Identity API v3 reference).
func (db *DB) CreateRevocation(ctx context.Context, r glimpse.Revocation) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	_, err = tx.exec(ctx, "INSERT INTO revocation_events (audit_id, user_id, project_id, issued_before, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
		r.AuditID, r.UserID, r.ProjectID, tx.d.timeArg(r.IssuedBefore), tx.d.timeArg(r.ExpiresAt), tx.d.timeArg(tx.now))
	if err != nil {
		return fmt.Errorf("insert revocation event: %w", err)
	}
	return tx.commit()
}

// FindRevocations returns the events inserted strictly after since that have not expired
// (ExpiresAt after now), in insertion order. A zero since returns every unexpired event.
func (db *DB) FindRevocations(ctx context.Context, since time.Time) ([]glimpse.Revocation, error) {
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	out := []glimpse.Revocation{}
	err = eachRow(ctx, tx, "SELECT audit_id, user_id, project_id, issued_before, expires_at FROM revocation_events WHERE created_at > ? AND expires_at > ? ORDER BY created_at, id",
		[]any{tx.d.timeArg(truncTime(since)), tx.d.timeArg(tx.now)},
		func(rows *sql.Rows) error {
			var r glimpse.Revocation
			if err := rows.Scan(&r.AuditID, &r.UserID, &r.ProjectID, timeScan{&r.IssuedBefore}, timeScan{&r.ExpiresAt}); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("select revocation events: %w", err)
	}
	return out, nil
}

// PurgeRevocations deletes the events that expire at or before before.
func (db *DB) PurgeRevocations(ctx context.Context, before time.Time) error {
	tx, err := db.beginTx(ctx, true)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.exec(ctx, "DELETE FROM revocation_events WHERE expires_at <= ?", tx.d.timeArg(truncTime(before))); err != nil {
		return fmt.Errorf("purge revocation events: %w", err)
	}
	return tx.commit()
}
