package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// BenchmarkMillion times a page of GET /v2/images (FindImages, limit 25, with tags,
// properties and locations) over 1,000,000 images on every available database: SQLite
// always, PostgreSQL and MySQL when GLIMPSE_TEST_POSTGRES_DSN / GLIMPSE_TEST_MYSQL_DSN are
// set. It runs only with GLIMPSE_BENCH_MILLION=1, so that `go test ./...` stays fast:
//
//	GLIMPSE_BENCH_MILLION=1 go test -run x -bench Million -benchtime 200x ./sqlstore/
//
// The rows are generated inside the database (generate_series, MariaDB's seq_1_to_N or a
// recursive CTE) in one transaction per table, then the tables are analyzed (and vacuumed on
// PostgreSQL, as autovacuum would soon do); the load time
// is logged. The databases (glimpse_bench_million, or a file in the temp directory) are
// dropped at the end unless GLIMPSE_BENCH_MILLION_KEEP=1, which keeps them and reuses them
// on the next run when they still hold a million images.
//
// Data: 1,000,000 images created two per second; 5% deleted, 5% queued, 5% deactivated,
// the rest active; 10% public, 10% community, 10% shared, 70% private; owners project-0 …
// project-999; disk formats qcow2, raw and iso in turn; 1% without a name; every image
// has the property os_distro (ubuntu, debian, centos, fedora in turn) and every second one
// hw_disk_bus=virtio; every shared image has one accepted member.
//
// Viewers: admin (sees everything) and project-7 (sees about 10% of the rows: public,
// its own, and the shared images it is a member of). Queries: the first page in the
// default order (created_at desc, id desc); the page after a marker about 900,000 rows
// deep; status=active&disk_format=qcow2; os_distro=ubuntu; sort_key=name.
func BenchmarkMillion(b *testing.B) {
	if os.Getenv("GLIMPSE_BENCH_MILLION") != "1" {
		b.Skip("set GLIMPSE_BENCH_MILLION=1 to load 1,000,000 images and time listing pages")
	}
	keep := os.Getenv("GLIMPSE_BENCH_MILLION_KEEP") == "1"
	for _, d := range []struct {
		name string
		env  string
	}{{"sqlite", ""}, {"postgres", sqltest.PostgresEnv}, {"mysql", sqltest.MySQLEnv}} {
		b.Run(d.name, func(b *testing.B) {
			db := millionDB(b, d.name, d.env, keep)
			benchMillionQueries(b, db)
		})
	}
}

const (
	millionImages   = 1_000_000
	millionDatabase = "glimpse_bench_million"
)

// millionDB opens the benchmark database of a dialect, loading it when it does not hold
// a million images.
func millionDB(b *testing.B, dialectName, env string, keep bool) *DB {
	b.Helper()
	var dsn string
	drop := func() error { return nil }
	if env == "" {
		path := filepath.Join(os.TempDir(), millionDatabase+".db")
		if !keep {
			removeSQLite(path)
			drop = func() error { removeSQLite(path); return nil }
		}
		dsn = "sqlite://" + path
	} else {
		server := sqltest.ServerDSN(b, env)
		var err error
		if !keep {
			if err := sqltest.DropDatabase(ctx, server, millionDatabase); err != nil {
				b.Fatal(err)
			}
			dsn, drop, err = sqltest.CreateDatabase(ctx, server, millionDatabase)
		} else if dsn, _, err = sqltest.CreateDatabase(ctx, server, millionDatabase); err != nil {
			dsn, err = sqltest.DatabaseDSN(server, millionDatabase) // it exists already
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	db, err := Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		db.Close()
		if err := drop(); err != nil {
			b.Errorf("drop %s: %v", millionDatabase, err)
		}
	})
	var n int
	if err := db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM images").Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n != millionImages {
		start := time.Now()
		if err := loadMillion(ctx, db); err != nil {
			b.Fatalf("load %s: %v", dialectName, err)
		}
		b.Logf("%s: loaded %d images with properties and members in %s", dialectName, millionImages, time.Since(start).Round(time.Second))
	}
	return db
}

func removeSQLite(path string) {
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(path + suffix)
	}
}

