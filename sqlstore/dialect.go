package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/glimpse-image/glimpse"
)

// dialect holds everything that differs between the SQL databases glimpse runs on:
// driver name and DSN, migrations, placeholders, "insert or ignore" syntax, row locks,
// unique-violation detection, NULL ordering and the representation of times. Queries
// elsewhere are written once, with "?" placeholders, and pass through rebind.
//
//   - SQLite (modernc.org/sqlite): times are fixed-width UTC text, NULLs sort first; write
//     transactions begin IMMEDIATE, so they run one at a time and need no row locks.
//   - PostgreSQL (pgx through database/sql): $n placeholders, timestamptz, "FOR UPDATE",
//     SQLSTATE 23505, explicit NULLS FIRST/LAST; text holds no NUL byte (see canStore).
//   - MySQL/MariaDB (go-sql-driver/mysql): "INSERT IGNORE", DATETIME(6) in UTC, "FOR
//     UPDATE", error 1062, utf8mb4 columns with a binary NO PAD collation (migration 6, see
//     mysqlNoPadMigration), READ COMMITTED transactions. The driver DSN
//     sets clientFoundRows=true: the store reads RowsAffected of an UPDATE as "rows matched"
//     (ENOTFOUND when 0), which is what SQLite and PostgreSQL report.
type dialect int

const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
	dialectMySQL
)

// timeLayout is the fixed-width UTC text form of times in SQLite: microsecond precision, so
// that text order is time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

func (d dialect) String() string {
	switch d {
	case dialectSQLite:
		return "sqlite"
	case dialectPostgres:
		return "postgres"
	case dialectMySQL:
		return "mysql"
	}
	return fmt.Sprintf("dialect(%d)", int(d))
}

// driverName is the database/sql driver to open.
func (d dialect) driverName() string {
	switch d {
	case dialectPostgres:
		return "pgx"
	case dialectMySQL:
		return "mysql"
	}
	return "sqlite"
}

// gooseDialect is the goose dialect of the migrations.
func (d dialect) gooseDialect() goose.Dialect {
	switch d {
	case dialectPostgres:
		return goose.DialectPostgres
	case dialectMySQL:
		return goose.DialectMySQL
	}
	return goose.DialectSQLite3
}

// migrations returns the dialect's migration files (migrations/<name>/NNNNN_*.sql).
func (d dialect) migrations() (fs.FS, error) {
	return fs.Sub(migrationFS, "migrations/"+d.String())
}

// txOptions returns the options of a read-write (write true) or read-only transaction.
// MySQL runs READ COMMITTED, as PostgreSQL does by default: REPEATABLE READ's gap locks
// would make unrelated writers wait for (and deadlock with) each other.
func (d dialect) txOptions(write bool) *sql.TxOptions {
	opts := &sql.TxOptions{ReadOnly: !write}
	if d == dialectMySQL {
		opts.Isolation = sql.LevelReadCommitted
	}
	return opts
}

// sqliteDriverDSN returns the modernc.org/sqlite DSN for a database file: WAL, a 10 s busy
// timeout, foreign keys on, and BEGIN IMMEDIATE for read-write transactions so that
// concurrent writers wait for each other instead of failing with "database is locked".
func sqliteDriverDSN(path, extraQuery string) string {
	q := "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if extraQuery != "" {
		q += "&" + extraQuery
	}
	return path + "?" + q
}

// rebind rewrites the "?" placeholders of q for the dialect ($1, $2, … on PostgreSQL).
// Queries hold no "?" inside string literals.
func (d dialect) rebind(q string) string {
	if d != dialectPostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// insertIgnore returns an INSERT of cols into table that does nothing when the row would
// violate a unique constraint.
func (d dialect) insertIgnore(table string, cols ...string) string {
	if d == dialectMySQL {
		return fmt.Sprintf("INSERT IGNORE INTO %s (%s) VALUES (%s)",
			table, strings.Join(cols, ", "), placeholders(len(cols)))
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) ON CONFLICT DO NOTHING",
		table, strings.Join(cols, ", "), placeholders(len(cols)))
}

// forUpdate is the suffix of a SELECT that locks the rows it reads until the transaction
// ends. SQLite needs none: write transactions begin IMMEDIATE and so run one at a time.
func (d dialect) forUpdate() string {
	if d == dialectSQLite {
		return ""
	}
	return " FOR UPDATE"
}

// orderTerm returns the ORDER BY term of col in one direction with NULLs before every value
// ascending and after every value descending. SQLite and MySQL order NULLs so by
// themselves; PostgreSQL is told so for a nullable column (and only then: a NOT NULL column
// keeps the plain form, which a default index read either way matches).
func (d dialect) orderTerm(col string, desc, nullable bool) string {
	switch {
	case d == dialectPostgres && nullable && desc:
		return col + " DESC NULLS LAST"
	case d == dialectPostgres && nullable:
		return col + " ASC NULLS FIRST"
	case desc:
		return col + " DESC"
	}
	return col + " ASC"
}

