package devicedb

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRewritePG(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT a FROM t WHERE b = ? AND c > ?`, `SELECT a FROM t WHERE b = $1 AND c > $2`},
		{`SELECT '?', "?" FROM t WHERE x = ?`, `SELECT '?', "?" FROM t WHERE x = $1`},
		{`SELECT 'it''s ?' WHERE x = ?`, `SELECT 'it''s ?' WHERE x = $1`},
		{"-- what? it's a comment\nSELECT ?", "-- what? it's a comment\nSELECT $1"},
		{`WHERE u.username LIKE ?1 ESCAPE '\' OR e.number LIKE ?1 ESCAPE '\' LIMIT ?2`, `WHERE u.username ILIKE $1 ESCAPE '\' OR e.number ILIKE $1 ESCAPE '\' LIMIT $2`},
		{`SELECT likes, unlike FROM t WHERE a like ?`, `SELECT likes, unlike FROM t WHERE a ILIKE $1`},
		{`SELECT 'LIKE' WHERE x LIKE 'y'`, `SELECT 'LIKE' WHERE x ILIKE 'y'`},
		{`VALUES (?,?),(?,?)`, `VALUES ($1,$2),($3,$4)`},
		{`SELECT 'unterminated ?`, `SELECT 'unterminated ?`},
	} {
		if got := rewritePG(tc.in); got != tc.want {
			t.Errorf("rewritePG(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

// The queries avoid what only SQLite understands (see dialect.go), so a
// change tested on SQLite alone does not break PostgreSQL.
func TestQueriesArePortable(t *testing.T) {
	sqliteOnly := regexp.MustCompile(`(?i)\bINSERT\s+OR\s+(IGNORE|REPLACE)\b|\b(ifnull|group_concat|strftime|julianday|datetime)\s*\(|\bLIMIT\s+-1\b|\bCOLLATE\s+NOCASE\b`)
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("sources: %v %v", files, err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if m := sqliteOnly.FindString(n.Value); m != "" {
						t.Errorf("%s: %q works on SQLite only (dialect.go says what to write)", fset.Position(n.Pos()), m)
					}
				}
			case *ast.SelectorExpr:
				if n.Sel.Name == "LastInsertId" {
					t.Errorf("%s: LastInsertId is not supported on PostgreSQL; use INSERT … RETURNING id", fset.Position(n.Pos()))
				}
			}
			return true
		})
	}
}

