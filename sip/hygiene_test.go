package sip

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// TestRawRequests sends raw messages over UDP and TCP and checks the first
// line of the answer ("" for none).
func TestRawRequests(t *testing.T) {
	checkGoroutines(t)
	st := openStore(t)
	newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.MaxMessageSize = 4096 })
	big := rawRegister("1001", "X-Padding: "+strings.Repeat("a", 5000)+"\r\n")
	for _, tc := range []struct {
		name, msg, want, wantUDP string
		contains                 []string
	}{
		{name: "OPTIONS", msg: rawRequest("OPTIONS", "sip:"+testDomain, "1001", ""), want: "SIP/2.0 200 OK",
			contains: []string{"Allow: REGISTER, OPTIONS", "Accept: application/sdp", "Server: phoneprov"}},
		{name: "INVITE is not served", msg: rawRequest("INVITE", "sip:1002@"+testDomain, "1001", ""), want: "SIP/2.0 405 Method Not Allowed",
			contains: []string{"Allow: REGISTER, OPTIONS"}},
		{name: "SUBSCRIBE is not served", msg: rawRequest("SUBSCRIBE", "sip:1002@"+testDomain, "1001", "Event: presence\r\n"), want: "SIP/2.0 405 Method Not Allowed"},
		{name: "REGISTER gets a challenge", msg: rawRegister("1001", ""), want: "SIP/2.0 401 Unauthorized"},
		{name: "scanner REGISTER dropped", msg: rawRegister("1001", "User-Agent: friendly-scanner\r\n")},
		{name: "scanner OPTIONS dropped", msg: rawRequest("OPTIONS", "sip:100@1.2.3.4", "100", "User-Agent: SIPVicious 0.3\r\n")},
		{name: "scanner in another case dropped", msg: rawRequest("INVITE", "sip:100@1.2.3.4", "100", "User-Agent: sipCLI/v1.63\r\n")},
		{name: "LF in a header gets 400", msg: rawRegister("1001", "User-Agent: phone\nX-Injected: 1\r\n"), want: "SIP/2.0 400 Bad Request (CR or LF in a header)"},
		{name: "LF in an OPTIONS header gets 400", msg: rawRequest("OPTIONS", "sip:"+testDomain, "1001", "Subject: a\nb\r\n"), want: "SIP/2.0 400 Bad Request (CR or LF in a header)"},
		{name: "LF in Call-ID dropped", msg: strings.Replace(rawRegister("1001", ""), "Call-ID: raw-", "Call-ID: x\nX-Injected: 1\nraw-", 1)},
		{name: "LF in To dropped", msg: strings.Replace(rawRegister("1001", ""), "To: <sip:1001@", "To: \"a\nX-Injected: 1\" <sip:1001@", 1)},
		{name: "no CSeq gets 400", msg: strings.Replace(rawRegister("1001", ""), "CSeq: 1 REGISTER\r\n", "", 1), want: "SIP/2.0 400 Bad Request",
			// Over UDP the registrar answers REGISTER itself (no sipgo transaction needs the CSeq).
			wantUDP: "SIP/2.0 400 Bad Request (missing To, From, Call-ID or CSeq)"},
		{name: "CSeq of another method gets 400", msg: strings.Replace(rawRegister("1001", ""), "CSeq: 1 REGISTER", "CSeq: 1 INVITE", 1), want: "SIP/2.0 400 Bad Request (missing To, From, Call-ID or CSeq)"},
		{name: "no To gets 400", msg: strings.Replace(rawRegister("1001", ""), "To: <sip:1001@phoneprov.test>\r\n", "", 1), want: "SIP/2.0 400 Bad Request (missing To, From, Call-ID or CSeq)"},
		{name: "garbage dropped", msg: "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03garbage\r\n\r\n"},
		{name: "bad start line dropped", msg: "HELLO world\r\n\r\n"},
		{name: "bad header dropped", msg: strings.Replace(rawRegister("1001", ""), "Max-Forwards: 70", "Max-Forwards: lots", 1)},
		{name: "message above the cap dropped", msg: big},
	} {
		for _, network := range []string{"udp", "tcp"} {
			t.Run(tc.name+"/"+network, func(t *testing.T) {
				addr := srv.udp
				if network == "tcp" {
					addr = srv.tcp
				}
				// A new branch, or the server takes it for a retransmission.
				msg := strings.Replace(tc.msg, "branch=z9hG4bK-raw-", "branch=z9hG4bK-raw-"+network+"-", 1)
				got := rawExchange(t, network, addr, msg)
				want := tc.want
				if network == "udp" && tc.wantUDP != "" {
					want = tc.wantUDP
				}
				if firstLine(got) != want {
					t.Fatalf("answer %q, want %q", firstLine(got), want)
				}
				for _, s := range tc.contains {
					if !strings.Contains(got, s) {
						t.Errorf("answer lacks %q:\n%s", s, got)
					}
				}
				if strings.Contains(got, "X-Injected") {
					t.Errorf("injected header echoed:\n%s", got)
				}
			})
		}
	}
	// The server is still up.
	if got := rawExchange(t, "udp", srv.udp, rawRequest("OPTIONS", "sip:"+testDomain, "1001", "")); firstLine(got) != "SIP/2.0 200 OK" {
		t.Fatalf("after the junk OPTIONS answered %q", firstLine(got))
	}
}