// isUniqueViolation reports whether err is a unique or primary-key constraint violation.
func (d dialect) isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == mysqlDuplicateEntry
	}
	return false
}

// pgUniqueViolation is PostgreSQL's SQLSTATE unique_violation; mysqlDuplicateEntry is
// MySQL's ER_DUP_ENTRY. pgCharacterNotInRepertoire (a NUL byte or invalid UTF-8) and
// mysqlTruncatedWrongValue ("Incorrect string value": invalid UTF-8; also "Incorrect
// integer value" and the like) refuse a value the database cannot hold.
const (
	pgUniqueViolation          = "23505"
	mysqlDuplicateEntry        = 1062
	pgCharacterNotInRepertoire = "22021"
	mysqlTruncatedWrongValue   = 1366
	mysqlDataTooLong           = 1406 // a value longer than its VARCHAR column (e.g. a property name)
)

// canStore reports whether the database can hold s: PostgreSQL holds neither a NUL byte
// nor invalid UTF-8, MySQL (utf8mb4) no invalid UTF-8; SQLite holds any string.
func (d dialect) canStore(s string) bool {
	switch d {
	case dialectPostgres:
		return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
	case dialectMySQL:
		return utf8.ValidString(s)
	}
	return true
}

// queryError returns err from the database, marked EINVALID when the database refused a
// string it cannot hold (see canStore): that is the client's mistake, not an internal
// error. Other errors are returned as they are.
func (d dialect) queryError(err error) error {
	var pe *pgconn.PgError
	var me *mysql.MySQLError
	switch {
	case errors.As(err, &pe) && pe.Code == pgCharacterNotInRepertoire,
		errors.As(err, &me) && me.Number == mysqlTruncatedWrongValue && strings.Contains(me.Message, "string value"):
		invalid := glimpse.Errorf(glimpse.EINVALID, "Strings must be valid UTF-8 and contain no NUL character.")
		return fmt.Errorf("%w: %w", invalid, err)
	case errors.As(err, &me) && me.Number == mysqlDataTooLong:
		invalid := glimpse.Errorf(glimpse.EINVALID, "A value is longer than the database allows: %s", me.Message)
		return fmt.Errorf("%w: %w", invalid, err)
	}
	return err
}

// timeArg is the column value of t (UTC, microsecond precision): text on SQLite, a
// time.Time elsewhere (timestamptz; DATETIME(6) written in the connection's UTC zone).
func (d dialect) timeArg(t time.Time) any {
	if d == dialectSQLite {
		return t.UTC().Format(timeLayout)
	}
	return truncTime(t)
}

// nullTimeArg is the column value of t, or NULL for nil.
func (d dialect) nullTimeArg(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.timeArg(*t)
}

// parseTimeValue converts a time column value read from any dialect's driver into a UTC time.
func parseTimeValue(src any) (time.Time, error) {
	switch v := src.(type) {
	case time.Time:
		return v.UTC(), nil
	case string:
		return parseTimeText(v)
	case []byte:
		return parseTimeText(string(v))
	}
	return time.Time{}, fmt.Errorf("sqlstore: cannot read %T as a time", src)
}

func parseTimeText(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlstore: bad time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// timeScan scans a NOT NULL time column into *dst.
type timeScan struct{ dst *time.Time }

func (s timeScan) Scan(src any) error {
	if src == nil {
		*s.dst = time.Time{}
		return nil
	}
	t, err := parseTimeValue(src)
	*s.dst = t
	return err
}

// nullTimeScan scans a nullable time column into *dst (nil for NULL).
type nullTimeScan struct{ dst **time.Time }

func (s nullTimeScan) Scan(src any) error {
	if src == nil {
		*s.dst = nil
		return nil
	}
	t, err := parseTimeValue(src)
	if err != nil {
		return err
	}
	*s.dst = &t
	return nil
}

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// truncTime is t in UTC at the precision every dialect stores (microseconds).
func truncTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

var _ driver.Valuer = (*nullString)(nil)

// nullString stores "" as NULL and reads NULL as "".
type nullString struct{ s *string }

func (n *nullString) Value() (driver.Value, error) {
	if n.s == nil || *n.s == "" {
		return nil, nil
	}
	return *n.s, nil
}

func (n *nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.s = ""
	case string:
		*n.s = v
	case []byte:
		*n.s = string(v)
	default:
		return fmt.Errorf("sqlstore: cannot read %T as a string", src)
	}
	return nil
}
