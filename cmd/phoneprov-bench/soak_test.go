package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSoakShort runs a 20-second soak of 60 phones through the command
// line against the real binary, started with --debug-addr on a port the
// harness has to find: samples every second carry the server's RSS, its
// goroutines from pprof and its bindings; every kind of operation (fetch,
// register, unregister, the nine admin writes with a re-sync the phone
// answers) happened with zero errors; the verdict in the report is the one
// judge gives on its samples, and the exit code follows it. Tolerances are
// wide: 20 seconds include the server's warm-up, whose growth is not a
// leak (TestJudge covers the verdict).
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real server")
	}
	ports, token, pid := startServer(t, "--debug-addr", "127.0.0.1:0")
	dir := t.TempDir()
	tokenFile, jsonFile := filepath.Join(dir, "token"), filepath.Join(dir, "soak.json")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	const dur = 20 * time.Second
	var out, errOut bytes.Buffer
	code := soakCmd([]string{"--server", "http://" + ports["http"], "--token-file", tokenFile, "--sip", ports["sip"],
		"--devices", "60", "--duration", dur.String(), "--sample", "1s", "--fetch-rate", "40", "--register-rate", "20",
		"--admin-rate", "5", "--admin-slots", "2", "--unregister", "0.2", "--rss-tolerance", "200",
		"--goroutine-tolerance", "500", "--json", jsonFile}, &out, &errOut)
	t.Logf("soak:\n%s%s", out.String(), errOut.String())
	var rep SoakReport
	if b, err := os.ReadFile(jsonFile); err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("JSON report: %v", err)
	}
	if code != 0 || !rep.Verdict.Pass || !strings.Contains(out.String(), ": PASS") {
		t.Fatalf("exit %d, verdict %+v", code, rep.Verdict)
	}
	if rep.PID != pid || rep.Debug == "" {
		t.Errorf("server pid %d (want %d), debug listener %q (want found)", rep.PID, pid, rep.Debug)
	}
	// a sample at the start, one a second, one at the end
	if n := len(rep.Samples); n < 18 || n > 23 {
		t.Fatalf("%d samples, want about 22", n)
	}
	for _, s := range rep.Samples {
		if s.RSSMB <= 0 || s.Goroutines <= 0 || s.HeapMB <= 0 || s.Bindings < 0 {
			t.Fatalf("sample without figures: %+v", s)
		}
	}
	last := rep.Samples[len(rep.Samples)-1]
	if last.T < dur.Seconds() || last.Bindings == 0 || last.Requests == 0 {
		t.Errorf("last sample %+v: want after the end, with bindings and requests", last)
	}
	var reqs, errs int64
	for _, k := range soakKinds {
		o := rep.Ops[k]
		if o.OK == 0 || o.Errors != 0 {
			t.Errorf("%s: %+v, want some and no errors", k, o)
		}
		reqs, errs = reqs+o.Requests, errs+o.Errors
	}
	if f, r := rep.Ops["fetch"].Requests, rep.Ops["register"].Requests+rep.Ops["unregister"].Requests; f < 600 || r < 300 {
		t.Errorf("%d fetches and %d REGISTER exchanges, want about 800 and 400", f, r)
	}
	for _, st := range adminSteps {
		if s, ok := rep.Step("admin " + st.name); !ok || s.Count == 0 {
			t.Errorf("admin %s never ran", st.name)
		}
	}
	if rep.Notifies == 0 {
		t.Error("no re-sync NOTIFY reached a phone")
	}
	want := judge(rep.Samples, dur, tolerance{RSSPct: 200, Goroutines: 500, ErrorRatio: 0.001}, reqs, errs)
	if mustJSON(want) != mustJSON(rep.Verdict) {
		t.Errorf("verdict %+v, judge on the samples gives %+v", rep.Verdict, want)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
