package main

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tftpGet fetches name in binary mode with Debian's tftp-hpa client from
// the server at addr (host:port). It returns the file, or the client's
// message when the transfer failed.
func tftpGet(t *testing.T, addr, name string) (body string, ok bool) {
	t.Helper()
	bin, err := exec.LookPath("tftp")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tftp not installed (apt-get install tftp-hpa)")
		}
		t.Skip("tftp not installed (apt-get install tftp-hpa)")
	}
	host, port, _ := net.SplitHostPort(addr)
	out := filepath.Join(t.TempDir(), "got")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msg, err := exec.CommandContext(ctx, bin, "-m", "binary", host, port, "-c", "get", name, out).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("tftp get %s did not finish: %s", name, msg)
	}
	b, rerr := os.ReadFile(out)
	if err != nil || len(msg) > 0 || rerr != nil {
		return string(msg), false
	}
	return string(b), true
}

// TestServeTFTP: with --tftp-addr, a phone on a network inside --allow
// gets its config over TFTP, the same file HTTP gives; outside --allow, or
// with --allow any, TFTP gives only files without secrets.
func TestServeTFTP(t *testing.T) {
	bin := binary(t)
	const mac = "805ec0112233"
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--tftp-addr", "127.0.0.1:0", "--allow", "127.0.0.0/8")
	if !strings.HasPrefix(p.ports["tftp"], "127.0.0.1:") || strings.HasSuffix(p.ports["tftp"], ":0") {
		t.Fatalf("ports.json tftp = %q", p.ports["tftp"])
	}
	if !strings.Contains(p.log.String(), "TFTP serves device configs (they hold SIP credentials) only to sources inside --allow") {
		t.Errorf("no start-up notice of what TFTP serves:\n%s", p.log)
	}
	ph := addPhone(t, p, mac, "alice", "1001")
	body, ok := tftpGet(t, p.ports["tftp"], mac+".cfg")
	if !ok || configValues(body)["account.1.password"] != ph.password {
		t.Fatalf("config over TFTP from inside --allow: %v\n%.300s", ok, body)
	}
	if _, viaHTTP, err := fetchConfig(&http.Client{Timeout: 10 * time.Second}, "http://"+p.ports["http"], mac); err != nil || viaHTTP != body {
		t.Fatalf("TFTP and HTTP differ (%v):\n%s\n---\n%s", err, body, viaHTTP)
	}
	if msg, ok := tftpGet(t, p.ports["tftp"], "805ec0999999.cfg"); ok || !strings.Contains(msg, "Error code 1") {
		t.Fatalf("unknown MAC over TFTP: %v %q", ok, msg)
	}
	p.stop(t)

	for _, tc := range []struct {
		name  string
		allow []string
		log   string
	}{
		{"outside --allow", []string{"--allow", "10.9.9.0/24"}, "only to sources inside --allow"},
		{"--allow any", nil, "TFTP serves only files without secrets"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--tftp-addr", "127.0.0.1:0"}, tc.allow...)
			p := start(t, bin, filepath.Join(t.TempDir(), "data"), args...)
			if !strings.Contains(p.log.String(), tc.log) {
				t.Errorf("start-up log lacks %q:\n%s", tc.log, p.log)
			}
			addDevice(t, p, mac, "alice", "1001")
			if msg, ok := tftpGet(t, p.ports["tftp"], mac+".cfg"); ok || !strings.Contains(msg, "Error code 1") {
				t.Fatalf("device config over TFTP: %v %q, want Error code 1", ok, msg)
			}
			if body, ok := tftpGet(t, p.ports["tftp"], "y000000000108.cfg"); !ok || !strings.HasPrefix(body, "#!version:1.0.0.1") {
				t.Fatalf("shared T46U file over TFTP: %v %q", ok, body)
			}
			p.stop(t)
		})
	}
}
