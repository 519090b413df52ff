package devicedb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
)

// pgMigrateLock is the advisory lock that serialises the migrations of
// nodes starting at the same time on one PostgreSQL.
const pgMigrateLock = 0x70686f6e65

// migratePG brings a PostgreSQL database to the current schema: the
// migrations in migrations/postgres above the version in schema_version,
// all in one transaction under an advisory lock; a database from a newer
// binary is refused.
func migratePG(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrationsFrom("migrations/postgres")
	if err != nil {
		return err
	}
	return migratePGWith(ctx, db, ms)
}

func migratePGWith(ctx context.Context, db *sql.DB, ms []migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(pgMigrateLock)); err != nil {
		return fmt.Errorf("locking the schema: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	cur, err := pgSchemaVersion(ctx, tx)
	if err != nil {
		return err
	}
	if cur > len(ms) {
		return fmt.Errorf("%w: it is at version %d, this phoneprov knows up to %d; run a newer phoneprov or restore a backup", ErrSchemaTooNew, cur, len(ms))
	}
	if cur == len(ms) {
		return nil
	}
	for _, m := range ms[cur:] {
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migration postgres/%s: %w", m.name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM schema_version`); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (?)`, len(ms)); err != nil {
		return err
	}
	return tx.Commit()
}

func pgSchemaVersion(ctx context.Context, q querier) (int, error) {
	var cur int
	if err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&cur); err != nil {
		return 0, fmt.Errorf("reading schema version: %w", err)
	}
	return cur, nil
}

// pgProblems is the check of a PostgreSQL database: its schema version,
// and every foreign key checked row by row (PostgreSQL enforces them, but
// a restore with triggers disabled or a NOT VALID constraint can leave
// orphans). One line per problem.
func pgProblems(ctx context.Context, db *sql.DB) ([]string, error) {
	var out []string
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT to_regclass('schema_version') IS NOT NULL`).Scan(&exists); err != nil {
		return nil, err
	}
	if !exists {
		return []string{"schema: no schema_version table; this is not a phoneprov database"}, nil
	}
	v, err := pgSchemaVersion(ctx, db)
	if err != nil {
		return nil, err
	}
	if v != SchemaVersion() {
		out = append(out, fmt.Sprintf("schema: version %d, this phoneprov writes %d", v, SchemaVersion()))
	}
	rows, err := db.QueryContext(ctx, `SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text, c.convalidated,
		array_to_string(ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.conkey) WITH ORDINALITY k(n, o)
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), ','),
		array_to_string(ARRAY(SELECT quote_ident(a.attname) FROM unnest(c.confkey) WITH ORDINALITY k(n, o)
			JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o), ',')
		FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	type fk struct{ name, child, parent, cols, pcols string }
	var fks []fk
	for rows.Next() {
		var f fk
		var valid bool
		if err := rows.Scan(&f.name, &f.child, &f.parent, &valid, &f.cols, &f.pcols); err != nil {
			rows.Close()
			return nil, err
		}
		if !valid {
			out = append(out, fmt.Sprintf("foreign key: %s on %s is not validated", f.name, f.child))
		}
		fks = append(fks, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, f := range fks {
		cols, pcols := strings.Split(f.cols, ","), strings.Split(f.pcols, ",")
		var notNull, match []string
		for i := range cols {
			notNull = append(notNull, "x."+cols[i]+" IS NOT NULL")
			match = append(match, "y."+pcols[i]+" = x."+cols[i])
		}
		var n int
		q := fmt.Sprintf(`SELECT count(*) FROM %s x WHERE %s AND NOT EXISTS (SELECT 1 FROM %s y WHERE %s)`,
			f.child, strings.Join(notNull, " AND "), f.parent, strings.Join(match, " AND "))
		if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return nil, fmt.Errorf("checking %s: %w", f.name, err)
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("foreign key: %d %s rows refer to a missing %s row (constraint %s)", n, f.child, f.parent, f.name))
		}
	}
	return out, nil
}

// CheckDatabase checks the database at url (sqlite:PATH, a plain path, or
// postgres://…) without migrating or writing it, like CheckFile: one line
// per problem found, none when the database is sound.
func CheckDatabase(ctx context.Context, dbURL string) ([]string, error) {
	if !IsPostgres(dbURL) {
		return CheckFile(ctx, strings.TrimPrefix(dbURL, "sqlite:"))
	}
	db, err := openPostgres(dbURL, 1)
	if err != nil {
		return nil, fmt.Errorf("checking database %s: %w", redactURL(dbURL), err)
	}
	defer db.Close()
	out, err := pgProblems(ctx, db)
	if err != nil {
		return nil, fmt.Errorf("checking database %s: %w", redactURL(dbURL), err)
	}
	return out, nil
}

// redactURL is u without its password, for messages.
func redactURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(database URL)"
	}
	return p.Redacted()
}
