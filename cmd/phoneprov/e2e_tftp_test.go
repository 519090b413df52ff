package main

import (
	"context"
	"io"
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
// gets its config over TFTP, the same file HTTP gives; with --allow any,
// TFTP gives only files without secrets; outside --allow, nothing (as over
// HTTP).
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
	if _, viaHTTP, err := fetchConfig(p, &http.Client{Timeout: 10 * time.Second}, "http://"+p.ports["http"], mac); err != nil || viaHTTP != body {
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
			addDevice(t, p, mac, "Yealink T46U", "alice", "1001")
			if msg, ok := tftpGet(t, p.ports["tftp"], mac+".cfg"); ok || !strings.Contains(msg, "Error code 1") {
				t.Fatalf("device config over TFTP: %v %q, want Error code 1", ok, msg)
			}
			body, ok := tftpGet(t, p.ports["tftp"], "y000000000108.cfg")
			if tc.allow == nil && (!ok || !strings.HasPrefix(body, "#!version:1.0.0.1")) {
				t.Fatalf("shared T46U file over TFTP with --allow any: %v %q", ok, body)
			}
			if tc.allow != nil && (ok || !strings.Contains(body, "Error code 1")) {
				// --allow bounds every phone route, shared files included.
				t.Fatalf("shared T46U file over TFTP from outside --allow: %v %q", ok, body)
			}
			p.stop(t)
		})
	}
}

// TestServeCiscoEnterpriseBoot boots a Cisco 8841 on enterprise firmware
// against the binary the way it does: over TFTP first (no User-Agent),
// then the same files over HTTP with its User-Agent. In order it asks for
// CTLSEP<MAC>.tlv and ITLSEP<MAC>.tlv (none made: it goes on in
// non-secure mode), SEP<MAC>.cnf.xml (its lines) and the dial plan that
// file names. An unknown phone's SEP file and its fallback
// XMLDefault.cnf.xml are refused.
func TestServeCiscoEnterpriseBoot(t *testing.T) {
	bin := binary(t)
	const mac, ua = "00562b018841", "Cisco-CP8841/12.1.1"
	const sep = "SEP00562B018841.cnf.xml"
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--tftp-addr", "127.0.0.1:0", "--allow", "127.0.0.0/8")
	addDevice(t, p, mac, "CP-8841 Enterprise", "alice", "1001")
	get := map[string]func(name string) (string, bool){
		"tftp": func(name string) (string, bool) { return tftpGet(t, p.ports["tftp"], name) },
		"http": func(name string) (string, bool) {
			req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/"+name, nil)
			req.Header.Set("User-Agent", ua)
			res, err := p.phoneDo(&http.Client{Timeout: 10 * time.Second}, req) // with the device's credential
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return string(b), res.StatusCode == 200
		},
	}
	bodies := map[string]string{}
	for _, via := range []string{"tftp", "http"} {
		for _, name := range []string{"CTLSEP00562B018841.tlv", "ITLSEP00562B018841.tlv"} {
			if _, ok := get[via](name); ok {
				t.Errorf("%s %s served; phoneprov makes no security files", via, name)
			}
		}
		body, ok := get[via](sep)
		password := between(body, "<authPassword>", "</authPassword>")
		if !ok || len(password) < 8 || !strings.Contains(body, "<name>1001</name>") {
			t.Fatalf("%s %s: %v\n%s", via, sep, ok, body)
		}
		if plan := between(body, "<dialTemplate>", "</dialTemplate>"); plan != "dialplan-8841.xml" {
			t.Fatalf("%s: dial template %q", via, plan)
		}
		dial, ok := get[via]("dialplan-8841.xml")
		if !ok || !strings.Contains(dial, "<DIALTEMPLATE>") || strings.Contains(dial, password) {
			t.Fatalf("%s dial plan: %v\n%s", via, ok, dial)
		}
		bodies[via] = body + dial
		for _, name := range []string{"SEP00562B0188FF.cnf.xml", "XMLDefault.cnf.xml"} {
			if _, ok := get[via](name); ok {
				t.Errorf("%s %s served to an unknown phone", via, name)
			}
		}
	}
	if bodies["tftp"] != bodies["http"] {
		t.Errorf("TFTP and HTTP gave different files:\n%s\n---\n%s", bodies["tftp"], bodies["http"])
	}
	p.stop(t)
}

// between is the text of s between the first start and the next end.
func between(s, start, end string) string {
	_, after, _ := strings.Cut(s, start)
	v, _, _ := strings.Cut(after, end)
	return v
}
