package devicedb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// tableNames lists the tables of the store's schema (not the engine's own,
// nor PostgreSQL's schema_version and id_counters), parents before the tables whose foreign keys point
// at them.
func (s *Store) tableNames(ctx context.Context) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name`
	if s.pg {
		q = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('schema_version', 'id_counters') ORDER BY tablename`
	}
	names, err := queryColumn(ctx, s.r, q)
	if err != nil {
		return nil, err
	}
	parents := map[string][]string{}
	for _, n := range names {
		q := `SELECT DISTINCT "table" FROM pragma_foreign_key_list(?)`
		if s.pg {
			q = `SELECT DISTINCT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND conrelid = ?::regclass`
		}
		if parents[n], err = queryColumn(ctx, s.r, q, n); err != nil {
			return nil, err
		}
	}
	var out []string
	done := map[string]bool{}
	var visit func(n string, depth int)
	visit = func(n string, depth int) {
		if done[n] || depth > len(names) {
			return
		}
		for _, p := range parents[n] {
			if p != n {
				visit(p, depth+1)
			}
		}
		if !done[n] {
			done[n] = true
			out = append(out, n)
		}
	}
	for _, n := range names {
		visit(n, 0)
	}
	return out, nil
}

func queryColumn(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// usedTables are the tables that tell a database in use from a new one
// (whose only rows are what the migrations put in).
var usedTables = []string{"audit", "users", "devices", "licenses", "admins"}

// CopyTo copies every row of every table of s into dst, in one
// transaction on dst, and returns the number of rows per table. dst must
// be new (migrated, never used): CopyTo refuses a database with users,
// devices, licenses, admins or audit entries. Both stores must be at the
// same schema version (Open migrates them). No audit entry is added: the
// copy is the same account.
func (s *Store) CopyTo(ctx context.Context, dst *Store) (map[string]int, error) {
	tables, err := s.tableNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	for _, t := range usedTables {
		var n int
		if err := dst.r.QueryRowContext(ctx, `SELECT count(*) FROM `+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if n > 0 {
			return nil, &Error{Kind: ErrConflict, Msg: fmt.Sprintf("the target database is in use (table %s has %d rows); copy into a new, empty database", t, n)}
		}
	}
	var opts *sql.TxOptions
	if dst.pg {
		opts = &sql.TxOptions{Isolation: sql.LevelSerializable}
	}
	tx, err := dst.w.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// What the migrations put in (reserved extensions) comes from the
	// source like the rest.
	for i := len(tables) - 1; i >= 0; i-- {
		if _, err := tx.ExecContext(ctx, `DELETE FROM "`+tables[i]+`"`); err != nil {
			return nil, fmt.Errorf("target: emptying %s: %w", tables[i], err)
		}
	}
	counts := map[string]int{}
	for _, t := range tables {
		n, err := copyTable(ctx, s.r, tx, t)
		if err != nil {
			return nil, fmt.Errorf("copying %s: %w", t, err)
		}
		counts[t] = n
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	dst.changed(ctx)
	return counts, nil
}

func copyTable(ctx context.Context, src *sql.DB, dst *sql.Tx, table string) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM "`+table+`"`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	ins, err := dst.PrepareContext(ctx, `INSERT INTO "`+table+`" (`+strings.Join(quoted, ", ")+`) VALUES (`+
		strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",")+`)`)
	if err != nil {
		return 0, err
	}
	defer ins.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		if _, err := ins.ExecContext(ctx, vals...); err != nil {
			return n, fmt.Errorf("row %d: %w", n+1, err)
		}
		n++
	}
	return n, rows.Err()
}

// RowCounts returns the number of rows of every table, for comparing two
// copies of one account.
func (s *Store) RowCounts(ctx context.Context) (map[string]int, error) {
	tables, err := s.tableNames(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range tables {
		var n int
		if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
