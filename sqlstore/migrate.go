package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"strings"

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
	p, err := db.dialect.migrationProvider(db.db)
	if err != nil {
		return err
	}
	return db.Locked(ctx, "migrate", func(ctx context.Context) error {
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate %s database: %w", db.dialect, err)
		}
		return nil
	})
}

// migrationProvider returns the goose provider of the dialect's migrations on sqldb: the
// SQL files of migrations/<dialect>/ and, on MySQL, the Go migration mysqlNoPadMigration.
func (d dialect) migrationProvider(sqldb *sql.DB) (*goose.Provider, error) {
	fsys, err := d.migrations()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	var opts []goose.ProviderOption
	if d == dialectMySQL {
		opts = append(opts, goose.WithGoMigrations(mysqlNoPadMigration))
	}
	p, err := goose.NewProvider(d.gooseDialect(), sqldb, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// mysqlNoPadMigration is MySQL migration 6 (the other dialects skip the number). It gives
// every text column a NO PAD binary collation, so that strings differing only by trailing
// spaces ("x" and "x ") are distinct in keys, filters and sorts, as on SQLite and
// PostgreSQL: utf8mb4_bin, which 00001 chose, is PAD SPACE. Text still sorts byte by byte.
// It is a Go migration because the collation's name depends on the server (see
// mysqlNoPadCollation). It also becomes the database's default, so tables created by later
// migrations inherit it when they name neither a character set nor a collation.
var mysqlNoPadMigration = goose.NewGoMigration(6,
	&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		var version string
		if err := tx.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
			return fmt.Errorf("server version: %w", err)
		}
		return setMySQLCollation(ctx, tx, mysqlNoPadCollation(version))
	}},
	// Down fails while two values of a unique key differ only by trailing spaces.
	&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return setMySQLCollation(ctx, tx, "utf8mb4_bin")
	}},
)

// mysqlNoPadCollation returns the utf8mb4 binary NO PAD collation of the server whose
// VERSION() is version: MariaDB's utf8mb4_nopad_bin or MySQL 8's utf8mb4_0900_bin.
func mysqlNoPadCollation(version string) string {
	if strings.Contains(version, "MariaDB") {
		return "utf8mb4_nopad_bin"
	}
	return "utf8mb4_0900_bin"
}

// setMySQLCollation converts every table of the current database but goose's, and the
// database's default, to utf8mb4 with collation. Rows are kept: the tables are rebuilt.
// MySQL and MariaDB refuse to change the collation of a column in a foreign key, even with
// foreign_key_checks off, so the foreign keys are dropped first and added back after.
// foreign_key_checks is off meanwhile, so that adding them back does not scan every table
// again (the rows referred to each other before), and back on before the connection
// returns to the pool. DDL is not transactional in MySQL: a failure leaves the tables
// partly converted and the foreign keys dropped, for an operator to repair.
func setMySQLCollation(ctx context.Context, tx *sql.Tx, collation string) (err error) {
	tables, err := queryStrings(ctx, tx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' AND table_name <> 'goose_db_version'
		ORDER BY table_name`)
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	// Each foreign key: table, name, columns, referenced table and columns, ON DELETE and
	// ON UPDATE rules.
	fks, err := queryStrings(ctx, tx, `SELECT rc.table_name, rc.constraint_name,
			GROUP_CONCAT(k.column_name ORDER BY k.ordinal_position),
			rc.referenced_table_name,
			GROUP_CONCAT(k.referenced_column_name ORDER BY k.ordinal_position),
			rc.delete_rule, rc.update_rule
		FROM information_schema.referential_constraints rc
		JOIN information_schema.key_column_usage k ON k.constraint_schema = rc.constraint_schema
			AND k.table_name = rc.table_name AND k.constraint_name = rc.constraint_name
		WHERE rc.constraint_schema = DATABASE()
		GROUP BY rc.table_name, rc.constraint_name, rc.referenced_table_name, rc.delete_rule, rc.update_rule
		ORDER BY rc.table_name, rc.constraint_name`)
	if err != nil {
		return fmt.Errorf("list foreign keys: %w", err)
	}

	if _, err := tx.ExecContext(ctx, "SET SESSION foreign_key_checks = 0"); err != nil {
		return err
	}
	defer func() {
		_, resetErr := tx.ExecContext(context.WithoutCancel(ctx), "SET SESSION foreign_key_checks = 1")
		if err == nil && resetErr != nil {
			err = fmt.Errorf("turn foreign key checks back on: %w", resetErr)
		}
	}()
	var stmts []string
	for _, fk := range fks {
		stmts = append(stmts, "ALTER TABLE "+quoteNames(fk[0])+" DROP FOREIGN KEY "+quoteNames(fk[1]))
	}
	for _, t := range tables {
		stmts = append(stmts, "ALTER TABLE "+quoteNames(t[0])+" CONVERT TO CHARACTER SET utf8mb4 COLLATE "+collation)
	}
	for _, fk := range fks {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s)%s%s",
			quoteNames(fk[0]), quoteNames(fk[1]), quoteNames(fk[2]), quoteNames(fk[3]), quoteNames(fk[4]),
			fkRule("DELETE", fk[5]), fkRule("UPDATE", fk[6])))
	}
	stmts = append(stmts, "ALTER DATABASE CHARACTER SET utf8mb4 COLLATE "+collation)
	for _, q := range stmts {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// queryStrings returns the rows of q, each the text of its columns.
func queryStrings(ctx context.Context, tx *sql.Tx, q string) ([][]string, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		row := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// quoteNames quotes each name of the comma-separated list names as a MySQL identifier.
func quoteNames(names string) string {
	parts := strings.Split(names, ",")
	for i, p := range parts {
		parts[i] = "`" + strings.ReplaceAll(p, "`", "``") + "`"
	}
	return strings.Join(parts, ", ")
}

// fkRule is the " ON <event> <rule>" clause of a foreign key, or "" for the default
// (RESTRICT or NO ACTION, alike in InnoDB), so that a key declared without the clause is
// added back as it was.
func fkRule(event, rule string) string {
	if rule == "RESTRICT" || rule == "NO ACTION" {
		return ""
	}
	return " ON " + event + " " + rule
}
