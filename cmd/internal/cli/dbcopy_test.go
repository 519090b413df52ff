package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// An account goes SQLite → PostgreSQL → SQLite with phoneprov db copy; the
// check passes on every copy; a copy into a used database is refused.
func TestDBCopyCommand(t *testing.T) {
	cluster := pgtest.StartForTest(t)
	pg := cluster.DatabaseForTest(t)
	data := t.TempDir()
	s, err := devicedb.Open(context.Background(), storeOptions(data, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(context.Background(), devicedb.NewUser{Username: "alice", FirstName: "A", Extension: "1001"}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.WriteFile(filepath.Join(data, "ca.crt"), []byte("the CA phones trust"), 0o600); err != nil {
		t.Fatal(err)
	}
	back := "sqlite:" + filepath.Join(t.TempDir(), "back.db")
	run := func(wantCode int, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(args, &out, &errb); code != wantCode {
			t.Fatalf("phoneprov %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, wantCode, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	out := run(0, "db", "copy", "--data", data, "--from", "sqlite:"+dbPath(data), "--to", pg)
	if !strings.Contains(out, "users") || !strings.Contains(out, "check ok on both sides") {
		t.Fatalf("copy output:\n%s", out)
	}
	if out := run(0, "check", "--data", data, "--database", pg); out != "ok\n" {
		t.Fatalf("check on PostgreSQL: %q", out)
	}
	// A node of the target gets the CA of the copied data directory.
	node := t.TempDir()
	ps, err := devicedb.Open(context.Background(), devicedb.Options{Database: pg, KeyFile: filepath.Join(data, "secret.key")})
	if err != nil {
		t.Fatal(err)
	}
	err = ps.ShareFiles(context.Background(), node, sharedFiles, func() error { return nil })
	ps.Close()
	if ca, _ := os.ReadFile(filepath.Join(node, "ca.crt")); err != nil || string(ca) != "the CA phones trust" {
		t.Fatalf("CA on a node of the target: %q %v", ca, err)
	}
	run(0, "db", "copy", "--data", data, "--from", pg, "--to", back)
	if out := run(1, "db", "copy", "--data", data, "--from", pg, "--to", back); !strings.Contains(out, "in use") {
		t.Fatalf("copy into a used database: %s", out)
	}
	if out := run(1, "backup", "--data", data, "--database", pg, filepath.Join(t.TempDir(), "b.db")); !strings.Contains(out, "pg_dump") {
		t.Fatalf("backup of PostgreSQL: %s", out)
	}
	c, err := devicedb.Open(context.Background(), storeOptions(data, back))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	us, _, err := c.ListUsers(context.Background(), devicedb.UserFilter{Username: "alice"}, devicedb.Page{})
	if err != nil || len(us) != 1 || us[0].Extension == nil || *us[0].Extension != "1001" {
		t.Fatalf("alice after the round trip: %+v %v", us, err)
	}
	run(2, "db", "copy", "--from", pg)
	run(1, "db", "copy", "--data", data, "--from", "mysql://x", "--to", back)
}
