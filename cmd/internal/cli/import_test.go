package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/templates"
)

const testdata = "../../../devicedb/testdata/import/"

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := Main(args, &out, &errb)
	return code, out.String(), errb.String()
}

func countUsers(t *testing.T, data string) int {
	t.Helper()
	s, err := devicedb.Open(context.Background(), devicedb.Options{Path: filepath.Join(data, "phoneprov.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(context.Background()); err != nil {
		t.Fatal(err)
	}
	n := 0
	for p := (devicedb.Page{Limit: 1000}); ; {
		us, next, err := s.ListUsers(context.Background(), devicedb.UserFilter{}, p)
		if err != nil {
			t.Fatal(err)
		}
		n += len(us)
		if next == "" {
			return n
		}
		p.Cursor = next
	}
}

func TestImportCommandDirect(t *testing.T) {
	data := t.TempDir()
	code, out, errs := runCLI("import", "classic", testdata+"seeds-joe.json", "--data", data, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run: nothing was changed") || !strings.Contains(out, "4 created") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, errs)
	}
	if n := countUsers(t, data); n != 0 {
		t.Fatalf("dry run made %d users", n)
	}
	if !strings.Contains(errs, "importing: 7/7 records (100%)") {
		t.Errorf("no plain progress lines off a terminal:\n%s", errs)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	code, out, errs = runCLI("import", "classic", "--data", data, testdata+"seeds-joe.json", "--report", report)
	if code != 0 || !strings.Contains(out, "import run 1: done") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	var rep devicedb.ImportReport
	if b, err := os.ReadFile(report); err != nil || json.Unmarshal(b, &rep) != nil || rep.Users[0].Outcome != devicedb.OutcomeSplit {
		t.Fatalf("report file: %v %+v", err, rep)
	}
	code, out, _ = runCLI("import", "classic", testdata+"csv-small", "--data", data)
	if code != 0 || !strings.Contains(out, "import run 2") || countUsers(t, data) != 7 {
		t.Fatalf("CSV folder: %d %s", code, out)
	}
	code, out, _ = runCLI("import", "classic", testdata+"seeds-joe.json", "--data", data)
	if code != 0 || !strings.Contains(out, "nothing to change") {
		t.Fatalf("re-run: %d %s", code, out)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"users": [{"username": "ok.user", "extensions": [{"number": "10a"}]}]}`), 0o600)
	code, _, errs = runCLI("import", "classic", bad, "--data", data)
	if code != 1 || !strings.Contains(errs, `users[0].extensions[0].number: extension "10a"`) {
		t.Fatalf("bad export: %d %s", code, errs)
	}
	if code, _, _ := runCLI("import", "classic"); code != 2 {
		t.Fatalf("no file: exit %d", code)
	}
	if code, _, errs := runCLI("import", "classic", "/nonexistent.json", "--data", data); code != 1 || !strings.Contains(errs, "nonexistent") {
		t.Fatalf("missing file: %d %s", code, errs)
	}
}

func TestImportCommandViaServer(t *testing.T) {
	ctx := context.Background()
	s, err := devicedb.Open(ctx, devicedb.Options{Path: filepath.Join(t.TempDir(), "db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, _ := templates.NewRenderer(templates.RendererConfig{})
	freeze, err := provision.Freezer(r, provision.Settings{Domain: "phoneprov.test", PublicHost: "192.0.2.1", ProvisionURL: "http://192.0.2.1:8080/"})
	if err != nil {
		t.Fatal(err)
	}
	const tok = "0123456789abcdef0123"
	a, err := api.New(api.Config{Store: s, Token: tok, Freeze: freeze})
	if err != nil {
		t.Fatal(err)
	}
	router := chi.NewRouter()
	router.Mount("/api/v1", a.Routes())
	srv := httptest.NewServer(router)
	defer srv.Close()
	tf := filepath.Join(t.TempDir(), "token")
	os.WriteFile(tf, []byte(tok+"\n"), 0o600)
	code, out, errs := runCLI("import", "classic", testdata+"seeds-joe.json", "--server", srv.URL, "--token-file", tf, "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") {
		t.Fatalf("dry run: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("import", "classic", testdata+"seeds-joe.json", "--server", srv.URL, "--token-file", tf)
	if code != 0 || !strings.Contains(out, "import run 1: done") || !strings.Contains(errs, "uploading") {
		t.Fatalf("import: %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCLI("import", "classic", testdata+"csv-small", "--server", srv.URL, "--token-file", tf)
	if code != 0 || !strings.Contains(out, "import run 2: done") {
		t.Fatalf("CSV: %d\n%s\n%s", code, out, errs)
	}
	if d, err := s.DeviceConfig(ctx, "0004f2a1b2c4"); err != nil || d.Status != devicedb.DeviceUnsupported {
		t.Fatalf("unsupported device: %+v %v", d, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	os.WriteFile(bad, []byte(`{"users": [{"username": "x"}]}`), 0o600)
	code, _, errs = runCLI("import", "classic", bad, "--server", srv.URL, "--token-file", tf)
	if code != 1 || !strings.Contains(errs, "users[0].username") {
		t.Fatalf("bad export: %d %s", code, errs)
	}
	code, _, errs = runCLI("import", "classic", bad, "--server", srv.URL, "--token-file", "/nonexistent")
	if code != 1 || !strings.Contains(errs, "admin token") {
		t.Fatalf("no token: %d %s", code, errs)
	}
}

// TestImportCrash kills phoneprov import with SIGKILL in the middle of a
// large import, then finds the database intact with nothing imported (or,
// if the import finished first, everything).
func TestImportCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports 10,000 users")
	}
	dir := t.TempDir()
	bin := testbin.Phoneprov(t)
	exp := devicedb.SyntheticExport(10000, 12000, 8000)
	b, _ := json.Marshal(exp)
	src := filepath.Join(dir, "big.json")
	if err := os.WriteFile(src, b, 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	cmd := exec.Command(bin, "import", "classic", src, "--data", data)
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sent := false
		for sc.Scan() {
			if !sent && strings.Contains(sc.Text(), "(40%)") {
				sent = true
				killed <- cmd.Process.Signal(syscall.SIGKILL) == nil
			}
		}
		if !sent {
			killed <- false
		}
	}()
	var wasKilled bool
	select {
	case wasKilled = <-killed:
	case <-time.After(120 * time.Second):
		cmd.Process.Kill()
		t.Fatal("import did not reach 40% within 120 s")
	}
	cmd.Wait()
	n := countUsers(t, data)
	t.Logf("killed at 40%%: %v; users in the database after: %d", wasKilled, n)
	switch {
	case wasKilled && n == 0:
	case !wasKilled && n == 12000:
		t.Log("the import finished before the kill: everything is there")
	default:
		t.Fatalf("killed %v, %d users in the database: want 0 (or 12000 if it finished)", wasKilled, n)
	}
	if st := cmd.ProcessState; wasKilled && st.Success() {
		t.Fatal("the process was not killed")
	}
	// The store takes the import again, whole.
	code, out, errs := runCLI("import", "classic", src, "--data", data)
	if code != 0 || countUsers(t, data) != 12000 {
		t.Fatalf("import after the crash: %d\n%s\n%s", code, out, errs)
	}
}