// Every SQLite migration has its PostgreSQL twin of the same number (see
// migrations/README.md), and no twin lacks its SQLite migration.
func TestMigrationsHavePostgresTwins(t *testing.T) {
	lite, err := loadMigrationsFrom("migrations")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := loadMigrationsFrom("migrations/postgres")
	if err != nil {
		t.Fatal(err)
	}
	names := func(ms []migration) (out []string) {
		for _, m := range ms {
			out = append(out, m.name)
		}
		return out
	}
	if !reflect.DeepEqual(names(lite), names(pg)) {
		t.Fatalf("SQLite migrations %v, PostgreSQL twins %v: write migrations/postgres/<same name>", names(lite), names(pg))
	}
	if _, err := fs.Stat(migrationsFS, "migrations/postgres"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefusesBadDatabaseURL(t *testing.T) {
	for _, u := range []string{"mysql://x/y", "sqlite3:x", "file:x"} {
		if _, err := Open(ctx, Options{Database: u, Path: filepath.Join(t.TempDir(), "db")}); err == nil {
			t.Errorf("Open(%q) opened", u)
		}
	}
	if _, err := Open(ctx, Options{Database: "postgres://localhost/x"}); err == nil {
		t.Error("Open on PostgreSQL without a key file opened")
	}
}

func TestOpenSQLiteURL(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.db")
	s, err := Open(ctx, Options{Database: "sqlite:" + p})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.pg || s.path != p {
		t.Fatalf("sqlite:%s opened pg=%v path=%s", p, s.pg, s.path)
	}
}

func TestPostgresSchemaVersion(t *testing.T) {
	if pgCluster == nil {
		t.Skip("runs on PostgreSQL only (PHONEPROV_TEST_DATABASE=postgres)")
	}
	o := testOptions(t)
	s, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pgSchemaVersion(ctx, s.r); err != nil || v != SchemaVersion() {
		t.Fatalf("schema_version %d %v, want %d", v, err, SchemaVersion())
	}
	// A second Open (another node) finds the schema current.
	s2, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if p, err := CheckDatabase(ctx, o.Database); err != nil || len(p) != 0 {
		t.Fatalf("check: %v %v", p, err)
	}
	if _, err := s.w.Exec(`UPDATE schema_version SET version = 999`); err != nil {
		t.Fatal(err)
	}
	if p, err := CheckDatabase(ctx, o.Database); err != nil || len(p) != 1 {
		t.Fatalf("check of a newer schema: %v %v, want one problem", p, err)
	}
	s.Close()
	if _, err := Open(ctx, o); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("open newer schema: %v, want ErrSchemaTooNew", err)
	}
	if err := s.Backup(ctx, filepath.Join(t.TempDir(), "b")); err == nil {
		t.Fatal("backup of PostgreSQL did not point to pg_dump")
	}
}

// An orphan row that PostgreSQL let in (its triggers off, as a restore
// with session_replication_role = replica does) is found by the check,
// in the first tables and in those added since.
func TestPostgresCheckFindsOrphans(t *testing.T) {
	if pgCluster == nil {
		t.Skip("runs on PostgreSQL only (PHONEPROV_TEST_DATABASE=postgres)")
	}
	for _, c := range []struct{ table, orphan, constraint string }{
		{"licenses", `UPDATE licenses SET user_id = 4242`, "licenses_user_id_fkey"},
		{"users", `UPDATE users SET site_id = 4242`, "users_site_id_fkey"},
		{"auto_attendants", `UPDATE auto_attendants SET schedule_id = 4242`, "auto_attendants_schedule_id_fkey"},
		{"device_enrollments", `UPDATE device_enrollments SET mac = '0004f2ffffff'`, "device_enrollments_mac_fkey"},
	} {
		t.Run(c.table, func(t *testing.T) {
			s, _ := openTest(t)
			u := mustUser(t, s, "alice", "1001")
			mustLicense(t, s, u)
			site, err := s.CreateSite(ctx, NewSite{Name: "HQ", Address: "1 Main St, Springfield"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.UpdateUser(ctx, u.ID, UserPatch{UserFeaturesPatch: UserFeaturesPatch{SiteID: &site.ID}}); err != nil {
				t.Fatal(err)
			}
			sched, err := s.CreateSchedule(ctx, "Business hours")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "Main menu", Extension: "7100", ScheduleID: sched.ID}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateDevice(ctx, NewDevice{MAC: "0004f2000001", Model: "VVX 410"}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.SetLine(ctx, "0004f2000001", 1, u.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.CreateEnrollment(ctx, "0004f2000001", time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := s.IntegrityCheck(ctx); err != nil {
				t.Fatalf("before: %v", err)
			}
			if _, err := s.w.Exec(`ALTER TABLE ` + c.table + ` DISABLE TRIGGER ALL`); err != nil {
				t.Fatal(err)
			}
			if _, err := s.w.Exec(c.orphan); err != nil {
				t.Fatal(err)
			}
			err = s.IntegrityCheck(ctx)
			if err == nil || !strings.Contains(err.Error(), c.constraint) {
				t.Fatalf("check: %v, want a missing row of %s", err, c.constraint)
			}
		})
	}
}

// CopyTo moves an account SQLite → SQLite, and SQLite → PostgreSQL → SQLite
// when the tests run on PostgreSQL: every row arrives, the copy passes the
// check, and ids go on after the copied ones.
func TestCopyTo(t *testing.T) {
	src, _ := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "src.db")})
	defer src.Close()
	u := mustUser(t, src, "alice", "1001")
	mustLicense(t, src, u)
	mustUser(t, src, "Bob", "1002")
	if _, err := src.CreateDevice(ctx, NewDevice{MAC: "00:04:f2:00:00:01", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.SetLine(ctx, "0004f2000001", 1, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateAdmin(ctx, "root", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	// The tables of the account features, upgrade window, device trust
	// and admin day travel too.
	site, err := src.CreateSite(ctx, NewSite{Name: "HQ", Address: "1 Main St, Springfield"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.UpdateUser(ctx, u.ID, UserPatch{UserFeaturesPatch: UserFeaturesPatch{SiteID: &site.ID}}); err != nil {
		t.Fatal(err)
	}
	sched, err := src.CreateSchedule(ctx, "Business hours")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "Main menu", Extension: "7100", ScheduleID: sched.ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.CreateEnrollment(ctx, "0004f2000001", time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := src.ScheduleImport(ctx, joeExport(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := src.AddRegisterCounts(ctx, time.Now(), map[string]int{"ok": 3}); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(filepath.Dir(src.path), "secret.key")
	want, err := src.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"sites", "aa_schedules", "auto_attendants", "device_enrollments", "scheduled_imports", "sip_hourly"} {
		if want[table] == 0 {
			t.Fatalf("source table %s is empty: %v", table, want)
		}
	}
	hops := []Options{{Path: filepath.Join(t.TempDir(), "dst.db"), KeyFile: key}}
	if pgCluster != nil {
		o := testOptions(t)
		o.KeyFile = key
		hops = []Options{o, {Path: filepath.Join(t.TempDir(), "back.db"), KeyFile: key}}
	}
	from := src
	for i, o := range hops {
		dst, err := Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		defer dst.Close()
		got, err := from.CopyTo(ctx, dst)
		if err != nil {
			t.Fatalf("copy to %s: %v", dst.path, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("copied %v, want %v", got, want)
		}
		if n, err := dst.RowCounts(ctx); err != nil || !reflect.DeepEqual(n, want) {
			t.Fatalf("target holds %v %v, want %v", n, err, want)
		}
		if err := dst.IntegrityCheck(ctx); err != nil {
			t.Fatal(err)
		}
		// The secrets open with the same key, the rules hold on the copy.
		d, err := dst.DeviceConfig(ctx, "0004f2000001")
		if err != nil || len(d.Lines) != 1 || len(d.Lines[0].Password) != 20 {
			t.Fatalf("device config on the copy: %+v %v", d, err)
		}
		if _, err := dst.CreateUser(ctx, NewUser{Username: "BOB", FirstName: "F", LastName: "L", Extension: "1003"}); !errors.Is(err, ErrConflict) {
			t.Fatalf("username BOB on the copy: %v, want a conflict with Bob", err)
		}
		c := mustUser(t, dst, fmt.Sprintf("carol%d", i), fmt.Sprint(1003+i))
		if c.ID <= u.ID+1 {
			t.Fatalf("new user id %d does not follow the copied ones", c.ID)
		}
		if _, err := from.CopyTo(ctx, dst); !errors.Is(err, ErrConflict) {
			t.Fatalf("copy into a used database: %v, want a conflict", err)
		}
		from = dst
		want["users"]++
		want["extensions"]++
		want["audit"]++
	}
}

// Writers of two stores on one database (two processes; on PostgreSQL,
// two nodes) racing for one extension or one license: exactly one wins,
// the others get a conflict, never a database error, and the rules hold
// afterwards.
func TestConcurrentWritersKeepRules(t *testing.T) {
	o := testOptions(t)
	var stores [2]*Store
	for i := range stores {
		s, err := Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores[i] = s
	}
	s := stores[0]
	const n = 8
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].CreateUser(ctx, NewUser{Username: fmt.Sprintf("user%d", i), FirstName: "F", LastName: "L", Extension: "1001"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	wins := 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrConflict):
			t.Errorf("racing for extension 1001: %v, want a conflict", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d users got extension 1001, want 1", wins)
	}
	l := mustLicense(t, s, nil)
	var users []*User
	for i := range n {
		users = append(users, mustUser(t, s, fmt.Sprintf("other%d", i), fmt.Sprint(2000+i)))
	}
	errs = make(chan error, n)
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].AssignLicense(ctx, u.ID, l.ID)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	wins = 0
	for err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrConflict):
			t.Errorf("racing for license %s: %v, want a conflict", l.ID, err)
		}
	}
	if wins != 1 {
		t.Fatalf("license %s assigned %d times, want once", l.ID, wins)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// A device seen again counts its requests (the upsert's SET refers to the
// row it updates, which PostgreSQL wants qualified).
func TestRecordPendingAgain(t *testing.T) {
	s, c := openTest(t)
	sg := Sighting{MAC: "0004f2abcdef", Vendor: "Poly", Model: "VVX 410", SourceIP: "10.0.0.1", At: c.Now()}
	for range 2 {
		if err := s.RecordPending(ctx, []Sighting{sg}); err != nil {
			t.Fatal(err)
		}
	}
	ps, _, err := s.ListPending(ctx, Page{})
	if err != nil || len(ps) != 1 || ps[0].Requests != 2 {
		t.Fatalf("pending devices %+v %v, want one seen twice", ps, err)
	}
}

func TestLiveBindingsFilters(t *testing.T) {
	s, c := openTest(t)
	now := c.Now()
	b := func(aor, mac string, uid int64, exp time.Duration) Binding {
		return Binding{AOR: aor, Contact: "sip:" + aor + "@10.0.0.1", AuthUser: aor, MAC: mac, Line: 1, UserID: uid,
			Expires: now.Add(exp), RegisteredAt: now}
	}
	if err := s.SaveBindings(ctx, []Binding{b("1001", "0004f2000001", 1, time.Hour), b("1002", "0004f2000001", 2, time.Hour),
		b("1003", "0004f2000002", 2, time.Hour), b("1004", "0004f2000003", 3, -time.Minute)}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		mac  string
		uid  int64
		want int
	}{{"", 0, 3}, {"0004f2000001", 0, 2}, {"", 2, 2}, {"0004f2000001", 2, 1}, {"0004f2000003", 0, 0}} {
		got, err := s.LiveBindings(ctx, now, tc.mac, tc.uid)
		if err != nil || len(got) != tc.want {
			t.Errorf("LiveBindings(%q, %d) = %d bindings %v, want %d", tc.mac, tc.uid, len(got), err, tc.want)
		}
	}
}
