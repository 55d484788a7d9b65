package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// tx wraps a transaction with the dialect (placeholders) and the time it began, which every
// timestamp written in it uses.
type tx struct {
	*sql.Tx
	d   dialect
	now time.Time
}

// beginTx starts a read-write transaction (BEGIN IMMEDIATE on SQLite, READ COMMITTED on
// PostgreSQL and MySQL) or, with write false, a read-only one that never waits for writers.
func (db *DB) beginTx(ctx context.Context, write bool) (*tx, error) {
	t, err := db.db.BeginTx(ctx, db.dialect.txOptions(write))
	if err != nil {
		return nil, fmt.Errorf("begin transaction: %w", err)
	}
	return &tx{Tx: t, d: db.dialect, now: truncTime(db.now())}, nil
}

// exec runs a statement. Errors: EINVALID (wrapping the database's error) for a string
// argument the database cannot hold (see dialect.queryError); others as they are.
func (t *tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	res, err := t.ExecContext(ctx, t.d.rebind(q), args...)
	return res, t.d.queryError(err)
}

// query runs a query. Errors: as exec's.
func (t *tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	rows, err := t.QueryContext(ctx, t.d.rebind(q), args...)
	return rows, t.d.queryError(err)
}

// queryRow runs a lookup: a query for at most one row that compares its string arguments
// by equality. When one of them is a string the database cannot hold (see canStore), no
// row can match: the query is not run and Scan reports sql.ErrNoRows, which is SQLite's
// answer too. Scan's other errors are as exec's.
func (t *tx) queryRow(ctx context.Context, q string, args ...any) rowScanner {
	for _, a := range args {
		if s, ok := a.(string); ok && !t.d.canStore(s) {
			return row{d: t.d}
		}
	}
	return row{t.QueryRowContext(ctx, t.d.rebind(q), args...), t.d}
}

// row is the result of queryRow; a nil Row is a lookup that found nothing.
type row struct {
	*sql.Row
	d dialect
}

func (r row) Scan(dest ...any) error {
	if r.Row == nil {
		return sql.ErrNoRows
	}
	return r.d.queryError(r.Row.Scan(dest...))
}

// commit commits the transaction.
func (t *tx) commit() error {
	if err := t.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// execAffected runs q and returns the number of rows it changed.
func (t *tx) execAffected(ctx context.Context, q string, args ...any) (int64, error) {
	res, err := t.exec(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// exists reports whether q returns a row.
func (t *tx) exists(ctx context.Context, q string, args ...any) (bool, error) {
	var one int
	err := t.queryRow(ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
