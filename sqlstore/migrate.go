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
// goose_db_version).
func (db *DB) migrate(ctx context.Context) error {
	fsys, err := db.dialect.migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(db.dialect.gooseDialect(), db.db, fsys)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s database: %w", db.dialect, err)
	}
	return nil
}
