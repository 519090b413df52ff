package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestSIPLibraryLogsAreJSONAndBounded: SIP responses that match no
// transaction, sent by anyone who reaches the port, are logged as JSON at
// debug level, at most about 20 a second, never as plain text.
func TestSIPLibraryLogsAreJSONAndBounded(t *testing.T) {
	p := start(t, binary(t), t.TempDir(), "--log-level", "debug")
	c, err := net.Dial("udp", p.ports["sip"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 300; i++ {
		fmt.Fprintf(c, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK-stray-%d\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>;tag=2\r\n"+
			"Call-ID: stray-%d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", i, i)
	}
	var n int
	for i := 0; i < 40; i++ { // up to 2 s for the first ones to show
		if n = strings.Count(p.log.String(), "response matching no transaction"); n > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	p.stop(t)
	n = 0
	for _, line := range strings.Split(strings.TrimSpace(p.log.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if strings.Contains(strings.ToLower(fmt.Sprint(rec["msg"])), "unhandled") {
			t.Errorf("sipgo's own message got through: %v", rec)
		}
		if rec["msg"] == "sip: response matching no transaction (a retransmission?)" {
			n++
			if rec["level"] != "DEBUG" {
				t.Errorf("logged at %v: %v", rec["level"], rec)
			}
		}
	}
	if n == 0 || n >= 300 {
		t.Fatalf("%d of 300 stray responses logged; want some, rate-limited", n)
	}
}

// TestWelcomeLinkUsesHTTPS: with HTTPS on, the set-password link of a
// welcome message is an https:// URL of the HTTPS port.
func TestWelcomeLinkUsesHTTPS(t *testing.T) {
	p := start(t, binary(t), t.TempDir(), "--public-host", "127.0.0.1")
	exp, err := os.ReadFile("../../devicedb/testdata/import/seeds-joe.json")
	if err != nil {
		t.Fatal(err)
	}
	var body any
	if err := json.Unmarshal(exp, &body); err != nil {
		t.Fatal(err)
	}
	p.call(t, "POST", "/api/v1/imports/classic", body, 201)
	st, raw := p.try(&http.Client{Timeout: 10 * time.Second}, "GET", "/api/v1/outbox", nil)
	var msgs []map[string]any
	if st != 200 || json.Unmarshal(raw, &msgs) != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %d %s", st, raw)
	}
	want := "https://127.0.0.1:" + strings.Split(p.ports["https"], ":")[1] + "/set-password?token="
	for _, m := range msgs {
		if link, _ := m["link"].(string); !strings.HasPrefix(link, want) {
			t.Errorf("welcome link %q, want %s…", link, want)
		}
	}
}

// TestRegisterRefusalSaysWhy: correct credentials on an AOR whose host is
// an IP address get a 403 whose reason phrase says the domain must be the
// SIP domain; the device (API) shows the refusal.
func TestRegisterRefusalSaysWhy(t *testing.T) {
	p := start(t, binary(t), t.TempDir(), "--demo", "--public-host", "127.0.0.1", "--log-level", "debug")
	kv := yealinkConfig(t, p)
	c, err := net.Dial("udp", p.ports["sip"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().String()
	host, _, _ := net.SplitHostPort(p.ports["sip"])
	send := func(cseq int, authz string) string {
		// The Request-URI names the SIP domain (the digest uri must equal
		// it); the AOR in From/To names the server's IP address.
		msg := fmt.Sprintf("REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP %[2]s;branch=z9hG4bK-ip-%[3]d;rport\r\nMax-Forwards: 70\r\n"+
			"From: <sip:1001@%[1]s>;tag=ip\r\nTo: <sip:1001@%[1]s>\r\nCall-ID: ip-aor\r\nCSeq: %[3]d REGISTER\r\n"+
			"Contact: <sip:1001@%[2]s>\r\nExpires: 600\r\n", host, local, cseq)
		if authz != "" {
			msg += "Authorization: " + authz + "\r\n"
		}
		if _, err := c.Write([]byte(msg + "Content-Length: 0\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		buf := make([]byte, 8192)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		return string(buf[:n])
	}
	chal := send(1, "")
	ans := send(2, answerAuth(t, chal, kv["account.1.auth_name"], kv["account.1.password"], 1))
	first, _, _ := strings.Cut(ans, "\r\n")
	if first != "SIP/2.0 403 Forbidden (the AOR's domain must be the SIP domain phoneprov.test)" {
		t.Fatalf("answer: %q", first)
	}
	d := p.call(t, "GET", "/api/v1/devices/805ec0a1b2c3", nil, 200)
	if r, _ := d["last_refusal"].(map[string]any); r == nil || !strings.Contains(fmt.Sprint(r["reason"]), "SIP domain phoneprov.test") {
		t.Fatalf("device last_refusal: %v", d["last_refusal"])
	}
	if !strings.Contains(p.log.String(), "REGISTER refused") {
		t.Fatal("no debug log line about the refusal")
	}
}