// TestTCPKeepalive: a double-CRLF ping on a TCP connection gets a CRLF
// pong (RFC 5626 section 3.5.1), and the connection still carries SIP.
func TestTCPKeepalive(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, nil)
	c, err := net.Dial("tcp", srv.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 2; i++ {
		if pong := rawSend(t, c, "\r\n\r\n"); pong != "\r\n" {
			t.Fatalf("ping %d answered %q, want CRLF", i, pong)
		}
		if got := rawSend(t, c, rawRequest("OPTIONS", "sip:"+testDomain, "1001", "")); firstLine(got) != "SIP/2.0 200 OK" {
			t.Fatalf("OPTIONS after ping %d answered %q", i, firstLine(got))
		}
	}
}

// TestIdleTimeout: a TCP connection that stays silent is closed.
func TestIdleTimeout(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
	c, err := net.Dial("tcp", srv.tcp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := rawSend(t, c, rawRequest("OPTIONS", "sip:"+testDomain, "1001", "")); firstLine(got) != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS answered %q", firstLine(got))
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	if n, err := c.Read(make([]byte, 10)); err == nil || isTimeout(err) {
		t.Fatalf("idle connection not closed: read %d, %v", n, err)
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// TestQuietHandler: sipgo's records about junk input are demoted to debug
// without their payload; others pass unchanged.
func TestQuietHandler(t *testing.T) {
	for _, tc := range []struct {
		level     slog.Level // of the sink
		msg       string
		want      string // "" when nothing may be logged
		wantLevel slog.Level
	}{
		{slog.LevelInfo, "failed to parse", "", 0},
		{slog.LevelDebug, "failed to parse", "failed to parse", slog.LevelDebug},
		{slog.LevelInfo, "registrar: saving bindings", "registrar: saving bindings", slog.LevelError},
	} {
		var buf bytes.Buffer
		log := slog.New(quietHandler{h: slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: tc.level})}).With("caller", "test")
		log.Error(tc.msg, "data", "REGISTER sip:x SIP/2.0 junk", "error", "boom")
		got := buf.String()
		if tc.want == "" {
			if got != "" {
				t.Errorf("%s at %v: logged %s", tc.msg, tc.level, got)
			}
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(got), &rec); err != nil {
			t.Fatalf("%s: %v in %q", tc.msg, err, got)
		}
		if rec["msg"] != tc.want || rec["level"] != tc.wantLevel.String() || rec["caller"] != "test" || rec["error"] != "boom" {
			t.Errorf("%s: logged %v", tc.msg, rec)
		}
		if _, ok := rec["data"]; ok == (tc.wantLevel == slog.LevelDebug) {
			t.Errorf("%s: data attribute kept=%v", tc.msg, ok)
		}
	}
}
