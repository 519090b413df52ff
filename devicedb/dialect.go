package devicedb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// The store keeps one set of queries, written for SQLite with portable
// SQL. On PostgreSQL every statement goes through pgQuery, once per
// distinct text (cached), which rewrites the few things that differ:
//
//   - placeholders: ? becomes $1, $2, … in order; ?N becomes $N;
//   - LIKE becomes ILIKE (SQLite's LIKE ignores ASCII case).
//
// Arguments of Go type bool are sent as 0/1 (SQLite stores booleans as
// integers; the PostgreSQL schema does too).
//
// Queries must avoid what the rewriter cannot translate:
//
//   - INSERT OR IGNORE / OR REPLACE: use ON CONFLICT (cols) DO NOTHING /
//     DO UPDATE SET c = excluded.c;
//   - in DO UPDATE SET, a bare column of the target on the right (requests
//     = requests + 1): qualify it (pending_devices.requests + 1);
//   - LastInsertId: use INSERT … RETURNING id with QueryRow;
//   - COLLATE NOCASE in a query: compare lower() of both sides (columns
//     declared COLLATE NOCASE are CITEXT on PostgreSQL);
//   - PRAGMA, sqlite_master, rowid, strftime/julianday/datetime/'now'
//     (times are unix seconds computed in Go), group_concat, ifnull (use
//     coalesce), two-argument max()/min() (use CASE);
//   - LIMIT -1 (use a large literal limit), boolean expressions used as
//     numbers (sum(x = 'y'): use CASE);
//   - placeholders whose type PostgreSQL cannot infer (SELECT ?; ? IS NULL
//     alone), and a Go error caught inside a transaction and then ignored
//     (PostgreSQL aborts the whole transaction).
//
// TestQueriesArePortable finds INSERT OR, LastInsertId, COLLATE NOCASE,
// the SQLite date functions, group_concat, ifnull and LIMIT -1 in the
// sources; the rest shows only when the tests run on PostgreSQL.

var pgQueries sync.Map // SQLite text -> PostgreSQL text

// pgQuery returns q rewritten for PostgreSQL.
func pgQuery(q string) string {
	if v, ok := pgQueries.Load(q); ok {
		return v.(string)
	}
	out := rewritePG(q)
	pgQueries.Store(q, out)
	return out
}

func rewritePG(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// A literal or quoted identifier, copied as it is ('' and ""
			// inside are two quotes, which this loop handles by closing
			// and reopening).
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 2
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j + 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				b.WriteString("$" + q[i+1:j])
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
			i = j
		case isWordByte(c):
			j := i
			for j < len(q) && isWordByte(q[j]) {
				j++
			}
			if w := q[i:j]; strings.EqualFold(w, "LIKE") {
				b.WriteString("ILIKE")
			} else {
				b.WriteString(w)
			}
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '$' || c >= 0x80
}

// openPostgres opens a database/sql pool on the PostgreSQL URL whose
// connections rewrite every statement with pgQuery.
func openPostgres(dsn string, maxConns int) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(pgConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	return db, nil
}

type pgConnector struct{ driver.Connector }

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{conn.(*stdlib.Conn)}, nil
}

// pgConn is pgx's database/sql connection with statements rewritten.
type pgConn struct{ *stdlib.Conn }

func (c *pgConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(pgQuery(q)) }

func (c *pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, pgQuery(q))
}

func (c *pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, pgQuery(q), args)
}

func (c *pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, pgQuery(q), args)
}

// CheckNamedValue sends Go booleans as the integers SQLite stores.
func (c *pgConn) CheckNamedValue(nv *driver.NamedValue) error {
	if v, ok := nv.Value.(bool); ok {
		nv.Value = int64(0)
		if v {
			nv.Value = int64(1)
		}
		return nil
	}
	return c.Conn.CheckNamedValue(nv)
}

// pgCode is the SQLSTATE of a PostgreSQL error, "" for any other error.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// IsPostgres reports whether url names a PostgreSQL database.
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}
