package devicedb

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/phoneprov/phoneprov/templates"
)

//go:embed migrations/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Options configure Open. The zero value of every field but Path is usable.
type Options struct {
	// Database is the database URL: empty or "sqlite:PATH" for SQLite
	// (the file Path, or PATH), "postgres://…" for PostgreSQL. Default:
	// empty.
	Database string
	// Path is the SQLite file. Required for SQLite.
	Path string
	// KeyFile holds the 32-byte key that encrypts secrets at rest; created
	// with mode 0600 when missing. Default: "secret.key" beside Path;
	// required for PostgreSQL (every node needs the same key).
	KeyFile string
	// Catalog is the model catalog. Default: templates.Default().
	Catalog *templates.Catalog
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// Readers is the size of the read-only connection pool. Default: 16
	// (a boot storm queues reads, not CPU, behind a small pool).
	Readers int
	// RegistrarReaders is the size of a second read-only pool that only
	// the registrar's credential lookups use, so that phones fetching
	// configs in a boot storm cannot starve their REGISTERs of
	// connections. Default: 4.
	RegistrarReaders int
	// ObserveTx, when set, is told how long each write transaction took.
	ObserveTx func(op string, d time.Duration)
}

// Store is the database. It is safe for concurrent use: writes go through
// one connection with BEGIN IMMEDIATE, reads through a small read-only pool.
type Store struct {
	// pg is set on PostgreSQL (see dialect.go); wmu then serialises the
	// node's write transactions.
	pg      bool
	wmu     sync.Mutex
	w, r    *sql.DB
	rr      *sql.DB // the registrar's reads (LineByAuthUser)
	path    string
	box     *secretBox
	cat     *templates.Catalog
	now     func() time.Time
	observe func(string, time.Duration)
	// hot are statements prepared once on the read pool for the
	// config server's per-fetch lookups.
	hot struct{ device, lines *sql.Stmt }
	// gen counts committed write transactions; caches of anything derived
	// from the database key on it.
	gen atomic.Uint64
	// locked, when non-zero, is the unix time until which an upgrade is
	// expected to hold admin writes (see Lock); lockedRemote says another
	// node holds it.
	locked       atomic.Int64
	lockedRemote atomic.Bool
	feed         feed
	// running is the real import in progress (RunningImport), or nil.
	running atomic.Pointer[ImportProgress]
}

// Open opens (creating if needed) the database, migrates it to the current
// schema and loads the secret key.
func Open(ctx context.Context, o Options) (*Store, error) {
	if p, ok := strings.CutPrefix(o.Database, "sqlite:"); ok && p != "" {
		o.Path, o.Database = p, ""
	}
	switch {
	case IsPostgres(o.Database):
		if o.KeyFile == "" {
			return nil, errors.New("opening database: no key file (every node on one PostgreSQL uses the same secret.key)")
		}
	case o.Database != "" && o.Database != "sqlite:":
		return nil, fmt.Errorf("opening database %q: use sqlite:PATH or postgres://USER@HOST/DB", o.Database)
	case o.Path == "":
		return nil, errors.New("opening database: no path")
	}
	if o.KeyFile == "" {
		o.KeyFile = filepath.Join(filepath.Dir(o.Path), "secret.key")
	}
	if o.Catalog == nil {
		o.Catalog = templates.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Readers <= 0 {
		o.Readers = 16
	}
	if o.RegistrarReaders <= 0 {
		o.RegistrarReaders = 4
	}
	box, err := loadSecretBox(o.KeyFile)
	if err != nil {
		return nil, err
	}
	if IsPostgres(o.Database) {
		return openPG(ctx, o, box)
	}
	if !fileExists(o.Path) {
		// Create the file owner-only before SQLite does; the WAL and shm
		// files take its mode.
		f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("creating database %s: %w", o.Path, err)
		}
		f.Close()
	}
	base := "file:" + (&url.URL{Path: o.Path}).EscapedPath()
	common := "_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL"
	w, err := sql.Open("sqlite3", base+"?"+common+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", o.Path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	s := &Store{w: w, path: o.Path, box: box, cat: o.Catalog, now: o.Now, observe: o.ObserveTx}
	s.feed.node = newNodeID()
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("opening database %s: %w", o.Path, err)
	}
	r, err := sql.Open("sqlite3", base+"?"+common+"&mode=ro")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("opening database %s: %w", o.Path, err)
	}
	r.SetMaxOpenConns(o.Readers)
	r.SetMaxIdleConns(o.Readers)
	r.SetConnMaxLifetime(0)
	s.r = r
	if s.rr, err = sql.Open("sqlite3", base+"?"+common+"&mode=ro"); err != nil {
		s.Close()
		return nil, fmt.Errorf("opening database %s: %w", o.Path, err)
	}
	s.rr.SetMaxOpenConns(o.RegistrarReaders)
	s.rr.SetMaxIdleConns(o.RegistrarReaders)
	s.rr.SetConnMaxLifetime(0)
	if err := s.issueMissingSecrets(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("issuing device credentials: %w", err)
	}
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) prepareHot(ctx context.Context) error {
	var err error
	if s.hot.device, err = s.r.PrepareContext(ctx, deviceCols+`WHERE mac = ?`); err == nil {
		s.hot.lines, err = s.r.PrepareContext(ctx, lineCols)
	}
	if err != nil {
		return fmt.Errorf("preparing statements: %w", err)
	}
	return nil
}

