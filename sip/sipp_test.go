package sip

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// needTool returns the path of a Debian tool. Without it the test skips,
// except under CI=true where it fails.
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found (apt-get install %s): %v", name, pkg, err)
		}
		t.Skipf("%s not found (apt-get install %s): %v", name, pkg, err)
	}
	return p
}

// sippRun is the outcome of one sipp run.
type sippRun struct {
	err                  error // exit status
	successful, failed   int   // SuccessfulCall(C), FailedCall(C) from the statistics file
	output, errorsLogged string
}

// runSipp runs scenario (a file of testdata/sipp) against addr for one
// call over UDP, bounded by -timeout and a context, from a temporary
// folder, and reads its statistics.
func runSipp(t *testing.T, addr, scenario string, args ...string) sippRun {
	t.Helper()
	sipp := needTool(t, "sipp", "sip-tester")
	dir := t.TempDir()
	sf, err := filepath.Abs(filepath.Join("testdata", "sipp", scenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(bg, 30*time.Second)
	defer cancel()
	all := append([]string{addr, "-sf", sf, "-m", "1", "-t", "u1", "-i", "127.0.0.1", "-nostdin",
		"-timeout", "15s", "-timeout_error", "-key", "domain", testDomain,
		// SIPp's digest uri is the server's address unless told; phones use
		// the Request-URI, which the registrar requires (RFC 3261 §22.4).
		"-auth_uri", testDomain,
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"), "-trace_err", "-error_file", filepath.Join(dir, "errors.log")}, args...)
	cmd := exec.CommandContext(ctx, sipp, all...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	run := sippRun{err: err, output: string(out)}
	if b, rerr := os.ReadFile(filepath.Join(dir, "errors.log")); rerr == nil {
		run.errorsLogged = string(b)
	}
	if _, serr := os.Stat(filepath.Join(dir, "stat.csv")); serr != nil {
		t.Fatalf("sipp wrote no statistics: %v\n%s", err, tail(run.output, 1500))
	}
	run.successful, run.failed = sippStats(t, filepath.Join(dir, "stat.csv"))
	return run
}

// sippStats reads the cumulative successful and failed calls from the last
// row of a sipp statistics file.
func sippStats(t *testing.T, path string) (ok, failed int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("sipp statistics: %v", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma, r.FieldsPerRecord, r.TrimLeadingSpace = ';', -1, true
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 {
		t.Fatalf("sipp statistics %s: %d rows, %v", path, len(rows), err)
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				n, _ := strconv.Atoi(strings.TrimSpace(rows[len(rows)-1][i]))
				return n
			}
		}
		t.Fatalf("sipp statistics lack %s", name)
		return 0
	}
	return col("SuccessfulCall(C)"), col("FailedCall(C)")
}

// check fails t unless sipp exited 0 with one successful call.
func (s sippRun) check(t *testing.T) {
	t.Helper()
	if s.err != nil || s.successful != 1 || s.failed != 0 {
		t.Fatalf("sipp: %v, %d successful, %d failed calls\nerrors: %s\noutput tail: %s", s.err, s.successful, s.failed,
			s.errorsLogged, tail(s.output, 1500))
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// TestSippScenarios runs the committed sipp scenarios against the
// registrar over UDP.
func TestSippScenarios(t *testing.T) {
	for _, tc := range []struct {
		scenario string
		password string // default the line's
		edit     func(*Config)
		bindings int // live bindings of the line after the run
	}{
		{scenario: "register_auth.xml", bindings: 1},
		{scenario: "interval_too_brief.xml", bindings: 0},
		{scenario: "unregister.xml", bindings: 0},
		{scenario: "multiple_contacts.xml", bindings: 2},
		{scenario: "wrong_password.xml", password: "wrong", bindings: 0,
			edit: func(c *Config) { c.Auth.RejectAfter, c.Auth.DropAfter = 2, 50 }},
	} {
		t.Run(tc.scenario, func(t *testing.T) {
			st := openStore(t)
			ln := newLine(t, st, "1001", lineOpts{})
			srv := startServer(t, st, tc.edit)
			pw := tc.password
			if pw == "" {
				pw = ln.password
			}
			runSipp(t, srv.udp, tc.scenario, "-s", ln.ext, "-au", ln.authUser, "-ap", pw).check(t)
			if n := len(srv.Bindings(ln.mac, 0)); n != tc.bindings {
				t.Fatalf("%d bindings after the scenario, want %d", n, tc.bindings)
			}
		})
	}
}

// TestSippNotify: sipp registers, the test pushes a check-sync re-sync, and
// sipp's out-of-call scenario checks the NOTIFY and answers 200.
func TestSippNotify(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	results := make(chan []devicedb.NotifyResult, 1)
	errs := make(chan error, 1)
	go func() {
		deadline := time.Now().Add(10 * time.Second)
		for len(srv.Bindings(ln.mac, 0)) == 0 {
			if time.Now().After(deadline) {
				errs <- errors.New("sipp did not register")
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		res, err := srv.Resync(bg, ln.mac, "check-sync")
		if err != nil {
			errs <- err
			return
		}
		results <- res
	}()
	ooc, err := filepath.Abs(filepath.Join("testdata", "sipp", "notify_ooc.xml"))
	if err != nil {
		t.Fatal(err)
	}
	run := runSipp(t, srv.udp, "notify_register.xml", "-s", ln.ext, "-au", ln.authUser, "-ap", ln.password,
		"-oocsf", ooc)
	select {
	case res := <-results:
		if len(res) != 1 || res[0].Status != 200 {
			t.Fatalf("Resync results %+v", res)
		}
	case err := <-errs:
		t.Fatal(err)
	case <-time.After(10 * time.Second):
		t.Fatal("no Resync result")
	}
	run.check(t)
}
