package cli

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
)

// newDataDir makes a data directory holding a migrated database, then runs
// sqls on it through a plain connection (foreign keys off, as a damaged
// file would be written).
func newDataDir(t *testing.T, sqls ...string) string {
	t.Helper()
	data := t.TempDir()
	path := filepath.Join(data, "phoneprov.db")
	s, err := devicedb.Open(context.Background(), devicedb.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range sqls {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return data
}

func TestCheckCommand(t *testing.T) {
	cases := []struct {
		name     string
		data     func(t *testing.T) string
		extra    []string
		wantCode int
		wantOut  []string // substrings of stdout
		wantErr  string   // substring of stderr
	}{
		{name: "sound", data: func(t *testing.T) string { return newDataDir(t) }, wantCode: 0, wantOut: []string{"ok\n"}},
		{name: "held open by a server", data: func(t *testing.T) string {
			data := newDataDir(t)
			s, err := devicedb.Open(context.Background(), devicedb.Options{Path: filepath.Join(data, "phoneprov.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.CreateUser(context.Background(), devicedb.NewUser{Username: "held.open", FirstName: "H"}); err != nil {
				t.Fatal(err)
			}
			return data
		}, wantCode: 0, wantOut: []string{"ok\n"}},
		{name: "foreign key", data: func(t *testing.T) string {
			return newDataDir(t, `CREATE TABLE zz_parent (id INTEGER PRIMARY KEY)`,
				`CREATE TABLE zz_child (parent INTEGER REFERENCES zz_parent(id))`, `INSERT INTO zz_child VALUES (7)`)
		}, wantCode: 1, wantOut: []string{"foreign key: zz_child rowid 1 refers to a missing zz_parent row"}, wantErr: "1 problems in"},
		{name: "index out of step with its table", data: func(t *testing.T) string {
			return newDataDir(t, `CREATE TABLE zz (a, b)`, `CREATE INDEX zz_a ON zz (a)`,
				`INSERT INTO zz VALUES (1, 10), (2, 20), (3, 30)`, `PRAGMA writable_schema = ON`,
				`UPDATE sqlite_schema SET sql = 'CREATE INDEX zz_a ON zz (b)' WHERE name = 'zz_a'`)
		}, wantCode: 1, wantOut: []string{"integrity: ", "zz_a"}, wantErr: "restore the latest backup"},
		{name: "not a database", data: func(t *testing.T) string {
			data := t.TempDir()
			os.WriteFile(filepath.Join(data, "phoneprov.db"), []byte(strings.Repeat("junk", 2000)), 0o600)
			return data
		}, wantCode: 1, wantErr: "not a database"},
		{name: "no database", data: func(t *testing.T) string { return t.TempDir() }, wantCode: 1, wantErr: "phoneprov.db: no such file"},
		{name: "stray argument", data: func(t *testing.T) string { return t.TempDir() }, extra: []string{"stray"}, wantCode: 2, wantErr: "usage: phoneprov check"},
		{name: "bad flag", data: func(t *testing.T) string { return t.TempDir() }, extra: []string{"--frob"}, wantCode: 2, wantErr: "frob"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := c.data(t)
			code, out, errs := runCLI(append([]string{"check", "--data", data}, c.extra...)...)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.wantCode, out, errs)
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errs, c.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", c.wantErr, errs)
			}
			if c.wantCode != 0 && out == "ok\n" {
				t.Errorf("said ok on a failure")
			}
		})
	}
	// The checker only reads: on a missing database it creates nothing.
	empty := t.TempDir()
	runCLI("check", "--data", empty)
	if ents, _ := os.ReadDir(empty); len(ents) != 0 {
		t.Fatalf("check wrote into the data directory: %v", ents)
	}
}
