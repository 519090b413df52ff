package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// readmeShell returns the README's ```sh blocks, in order.
func readmeShell(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case cur == nil && line == "```sh":
			cur = &strings.Builder{}
		case cur != nil && line == "```":
			blocks = append(blocks, cur.String())
			cur = nil
		case cur != nil:
			cur.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Fatal("README: a ```sh block is not closed")
	}
	return blocks
}

// TestReadmeExamples runs the README's shell examples, as written, against
// a fresh `serve --demo` started in the folder they expect, with the API
// address the README sets (API=http://127.0.0.1:8080/api/v1) pointed at
// the real port. Every curl must succeed (--fail-with-body).
func TestReadmeExamples(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed")
		}
		t.Skip("curl is not installed")
	}
	blocks := readmeShell(t)
	if len(blocks) < 2 {
		t.Fatalf("README has %d ```sh blocks; the examples are gone", len(blocks))
	}
	script := strings.Join(blocks, "\n")
	const readmeBase = "http://127.0.0.1:8080"
	if !strings.Contains(script, "API="+readmeBase+"/api/v1") {
		t.Fatalf("the README's examples no longer set API=%s/api/v1", readmeBase)
	}
	dir := t.TempDir()
	p := start(t, binary(t), filepath.Join(dir, "phoneprov-data"), "--demo")
	script = strings.ReplaceAll(script, readmeBase, "http://"+p.ports["http"])
	prelude := "set -euo pipefail\nshopt -s inherit_errexit\ncurl() { command curl --fail-with-body -sS \"$@\"; }\nset -x\n"
	cmd := exec.Command("bash", "-c", prelude+script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README examples failed: %v\n%s\nserver log:\n%s", err, out, p.log)
	}
	if n := strings.Count(string(out), "+ command curl"); n < 10 {
		t.Fatalf("only %d curl commands ran:\n%s", n, out)
	}
}

// TestDemoSecondRun: the demo names the console and its admin on an empty
// database, and says it created nothing on a database that has an account.
func TestDemoSecondRun(t *testing.T) {
	bin, data := binary(t), filepath.Join(t.TempDir(), "data")
	p := start(t, bin, data, "--demo")
	waitFor(t, p, "Console:")
	first := p.log.String()
	for _, want := range []string{"demo account is ready", "Console sign-in: admin \"demo\", password demo-", "phoneprov admin add"} {
		if !strings.Contains(first, want) {
			t.Errorf("first demo run does not say %q:\n%s", want, first)
		}
	}
	p.stop(t)
	p = start(t, bin, data, "--demo")
	waitFor(t, p, "Console:")
	second := p.log.String()
	if strings.Contains(second, "is ready") || strings.Contains(second, "Console sign-in: admin") || !strings.Contains(second, "created nothing") {
		t.Errorf("second demo run:\n%s", second)
	}
}

// waitFor waits (up to 10 s) until the process has printed s.
func waitFor(t *testing.T, p *proc, s string) {
	t.Helper()
	for i := 0; i < 200 && !strings.Contains(p.log.String(), s); i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(p.log.String(), s) {
		t.Fatalf("no %q in the output:\n%s", s, p.log)
	}
}

// TestReadmeSelfContained: the README points at no document outside the
// repository, shows the Classic export's fields and names the served
// OpenAPI document, which lists every route.
func TestReadmeSelfContained(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "CONTRACT.md") {
		t.Error("README points at CONTRACT.md, which is not in the repository")
	}
	for _, want := range []string{"/api/v1/openapi.json", `"extensions": [`, `"devices": [`, "desktop_login_at", "voicemail_to_email", "`users.csv`"} {
		if !strings.Contains(s, want) {
			t.Errorf("README lacks %q", want)
		}
	}
}
