package sip

import (
	"net"
	"strings"
	"testing"
	"time"
)

func TestHasAuthorization(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{"REGISTER sip:d SIP/2.0\r\nVia: x\r\nAuthorization: Digest a\r\n\r\n", true},
		{"REGISTER sip:d SIP/2.0\r\nVia: x\r\nauthorization : Digest a\r\n\r\n", false}, // space before the colon: not matched, queued as new
		{"REGISTER sip:d SIP/2.0\r\nVia: x\r\nAUTHORIZATION:Digest a\r\n\r\n", true},
		{"REGISTER sip:d SIP/2.0\r\nVia: x\r\nProxy-Authorization: Digest a\r\n\r\n", false},
		{"REGISTER sip:d SIP/2.0\r\nVia: x\r\n\r\nAuthorization: in the body\r\n", false},
		{"REGISTER sip:d SIP/2.0\r\nX-Authorization: a\r\n\r\n", false},
	} {
		if got := hasAuthorization([]byte(tc.msg)); got != tc.want {
			t.Errorf("hasAuthorization(%q) = %t, want %t", tc.msg, got, tc.want)
		}
	}
}

func TestServiceUnavailable(t *testing.T) {
	src := &net.UDPAddr{IP: net.IPv4(192, 0, 2, 7), Port: 40000}
	const head = "REGISTER sip:phoneprov.test SIP/2.0\r\n"
	for _, tc := range []struct {
		name, msg string
		want      string // "" when no answer is possible
		port      int
	}{
		{"rport", head + "Via: SIP/2.0/UDP 10.0.0.1:5062;rport;branch=z9hG4bK1\r\nMax-Forwards: 70\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nContact: <sip:1@10.0.0.1>\r\nContent-Length: 0\r\n\r\n",
			"SIP/2.0 503 Service Unavailable\r\nVia: SIP/2.0/UDP 10.0.0.1:5062;rport;branch=z9hG4bK1\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>;tag=shed\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nRetry-After: 5\r\nServer: pp\r\nContent-Length: 0\r\n\r\n", 40000},
		{"via port, compact forms", head + "v: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1\r\nf: <sip:1@d>;tag=a\r\nt: <sip:1@d>;tag=b\r\ni: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
			"SIP/2.0 503 Service Unavailable\r\nv: SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1\r\nf: <sip:1@d>;tag=a\r\nt: <sip:1@d>;tag=b\r\ni: c1\r\nCSeq: 1 REGISTER\r\nRetry-After: 5\r\nServer: pp\r\nContent-Length: 0\r\n\r\n", 5062},
		{"no via port", head + "Via: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n",
			"SIP/2.0 503 Service Unavailable\r\nVia: SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>;tag=shed\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\nRetry-After: 5\r\nServer: pp\r\nContent-Length: 0\r\n\r\n", 5060},
		{"no call-id", head + "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>\r\nCSeq: 1 REGISTER\r\n\r\n", "", 0},
		{"no header end", head + "Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n", "", 0},
		{"line without colon", head + "Via SIP/2.0/UDP 10.0.0.1\r\nFrom: <sip:1@d>;tag=a\r\nTo: <sip:1@d>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n\r\n", "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, dst, ok := serviceUnavailable(nil, []byte(tc.msg), src, "pp")
			if ok != (tc.want != "") {
				t.Fatalf("ok = %t, want %t", ok, tc.want != "")
			}
			if !ok {
				return
			}
			if string(out) != tc.want {
				t.Errorf("answer:\n%s\nwant\n%s", strings.ReplaceAll(string(out), "\r\n", "|"), strings.ReplaceAll(tc.want, "\r\n", "|"))
			}
			if !dst.IP.Equal(src.IP) || dst.Port != tc.port {
				t.Errorf("destination %v, want %v port %d", dst, src.IP, tc.port)
			}
		})
	}
}

func TestShedBacklog(t *testing.T) {
	var s shedState
	if b := s.backlog(1000, 8); b != 0 {
		t.Fatalf("backlog before any observation = %v, want 0", b)
	}
	for range 1000 {
		s.observe(100 * time.Microsecond)
	}
	// 8,000 queued REGISTERs at about 100 us each on 8 workers: about 100 ms.
	if b := s.backlog(8000, 8); b < 90*time.Millisecond || b > 100*time.Millisecond {
		t.Fatalf("backlog = %v, want about 100 ms", b)
	}
	if b := s.backlog(40000, 8); b <= shedNewAfter {
		t.Fatalf("backlog of 40,000 = %v, want past %v", b, shedNewAfter)
	}
}