// loadMillion replaces the images of db with the generated million (see BenchmarkMillion).
func loadMillion(ctx context.Context, db *DB) error {
	var stmts []string
	switch db.dialect {
	case dialectPostgres:
		stmts = []string{
			`INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner, size,
				checksum, os_hash_algo, disk_format, container_format, min_disk, min_ram, created_at, updated_at, deleted_at)
			SELECT md5(x::text)::uuid::text,
				CASE WHEN x % 100 = 0 THEN NULL ELSE 'image-' || (x % 50000) END,
				CASE x % 20 WHEN 0 THEN 'queued' WHEN 1 THEN 'deleted' WHEN 2 THEN 'deactivated' ELSE 'active' END,
				CASE x % 10 WHEN 0 THEN 'public' WHEN 1 THEN 'community' WHEN 2 THEN 'shared' ELSE 'private' END,
				false, false, 'project-' || (x % 1000), x::bigint * 1024, md5('data' || x), 'sha512',
				(ARRAY['qcow2', 'raw', 'iso'])[x % 3 + 1], 'bare', 0, 0, ts, ts,
				CASE WHEN x % 20 = 1 THEN ts END
			FROM (SELECT x, timestamptz '2020-01-01 00:00:00+00' + (x / 2) * interval '1 second' AS ts
				FROM generate_series(1, 1000000) x) g`,
			`INSERT INTO image_properties (image_id, name, value)
			SELECT id, 'os_distro', (ARRAY['ubuntu', 'debian', 'centos', 'fedora'])[((size / 1024) % 4 + 1)::int] FROM images`,
			`INSERT INTO image_properties (image_id, name, value) SELECT id, 'hw_disk_bus', 'virtio' FROM images WHERE (size / 1024) % 2 = 0`,
			`INSERT INTO image_members (image_id, member, status, created_at, updated_at)
			SELECT id, 'project-' || ((size / 1024 + 1) % 1000), 'accepted', created_at, created_at FROM images WHERE visibility = 'shared'`,
			`VACUUM ANALYZE images`, `VACUUM ANALYZE image_properties`, `VACUUM ANALYZE image_members`,
		}
	case dialectMySQL:
		gen := "seq_1_to_1000000"
		var seqEngine int
		db.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.engines WHERE engine = 'SEQUENCE' AND support IN ('YES', 'DEFAULT')").Scan(&seqEngine)
		if seqEngine == 0 { // MySQL: a recursive CTE
			if _, err := db.db.ExecContext(ctx, "SET SESSION cte_max_recursion_depth = 2000000"); err != nil {
				return err
			}
			gen = "(WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < 1000000) SELECT seq FROM s) s"
		}
		stmts = []string{
			`INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner, size,
				checksum, os_hash_algo, disk_format, container_format, min_disk, min_ram, created_at, updated_at, deleted_at)
			SELECT CONCAT_WS('-', SUBSTR(h, 1, 8), SUBSTR(h, 9, 4), SUBSTR(h, 13, 4), SUBSTR(h, 17, 4), SUBSTR(h, 21, 12)),
				IF(x % 100 = 0, NULL, CONCAT('image-', x % 50000)),
				ELT(x % 20 + 1, 'queued', 'deleted', 'deactivated', 'active', 'active', 'active', 'active', 'active', 'active', 'active',
					'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active'),
				ELT(x % 10 + 1, 'public', 'community', 'shared', 'private', 'private', 'private', 'private', 'private', 'private', 'private'),
				false, false, CONCAT('project-', x % 1000), x * 1024, MD5(CONCAT('data', x)), 'sha512',
				ELT(x % 3 + 1, 'qcow2', 'raw', 'iso'), 'bare', 0, 0, ts, ts, IF(x % 20 = 1, ts, NULL)
			FROM (SELECT seq AS x, MD5(seq) AS h, TIMESTAMP('2020-01-01 00:00:00') + INTERVAL (seq DIV 2) SECOND AS ts FROM ` + gen + `) g`,
			`INSERT INTO image_properties (image_id, name, value)
			SELECT id, 'os_distro', ELT((size DIV 1024) % 4 + 1, 'ubuntu', 'debian', 'centos', 'fedora') FROM images`,
			`INSERT INTO image_properties (image_id, name, value) SELECT id, 'hw_disk_bus', 'virtio' FROM images WHERE (size DIV 1024) % 2 = 0`,
			`INSERT INTO image_members (image_id, member, status, created_at, updated_at)
			SELECT id, CONCAT('project-', (size DIV 1024 + 1) % 1000), 'accepted', created_at, created_at FROM images WHERE visibility = 'shared'`,
			`ANALYZE TABLE images, image_properties, image_members`,
		}
	default:
		ts := `strftime('%Y-%m-%dT%H:%M:%S', 1577836800 + x / 2, 'unixepoch') || '.000000Z'`
		stmts = []string{
			`INSERT INTO images (id, name, status, visibility, protected, os_hidden, owner, size,
				checksum, os_hash_algo, disk_format, container_format, min_disk, min_ram, created_at, updated_at, deleted_at)
			WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 1000000)
			SELECT printf('%08x-%04x-4%03x-8%03x-%012x', (x * 2654435761) % 4294967296, (x * 40503) % 65536, x % 4096, (x * 7) % 4096, x),
				CASE WHEN x % 100 = 0 THEN NULL ELSE 'image-' || (x % 50000) END,
				CASE x % 20 WHEN 0 THEN 'queued' WHEN 1 THEN 'deleted' WHEN 2 THEN 'deactivated' ELSE 'active' END,
				CASE x % 10 WHEN 0 THEN 'public' WHEN 1 THEN 'community' WHEN 2 THEN 'shared' ELSE 'private' END,
				0, 0, 'project-' || (x % 1000), x * 1024, printf('%032x', x * 2654435761), 'sha512',
				CASE x % 3 WHEN 0 THEN 'qcow2' WHEN 1 THEN 'raw' ELSE 'iso' END, 'bare', 0, 0, ` + ts + `, ` + ts + `,
				CASE WHEN x % 20 = 1 THEN ` + ts + ` END
			FROM g`,
			`INSERT INTO image_properties (image_id, name, value)
			SELECT id, 'os_distro', CASE (size / 1024) % 4 WHEN 0 THEN 'ubuntu' WHEN 1 THEN 'debian' WHEN 2 THEN 'centos' ELSE 'fedora' END FROM images`,
			`INSERT INTO image_properties (image_id, name, value) SELECT id, 'hw_disk_bus', 'virtio' FROM images WHERE (size / 1024) % 2 = 0`,
			`INSERT INTO image_members (image_id, member, status, created_at, updated_at)
			SELECT id, 'project-' || ((size / 1024 + 1) % 1000), 'accepted', created_at, created_at FROM images WHERE visibility = 'shared'`,
			`ANALYZE`,
		}
	}
	for _, table := range []string{"image_members", "image_locations", "image_properties", "image_tags", "images"} {
		if _, err := db.db.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return err
		}
	}
	for _, q := range stmts {
		// One statement, one transaction: each table is loaded in one go.
		if _, err := db.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", strings.Fields(q)[0]+" "+strings.Fields(q)[2], err)
		}
	}
	return nil
}

