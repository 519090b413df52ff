package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestMain removes the binary the tests built.
func TestMain(m *testing.M) { testbin.Main(m) }

// binary builds phoneprov once per test process (or takes
// $PHONEPROV_TEST_BINARY).
func binary(t *testing.T) string { return testbin.Phoneprov(t) }

// proc is a running phoneprov serve.
type proc struct {
	cmd   *exec.Cmd
	ports map[string]string
	token string
	log   *syncBuffer
}

// syncBuffer is the process's output, written by exec's copying goroutine
// while the test reads it.
type syncBuffer = testbin.Buffer

func start(t *testing.T, bin, data string, extra ...string) *proc {
	t.Helper()
	os.Remove(filepath.Join(data, "ports.json"))
	args := append([]string{"serve", "--data", data, "--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		"--sip-addr", "127.0.0.1:0", "--sips-addr", "127.0.0.1:0", "--stun-addr", "127.0.0.1:0", "--dns-addr", "127.0.0.1:0"}, extra...)
	if db := testbin.Database(t, data); db != "" {
		args = append([]string{args[0], "--database", db}, args[1:]...)
	}
	cmd := exec.Command(bin, args...)
	p := &proc{cmd: cmd, log: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	ports, err := testbin.WaitPorts(data, 60*time.Second)
	if err != nil {
		t.Fatalf("phoneprov: %v; log:\n%s", err, p.log)
	}
	p.ports = ports
	tok, err := os.ReadFile(filepath.Join(data, "admin.token"))
	if err != nil {
		t.Fatal(err)
	}
	p.token = strings.TrimSpace(string(tok))
	return p
}

// dataCommand is a phoneprov command on the database of data directory
// data (PostgreSQL when the tests run on it).
func dataCommand(t *testing.T, bin, data string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "PHONEPROV_DATABASE="+testbin.Database(t, data))
	return cmd
}

func (p *proc) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, p.log)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit 20 s after SIGTERM\n%s", p.log)
	}
	if !strings.Contains(p.log.String(), "database closed") {
		t.Fatalf("shutdown did not close the database:\n%s", p.log)
	}
}

func (p *proc) call(t *testing.T, method, path string, body any, want int) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+p.ports["http"]+path, rd)
	req.Header.Set("Authorization", "Bearer "+p.token)
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, raw, want)
	}
	var m map[string]any
	json.Unmarshal(raw, &m)
	return m
}

func TestServeRestartKeepsEverything(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	p := start(t, bin, data)
	for _, k := range []string{"http", "https"} {
		if !strings.HasPrefix(p.ports[k], "127.0.0.1:") || strings.HasSuffix(p.ports[k], ":0") {
			t.Fatalf("ports.json %s = %q", k, p.ports[k])
		}
	}
	if st, err := os.Stat(filepath.Join(data, "admin.token")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("admin.token mode: %v %v", st, err)
	}
	res, err := http.Get("http://" + p.ports["http"] + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}
	u := p.call(t, "POST", "/api/v1/users", map[string]any{"username": "alice", "first_name": "Alice", "extension": "1001"}, 201)
	uid := int(u["id"].(float64))
	l := p.call(t, "POST", "/api/v1/licenses", map[string]any{"type": "X4", "country": "US", "service_address": "1 Main St"}, 201)
	p.call(t, "POST", "/api/v1/users/"+jsonStr(uid)+"/licenses", map[string]any{"license_id": l["id"]}, 200)
	p.call(t, "POST", "/api/v1/devices", map[string]any{"mac": "80:5E:C0:11:22:33", "model": "Yealink T46U"}, 201)
	before := p.call(t, "PUT", "/api/v1/devices/805ec0112233/lines/1", map[string]any{"user_id": uid}, 200)
	token := p.token
	p.stop(t)

	p = start(t, bin, data)
	if p.token != token {
		t.Fatal("admin token changed across restart")
	}
	after := p.call(t, "GET", "/api/v1/devices/805ec0112233", nil, 200)
	bl, al := before["lines"].([]any)[0].(map[string]any), after["lines"].([]any)[0].(map[string]any)
	if al["username"] != "alice" || al["auth_user"] != bl["auth_user"] || al["enabled"] != true {
		t.Fatalf("line after restart: %v, before: %v", al, bl)
	}
	got := p.call(t, "GET", "/api/v1/users/"+jsonStr(uid), nil, 200)
	if ls := got["licenses"].([]any); len(ls) != 1 || ls[0].(map[string]any)["status"] != "assigned" {
		t.Fatalf("licenses after restart: %v", got)
	}
	p.stop(t)
}

func TestServeDemoAndBadFlags(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	p := start(t, bin, data, "--demo")
	if !strings.Contains(p.log.String(), "curl") {
		t.Fatalf("--demo printed no curl line:\n%s", p.log)
	}
	d := p.call(t, "GET", "/api/v1/devices/805ec0a1b2c3", nil, 200)
	if len(d["lines"].([]any)) != 1 {
		t.Fatalf("demo device: %v", d)
	}
	p.stop(t)
	for _, args := range [][]string{{"serve", "--http-addr", "nonsense"}, {"serve", "--log-level", "loud"}, {"serve", "stray"}, {"frobnicate"}} {
		out, err := exec.CommandContext(context.Background(), bin, args...).CombinedOutput()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || len(out) == 0 {
			t.Errorf("%v: exit %v, output %q; want exit 2 with a message", args, err, out)
		}
	}
	out, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(out), "phoneprov ") {
		t.Fatalf("version: %q %v", out, err)
	}
}

func jsonStr(i int) string { b, _ := json.Marshal(i); return string(b) }
