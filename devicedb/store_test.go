package devicedb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is an injectable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func openTest(t testing.TB) (*Store, *clock) {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	o := testOptions(t)
	o.Now = c.Now
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, c
}

var ctx = context.Background()

func mustUser(t testing.TB, s *Store, name, ext string) *User {
	t.Helper()
	u, err := s.CreateUser(ctx, NewUser{Username: name, FirstName: "F", LastName: "L", Email: name + "@example.com", Extension: ext})
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func mustLicense(t testing.TB, s *Store, u *User) License {
	t.Helper()
	l, err := s.CreateLicense(ctx, NewLicense{Type: "X4", Country: "US", ServiceAddress: "1 Main St"})
	if err != nil {
		t.Fatal(err)
	}
	if u != nil {
		if l, err = s.AssignLicense(ctx, u.ID, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func wantKind(t *testing.T, err, kind error) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("got error %v, want kind %v", err, kind)
	}
	var e *Error
	if kind != nil && (!errors.As(err, &e) || e.Msg == "") {
		t.Fatalf("error %v carries no message for the admin", err)
	}
}

func TestOpenMigratesAndRefusesNewer(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "db.sqlite")
	s, err := Open(ctx, Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	var v int
	if err := s.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version = %d, %v; want %d", v, err, SchemaVersion())
	}
	if _, err := s.w.Exec("PRAGMA user_version = 999"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, Options{Path: p}); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open newer schema: %v, want ErrSchemaTooNew", err)
	}
	st, err := os.Stat(filepath.Join(dir, "secret.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret.key: %v %v, want mode 0600", st, err)
	}
}

func TestOpenMigratesOlderDatabase(t *testing.T) {
	p := filepath.Join(t.TempDir(), "db.sqlite")
	// A database as the first release left it: schema version 1 with a user.
	db, err := sql.Open("sqlite3", "file:"+p+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil || len(ms) < 2 {
		t.Fatalf("migrations: %d %v", len(ms), err)
	}
	if err := migrateWith(ctx, db, ms[:1]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO users (username, time_zone, language, voicemail_to_email, status, created_at, updated_at)
		VALUES ('old', 'UTC', 'en', 'disabled', 'active', 0, 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	s, err := Open(ctx, Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var v int
	if err := s.w.QueryRow("PRAGMA user_version").Scan(&v); err != nil || v != SchemaVersion() {
		t.Fatalf("user_version %d %v, want %d", v, err, SchemaVersion())
	}
	if us, _, err := s.ListUsers(ctx, UserFilter{Username: "old"}, Page{}); err != nil || len(us) != 1 {
		t.Fatalf("user lost in migration: %v %v", us, err)
	}
}

func TestSecretKeyPermissionsChecked(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "secret.key")
	if err := os.WriteFile(key, []byte("00"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, Options{Path: filepath.Join(dir, "db")}); err == nil {
		t.Fatal("opened with a world-readable key")
	}
}

func TestPasswordsEncryptedAtRest(t *testing.T) {
	s, _ := openTest(t)
	u := mustUser(t, s, "alice", "1001")
	mustLicense(t, s, u)
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "00:04:f2:00:00:01", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetLine(ctx, "0004f2000001", 1, u.ID); err != nil {
		t.Fatal(err)
	}
	d, err := s.DeviceConfig(ctx, "0004f2000001")
	if err != nil || len(d.Lines) != 1 || len(d.Lines[0].Password) != 20 {
		t.Fatalf("device config: %+v %v", d, err)
	}
	pw := d.Lines[0].Password
	s.Close()
	for _, f := range []string{"phoneprov.db", "phoneprov.db-wal"} {
		b, _ := os.ReadFile(filepath.Join(filepath.Dir(s.path), f))
		if len(b) > 0 && bytes.Contains(b, []byte(pw)) {
			t.Fatalf("password found in clear in %s", f)
		}
	}
}

func TestBackup(t *testing.T) {
	if pgCluster != nil {
		t.Skip("SQLite's backup; on PostgreSQL Backup points to pg_dump (TestPostgresSchemaVersion)")
	}
	s, _ := openTest(t)
	mustUser(t, s, "alice", "1001")
	dest := filepath.Join(t.TempDir(), "copy.db")
	if err := s.Backup(ctx, dest); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(ctx, dest); err == nil {
		t.Fatal("backup overwrote an existing file")
	}
	c, err := Open(ctx, Options{Path: dest, KeyFile: filepath.Join(filepath.Dir(s.path), "secret.key")})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if us, _, err := c.ListUsers(ctx, UserFilter{Username: "alice"}, Page{}); err != nil || len(us) != 1 {
		t.Fatalf("backup lacks the user: %v %v", us, err)
	}
	if err := c.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}