// millionMarker returns a public image about 900,000 rows deep in the default order, so
// that both viewers may use it as a marker.
func millionMarker(b *testing.B, db *DB) string {
	b.Helper()
	var id string
	q := "SELECT id FROM images WHERE visibility = 'public' AND status <> 'deleted' ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET 89999"
	if err := db.db.QueryRowContext(ctx, q).Scan(&id); err != nil {
		b.Fatal(err)
	}
	return id
}

func benchMillionQueries(b *testing.B, db *DB) {
	marker := millionMarker(b, db)
	viewers := map[string]*glimpse.Viewer{"admin": {ProjectID: "project-0", Admin: true}, "project": {ProjectID: "project-7"}}
	queries := []struct {
		name string
		f    glimpse.ImageFilter
	}{
		{"first", glimpse.ImageFilter{}},
		{"deep_marker", glimpse.ImageFilter{Marker: marker}},
		{"status_disk_format", glimpse.ImageFilter{Conditions: []glimpse.Condition{
			{Field: "status", Op: glimpse.OpEq, Values: []string{"active"}},
			{Field: "disk_format", Op: glimpse.OpEq, Values: []string{"qcow2"}}}}},
		{"os_distro", glimpse.ImageFilter{Properties: []glimpse.Condition{
			{Field: "os_distro", Op: glimpse.OpEq, Values: []string{"ubuntu"}}}}},
		{"sort_name", glimpse.ImageFilter{Sort: []glimpse.SortKey{{Field: "name", Desc: true}}}},
	}
	for _, q := range queries {
		for _, vname := range []string{"admin", "project"} {
			f := q.f
			f.Viewer, f.Limit = viewers[vname], 25
			b.Run(q.name+"/"+vname, func(b *testing.B) {
				if os.Getenv("GLIMPSE_BENCH_EXPLAIN") == "1" {
					b.Log(explainFind(b, db, f))
				}
				for b.Loop() {
					imgs, err := db.FindImages(ctx, f)
					if err != nil {
						b.Fatal(err)
					} else if len(imgs) != 25 {
						b.Fatalf("%d images on the page, want 25", len(imgs))
					}
				}
			})
		}
	}
}

// explainFind returns the database's plan of FindImages' query for f.
func explainFind(b *testing.B, db *DB, f glimpse.ImageFilter) string {
	b.Helper()
	tx, err := db.beginTx(ctx, false)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	q, args, err := findImagesQuery(ctx, tx, f)
	if err != nil {
		b.Fatal(err)
	}
	prefix := map[dialect]string{dialectSQLite: "EXPLAIN QUERY PLAN ", dialectPostgres: "EXPLAIN ANALYZE ", dialectMySQL: "EXPLAIN "}[db.dialect]
	rows, err := tx.query(ctx, prefix+q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out strings.Builder
	out.WriteString(q + "\n")
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			if v != nil {
				fmt.Fprintf(&out, "%s=%v ", cols[i], v)
			}
		}
		out.WriteString("\n")
	}
	return out.String()
}
