package main

import (
	"encoding/json"
	"fmt"
	"net"
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