// pgWriters is the size of the write pool on PostgreSQL: the node's write
// transactions take turns (wmu); the other connections serve the lock,
// the feed's NOTIFYs and CopyTo.
const pgWriters = 4

// openPG opens the store on PostgreSQL: three pools (writes, reads, the
// registrar's reads) on the same database, and one connection listening to
// the change feed: Readers + RegistrarReaders + 5 connections per node.
func openPG(ctx context.Context, o Options, box *secretBox) (*Store, error) {
	s := &Store{pg: true, path: o.Database, box: box, cat: o.Catalog, now: o.Now, observe: o.ObserveTx}
	s.feed.node = newNodeID()
	var err error
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, fmt.Errorf("opening database %s: %w", redactURL(o.Database), err)
	}
	for _, p := range []struct {
		db **sql.DB
		n  int
	}{{&s.w, pgWriters}, {&s.r, o.Readers}, {&s.rr, o.RegistrarReaders}} {
		if *p.db, err = openPostgres(o.Database, p.n); err != nil {
			return fail(err)
		}
	}
	if err := migratePG(ctx, s.w); err != nil {
		return fail(err)
	}
	if err := s.startFeed(o.Database); err != nil {
		return fail(err)
	}
	if err := s.loadClusterLock(ctx); err != nil {
		return fail(err)
	}
	if err := s.issueMissingSecrets(ctx); err != nil {
		return fail(fmt.Errorf("issuing device credentials: %w", err))
	}
	if err := s.prepareHot(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close checkpoints the WAL and closes the database.
func (s *Store) Close() error {
	s.stopFeed()
	for _, st := range []*sql.Stmt{s.hot.device, s.hot.lines} {
		if st != nil {
			st.Close()
		}
	}
	var rerr error
	for _, db := range []*sql.DB{s.r, s.rr} {
		if db == nil {
			continue
		}
		if err := db.Close(); rerr == nil {
			rerr = err
		}
	}
	if s.w == nil {
		return rerr
	}
	if !s.pg {
		_, _ = s.w.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if err := s.w.Close(); err != nil {
		return err
	}
	return rerr
}

// IntegrityCheck runs the checks of CheckFile (PRAGMA integrity_check and
// foreign_key_check) on the open database; the error lists the problems.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.pg {
		problems, err := pgProblems(ctx, s.r)
		if err == nil && len(problems) > 0 {
			err = fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
		}
		return err
	}
	problems, err := integrityProblems(ctx, s.r)
	if err != nil {
		return err
	}
	fks, err := foreignKeyProblems(ctx, s.r)
	if err != nil {
		return err
	}
	if problems = append(problems, fks...); len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Generation changes after every committed write: a cache entry made at
// one generation is stale at any other.
func (s *Store) Generation() uint64 { return s.gen.Load() }

// Catalog returns the model catalog the store validates against.
func (s *Store) Catalog() *templates.Catalog { return s.cat }

type migration struct {
	version int
	name    string
	sql     string
}

func loadMigrations() ([]migration, error) { return loadMigrationsFrom("migrations") }

// loadMigrationsFrom reads the migrations of one dialect: "migrations"
// (SQLite) or "migrations/postgres".
func loadMigrationsFrom(dir string) ([]migration, error) {
	ents, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", e.Name())
		}
		b, err := migrationsFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema version this binary writes.
func SchemaVersion() int {
	ms, _ := loadMigrations()
	return len(ms)
}

// migrate applies every migration above PRAGMA user_version, each in its own
// transaction, and refuses a database from a newer binary.
func migrate(ctx context.Context, db *sql.DB) error {
	ms, err := loadMigrations()
	if err != nil {
		return err
	}
	return migrateWith(ctx, db, ms)
}

func migrateWith(ctx context.Context, db *sql.DB, ms []migration) error {
	var cur int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	if cur > len(ms) {
		return fmt.Errorf("%w: it is at version %d, this phoneprov knows up to %d; run a newer phoneprov or restore a backup", ErrSchemaTooNew, cur, len(ms))
	}
	for _, m := range ms[cur:] {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}

// isBusy reports whether err is SQLite's busy or locked, or a PostgreSQL
// serialization failure or deadlock: the transaction may be run again.
func isBusy(err error) bool {
	if c := pgCode(err); c == "40001" || c == "40P01" {
		return true
	}
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked)
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	if pgCode(err) == "23505" {
		return true
	}
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrConstraint &&
		(se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey)
}

// fileExists is a small helper for the key file.
func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Backup writes a consistent copy of the database to dest (which must not
// exist) while the store stays in use.
func (s *Store) Backup(ctx context.Context, dest string) error {
	if s.pg {
		return errors.New("backup: the database is PostgreSQL; back it up with pg_dump (pg_dump -Fc -f FILE DBNAME)")
	}
	if fileExists(dest) {
		return fmt.Errorf("backup: %s exists; name a new file", dest)
	}
	if _, err := s.r.ExecContext(ctx, `VACUUM INTO ?`, dest); err != nil {
		return fmt.Errorf("backup to %s: %w", dest, err)
	}
	return os.Chmod(dest, 0o600)
}
