package sqlstore

import (
	"context"
	"embed"
	"fmt"

	"github.com/pressly/goose/v3"
)

//go:embed migrations
var migrationFS embed.FS

// migrate applies the dialect's pending migrations (goose Provider API, table
// goose_db_version). It holds the database-wide lock "migrate" meanwhile (see Locked), so
// that several nodes starting at once migrate one after the other: the first applies the
// migrations, the others find nothing left to do. goose's own session locker is not used:
// Provider.Up looks at the version table (HasPending) before taking it, and so could see the
// table another node has just created but not yet filled ("missing zero version migration").
func (db *DB) migrate(ctx context.Context) error {
	fsys, err := db.dialect.migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(db.dialect.gooseDialect(), db.db, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return db.Locked(ctx, "migrate", func(ctx context.Context) error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate %s database: %w", db.dialect, err)
		}
		return nil
	})
}
