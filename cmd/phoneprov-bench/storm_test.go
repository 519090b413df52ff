package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestMain removes the phoneprov binary the tests built.
func TestMain(m *testing.M) { testbin.Main(m) }

// phoneprovBinary builds cmd/phoneprov once for all tests, or takes
// PHONEPROV_TEST_BINARY.
func phoneprovBinary(t *testing.T) string { return testbin.Phoneprov(t) }

type lockedBuffer = testbin.Buffer

// startServer runs phoneprov serve on a temp data dir with loopback
// listeners (and the extra flags) and returns its ports, token and pid.
func startServer(t *testing.T, extra ...string) (ports map[string]string, token string, pid int) {
	t.Helper()
	return startServerIn(t, filepath.Join(t.TempDir(), "data"), extra...)
}

// startServerIn is startServer on the data dir given.
func startServerIn(t *testing.T, data string, extra ...string) (ports map[string]string, token string, pid int) {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--http-addr", "127.0.0.1:0", "--https-addr", "",
		"--sip-addr", "127.0.0.1:0", "--sips-addr", "", "--stun-addr", "", "--dns-addr", "", "--public-host", "127.0.0.1",
		"--log-level", "warn"}, extra...)
	cmd := exec.Command(phoneprovBinary(t), args...)
	log := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	ports, err := testbin.WaitPorts(data, 60*time.Second)
	if err != nil {
		t.Fatalf("phoneprov: %v:\n%s", err, log)
	}
	tok, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	return ports, strings.TrimSpace(string(tok)), cmd.Process.Pid
}

// TestStormShort boots 1,000 phones of the vendor mix arriving within 10 s
// (UDP), then 200 within 2 s (TCP),
// against the real binary: every one fetches its files and registers, with
// zero failures. Latencies are logged, not asserted. The phones come from
// 50 loopback addresses: from one, the server's unknown-MAC limit counts the
// 404 Grandstream phones get for their binary cfg<mac> and answers 429
// after about 20 of them (a weakness the harness found, see the report).
func TestStormShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	ports, token, _ := startServer(t)
	for _, run := range []struct {
		transport string
		n, base   int
		window    time.Duration
	}{{"udp", 1000, 0, 10 * time.Second}, {"tcp", 200, 1000, 2 * time.Second}} {
		transport, n, base := run.transport, run.n, run.base
		var progress bytes.Buffer
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		rep, err := Run(ctx, Config{Server: "http://" + ports["http"], Token: token, SIP: ports["sip"],
			Devices: n, Base: base, Arrival: "poisson", Window: run.window, Transport: transport,
			Timeout: 40 * time.Second, Sources: 50}, &progress)
		cancel()
		if err != nil {
			t.Fatalf("%s: %v\n%s", transport, err, progress.String())
		}
		var text bytes.Buffer
		rep.WriteText(&text)
		t.Logf("%s storm:\n%s%s", transport, progress.String(), text.String())
		if rep.Failed != 0 || rep.Booted != n || len(rep.Failures) != 0 || rep.TimedOut {
			t.Fatalf("%s: %d booted, %d failed, failures %v", transport, rep.Booted, rep.Failed, rep.Failures)
		}
		reg, ok := rep.Step("register " + transport)
		if !ok || reg.Count != n {
			t.Fatalf("%s: register step %+v", transport, reg)
		}
		for _, v := range vendors {
			if s, ok := rep.Step(v.name + " " + v.files[len(v.files)-1]); !ok || s.Count == 0 {
				t.Errorf("%s: no fetch of %s's config in the report", transport, v.name)
			}
		}
		if rep.Server == nil || rep.Server.RSSMaxMB <= 0 {
			t.Errorf("%s: no server figures: %+v", transport, rep.Server)
		}
	}

	// the command line: the first 30 phones again (--reuse), JSON report
	dir := t.TempDir()
	tokenFile, jsonFile := filepath.Join(dir, "token"), filepath.Join(dir, "out.json")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code := stormCmd([]string{"--server", "http://" + ports["http"], "--token-file", tokenFile, "--sip", ports["sip"],
		"--devices", "30", "--reuse", "--arrival", "all", "--transport", "tcp", "--sources", "30", "--json", jsonFile},
		&out, &errOut)
	if code != 0 {
		t.Fatalf("storm command: exit %d\n%s%s", code, out.String(), errOut.String())
	}
	var rep Report
	if b, err := os.ReadFile(jsonFile); err != nil || json.Unmarshal(b, &rep) != nil || rep.Booted != 30 {
		t.Fatalf("JSON report: %v %+v", err, rep)
	}
	if !strings.Contains(out.String(), "booted 30, failed 0") || strings.Contains(out.String(), "seeded") {
		t.Fatalf("text report:\n%s", out.String())
	}
}

// TestCLIUsage: bad usage exits 2 with a message, before any traffic.
func TestCLIUsage(t *testing.T) {
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("t"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"storm"},
		{"storm", "--server", "http://192.0.2.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060"},
		{"storm", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060", "--arrival", "burst"},
		{"storm", "--devices", "ten"},
		{"storm", "--token-file", "/nonexistent/token"},
		{"storm", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060", "--seed-via", "csv"},
		{"seed"},
		{"seed", "--server", "http://192.0.2.1:8080", "--token-file", tok},
		{"seed", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--via", "sql"},
		{"seed", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--chunk", "-5"},
		{"seed", "--server", "http://127.0.0.1:8080", "--token-file", tok, "stray"},
		{"soak"},
		{"soak", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060", "--debug", "http://192.0.2.1:6060"},
		{"soak", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060", "--duration", "10s", "--sample", "3s"},
		{"soak", "--server", "http://127.0.0.1:8080", "--token-file", tok, "--sip", "127.0.0.1:5060", "--unregister", "2"},
		{"soak", "--duration", "soon"},
	} {
		var out, errOut bytes.Buffer
		cmd := map[string]func([]string, io.Writer, io.Writer) int{"storm": stormCmd, "seed": seedCmd, "soak": soakCmd}[args[0]]
		if code := cmd(args[1:], &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 with a message", args, code, errOut.String())
		}
	}
	if code := cli([]string{"frobnicate"}); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}
