package sqlstore

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/glimpse-image/glimpse"
	"github.com/glimpse-image/glimpse/sqlstore/sqltest"
)

// opener returns a new, empty, migrated database closed at the end of the test.
type opener func(t *testing.T) *DB

// runSuite runs every store test against databases from open. It is the one test body
// that every dialect runs.
func runSuite(t *testing.T, open opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, opener)
	}{
		{"ImageRoundTrip", testImageRoundTrip},
		{"ImageDefaults", testImageDefaults},
		{"ImageDuplicateID", testImageDuplicateID},
		{"ImageTimesUTC", testImageTimesUTC},
		{"ImageUpdate", testImageUpdate},
		{"ImageUpdateErrors", testImageUpdateErrors},
		{"ImageUpdateConcurrent", testImageUpdateConcurrent},
		{"ImageUploadRace", testImageUploadRace},
		{"ImageSoftDelete", testImageSoftDelete},
		{"FindImagesOps", testFindImagesOps},
		{"FindImagesInvalid", testFindImagesInvalid},
		{"FindImagesTagsProperties", testFindImagesTagsProperties},
		{"FindImagesVisibility", testFindImagesVisibility},
		{"FindImagesMarker", testFindImagesMarker},
		{"FindImagesKeysetPaging", testFindImagesKeysetPaging},
		{"FindImagesDeletedMarker", testFindImagesDeletedMarker},
		{"LongText", testLongText},
		{"TrailingSpaces", testTrailingSpaces},
		{"UnstorableStrings", testUnstorableStrings},
		{"Members", testMembers},
		{"MembersDeletedImage", testMembersDeletedImage},
		{"Domains", testDomains},
		{"ProjectsUsers", testProjectsUsers},
		{"IdentityExtra", testIdentityExtra},
		{"RolesAssignments", testRolesAssignments},
		{"Catalog", testCatalog},
		{"Revocations", testRevocations},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each test has its own database: they run in parallel, which hides the
			// latency of creating and migrating a PostgreSQL or MySQL database.
			t.Parallel()
			tt.fn(t, open)
		})
	}
}

func TestSQLite(t *testing.T) {
	runSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, "sqlite://"+filepath.Join(t.TempDir(), "glimpse.db"))
	})
}

// TestPostgres runs the suite on PostgreSQL, each test in its own throwaway database on
// the server of GLIMPSE_TEST_POSTGRES_DSN (skipped when unset).
func TestPostgres(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.PostgresEnv)
	runSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, sqltest.NewDatabase(t, sqltest.PostgresEnv))
	})
}

// TestMySQL runs the suite on MySQL or MariaDB, each test in its own throwaway database on
// the server of GLIMPSE_TEST_MYSQL_DSN (skipped when unset).
func TestMySQL(t *testing.T) {
	sqltest.ServerDSN(t, sqltest.MySQLEnv)
	runSuite(t, func(t *testing.T) *DB {
		t.Helper()
		return openTestDB(t, sqltest.NewDatabase(t, sqltest.MySQLEnv))
	})
}

// openTestDB opens and migrates dsn and closes it at the end of the test.
func openTestDB(t testing.TB, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

// ---- helpers

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }

// wantCode fails the test unless err carries the glimpse error code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := glimpse.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// wantError fails the test unless err has the code and client message.
func wantError(t *testing.T, err error, code, message string) {
	t.Helper()
	wantCode(t, err, code)
	if got := glimpse.ErrorMessage(err); got != message {
		t.Fatalf("message = %q, want %q", got, message)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// clock is a settable clock for DB.now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// useClock makes db's clock settable, starting at t.
func useClock(db *DB, t time.Time) *clock {
	c := &clock{t: t}
	db.now = c.Now
	return c
}

// t0 is an arbitrary base time with sub-microsecond digits and a non-UTC zone.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("CET", 3600))

func mustCreateImage(t *testing.T, db *DB, img *glimpse.Image) *glimpse.Image {
	t.Helper()
	must(t, db.CreateImage(ctx, img))
	return img
}

func ids(imgs []*glimpse.Image) []string {
	out := make([]string, len(imgs))
	for i, img := range imgs {
		out[i] = img.ID
	}
	return out
}
