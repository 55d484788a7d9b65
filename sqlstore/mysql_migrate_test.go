package sqlstore

import (
	"database/sql"
	"slices"
	"testing"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// TestMySQLMigrateNoPad migrates a MySQL database holding data from version 4 to the
// latest, down to 4 and up again: the rows and foreign keys survive, every text column
// ends up with the server's NO PAD binary collation (utf8mb4_bin when migrated down), and
// strings differing by trailing spaces are distinct afterwards.
func TestMySQLMigrateNoPad(t *testing.T) {
	dsn := sqltest.NewDatabase(t, sqltest.MySQLEnv)
	_, driverDSN, err := parseDSN(dsn)
	must(t, err)
	sqldb, err := sql.Open("mysql", driverDSN)
	must(t, err)
	defer sqldb.Close()
	p, err := dialectMySQL.migrationProvider(sqldb)
	must(t, err)
	_, err = p.UpTo(ctx, 4)
	must(t, err)
	for _, q := range []string{
		"INSERT INTO images (id, name, status, visibility, created_at, updated_at) VALUES ('img', 'x ', 'active', 'public', NOW(6), NOW(6))",
		"INSERT INTO image_tags (image_id, value, position) VALUES ('img', 'x', 0)",
		"INSERT INTO image_properties (image_id, name, value) VALUES ('img', 'k', 'v')",
		"INSERT INTO image_members (image_id, member, status, created_at, updated_at) VALUES ('img', 'm', 'accepted', NOW(6), NOW(6))",
	} {
		_, err := sqldb.ExecContext(ctx, q)
		must(t, err)
	}
	// column returns the one text column of every row of q.
	column := func(q string) []string {
		var out []string
		rows, err := sqldb.QueryContext(ctx, q)
		must(t, err)
		defer rows.Close()
		for rows.Next() {
			var s string
			must(t, rows.Scan(&s))
			out = append(out, s)
		}
		must(t, rows.Err())
		return out
	}
	foreignKeys := func() []string {
		return column(`SELECT CONCAT(table_name, ' ', constraint_name, ' ', referenced_table_name, ' ', delete_rule)
			FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE() ORDER BY 1`)
	}
	// collations returns the collations of the text columns and tables (goose's aside).
	collations := func() []string {
		return column(`SELECT DISTINCT collation_name FROM information_schema.columns
			WHERE table_schema = DATABASE() AND table_name <> 'goose_db_version' AND collation_name IS NOT NULL
			UNION SELECT table_collation FROM information_schema.tables
			WHERE table_schema = DATABASE() AND table_name <> 'goose_db_version'
			UNION SELECT default_collation_name FROM information_schema.schemata WHERE schema_name = DATABASE()`)
	}
	fks := foreignKeys()
	if len(fks) == 0 {
		t.Fatal("no foreign keys at version 4")
	}
	var version string
	must(t, sqldb.QueryRowContext(ctx, "SELECT VERSION()").Scan(&version))
	nopad := mysqlNoPadCollation(version)

	check := func(step, collation string) {
		t.Helper()
		if got := collations(); !slices.Equal(got, []string{collation}) {
			t.Errorf("%s: collations %q, want %q", step, got, collation)
		}
		if got := foreignKeys(); !slices.Equal(got, fks) {
			t.Errorf("%s: foreign keys\n%q\nwant\n%q", step, got, fks)
		}
	}

	db := openTestDB(t, dsn) // migrates up
	check("up", nopad)
	img, err := db.FindImageByID(ctx, "img")
	must(t, err)
	if *img.Name != "x " || !slices.Equal(img.Tags, []string{"x"}) || img.Properties["k"] != "v" {
		t.Fatalf("after migrating: %+v", img)
	}
	if _, err := db.UpdateImage(ctx, "img", func(u *glimpse.Image) error {
		u.Tags = append(u.Tags, "x ")
		return nil
	}); err != nil {
		t.Fatalf("tag differing by a trailing space: %v", err)
	}
	if _, err := db.FindMember(ctx, "img", "m"); err != nil {
		t.Fatal(err)
	}

	// Down needs the tags "x" and "x " to be one again.
	_, err = sqldb.ExecContext(ctx, "DELETE FROM image_tags WHERE value = 'x '")
	must(t, err)
	_, err = p.DownTo(ctx, 4)
	must(t, err)
	check("down", "utf8mb4_bin")
	_, err = p.Up(ctx)
	must(t, err)
	check("up again", nopad)
	// The foreign keys still cascade.
	_, err = sqldb.ExecContext(ctx, "DELETE FROM images WHERE id = 'img'")
	must(t, err)
	var n int
	must(t, sqldb.QueryRowContext(ctx, "SELECT COUNT(*) FROM image_tags").Scan(&n))
	if n != 0 {
		t.Errorf("%d tags left after deleting their image", n)
	}
}
