package devicedb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
)

// CheckFile checks the database file at path for damage: it opens it
// read-only (no migration, no write; a running server may hold it), runs
// PRAGMA integrity_check and PRAGMA foreign_key_check and returns one line
// per problem found, none when the database is sound. The error is for a
// database that cannot be read at all.
func CheckFile(ctx context.Context, path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("checking database: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("checking database %s: not a regular file", path)
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_busy_timeout=10000"
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("checking database %s: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	problems, err := integrityProblems(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("checking database %s: integrity_check: %w", path, err)
	}
	fks, err := foreignKeyProblems(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("checking database %s: foreign_key_check: %w", path, err)
	}
	return append(problems, fks...), nil
}

// integrityProblems runs PRAGMA integrity_check: one row "ok", or one row
// per problem.
func integrityProblems(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if s != "ok" {
			out = append(out, "integrity: "+s)
		}
	}
	return out, rows.Err()
}

// foreignKeyProblems runs PRAGMA foreign_key_check: one row per row whose
// parent is missing.
func foreignKeyProblems(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return nil, err
		}
		row := "without rowid"
		if rowid.Valid {
			row = fmt.Sprintf("rowid %d", rowid.Int64)
		}
		out = append(out, fmt.Sprintf("foreign key: %s %s refers to a missing %s row (constraint %d)", table, row, parent, fkid))
	}
	return out, rows.Err()
}
