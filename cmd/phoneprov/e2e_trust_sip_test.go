package main

import (
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// demoLine returns the auth user and SIP password of a demo user's line
// ("alice" or "bob"), read from the config of the phone it is on.
func demoLine(t *testing.T, p *proc, who string) (authUser, pass string) {
	t.Helper()
	if who == "alice" {
		kv := yealinkConfig(t, p)
		return kv["account.1.auth_name"], kv["account.1.password"]
	}
	code, body := p.phoneGet(t, "http://"+p.ports["http"]+"/phoneprov-0004f2a1b2c3.cfg", polyUA)
	if code != 200 {
		t.Fatalf("demo Poly config: %d", code)
	}
	return configValue(t, body, "reg.1.auth.userId"), configValue(t, body, "reg.1.auth.password")
}

// sipTCP is a raw SIP user agent on one TCP connection.
type sipTCP struct {
	c   net.Conn
	seq int
}

func newSIPTCP(t *testing.T, dst string) *sipTCP {
	t.Helper()
	c, err := net.DialTimeout("tcp", dst, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &sipTCP{c: c}
}

// register sends a REGISTER for user with the Authorization value authz
// and returns the answer, "" when none comes within 5 s.
func (s *sipTCP) register(t *testing.T, user, authz string) string {
	t.Helper()
	s.seq++
	if _, err := s.c.Write([]byte(registerMsg("TCP", s.c.LocalAddr().String(), user, authz, s.seq))); err != nil {
		t.Fatal(err)
	}
	_ = s.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), "\r\n\r\n") {
		n, err := s.c.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			return ""
		}
	}
	return string(got) // answers carry no body
}

// registerOnce runs a full registration of ext with the line's
// credentials, challenge first, and returns the final status.
func registerOnce(t *testing.T, reg func(user, authz string) string, ext, authUser, pass string) string {
	t.Helper()
	ch := reg(ext, "")
	if sipStatus(ch) != "401" {
		return "challenge " + sipStatus(ch)
	}
	return sipStatus(reg(ext, answerAuth(t, ch, authUser, pass, 1)))
}

// TestTrustSIPFloodSparesOtherLines floods the registrar from 127.0.0.1 over
// UDP with wrong passwords for Alice's line, then sweeps 60 nonexistent auth
// users from the same address, while Bob's line registers from that address
// (another socket: another phone behind the same NAT) over UDP and over TCP
// between every burst. Bob must get 200 every time; the flood must end in
// silence for the attacker; Alice's own line must still register over TCP
// from the flooded address (UDP failures never block TCP). On a registrar
// counting failures per source address, Bob gets 403 after 30 failures.
func TestTrustSIPFloodSparesOtherLines(t *testing.T) {
	const bursts, perBurst = 10, 40
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	aliceUser, alicePass := demoLine(t, p, "alice")
	bobUser, bobPass := demoLine(t, p, "bob")
	if aliceUser == "" || alicePass == "" || bobUser == "" || bobPass == "" {
		t.Fatal("demo configs carry no credentials")
	}
	sipAddr := p.ports["sip"]

	atk := newSIPUDP(t, "127.0.0.1", sipAddr)
	ch := atk.register(t, "1001", "", 2*time.Second)
	if sipStatus(ch) != "401" {
		t.Fatalf("first REGISTER answered %q", sipStatus(ch))
	}
	bobUDP := newSIPUDP(t, "127.0.0.1", sipAddr)
	bobTCP := newSIPTCP(t, p.ports["sip"])
	udpReg := func(user, authz string) string { return bobUDP.register(t, user, authz, 5*time.Second) }
	tcpReg := func(user, authz string) string { return bobTCP.register(t, user, authz) }

	nc := 0
	flood := func(n int, user func(i int) (ext, authUser string)) {
		for i := 0; i < n; i++ {
			nc++
			ext, au := user(nc)
			atk.register(t, ext, answerAuth(t, ch, au, "guess"+strconv.Itoa(nc), nc), 0)
		}
	}
	alice := func(int) (string, string) { return "1001", aliceUser }
	ghost := func(i int) (string, string) { return "9999", "ghost" + strconv.Itoa(i) }
	var bobOK int
	for b := 0; b < 2*bursts; b++ {
		if b < bursts {
			flood(perBurst, alice) // one line's password, 400 guesses
		} else {
			flood(6, ghost) // a sweep: 60 auth users
		}
		for _, tr := range []struct {
			name string
			reg  func(user, authz string) string
		}{{"UDP", udpReg}, {"TCP", tcpReg}} {
			if st := registerOnce(t, tr.reg, "1002", bobUser, bobPass); st != "200" {
				t.Fatalf("burst %d: Bob over %s from the flooded address answered %s, want 200", b, tr.name, st)
			}
			bobOK++
		}
	}

	// Drain what the flood drew, then one more guess: silence.
	for i := 0; i < 2*bursts*perBurst && atk.recv(time.Second) != ""; i++ {
	}
	nc++
	if got := atk.register(t, "1001", answerAuth(t, ch, aliceUser, "guess", nc), time.Second); got != "" {
		t.Fatalf("flooding source still answered: %.80q", got)
	}
	aliceTCP := newSIPTCP(t, p.ports["sip"])
	if st := registerOnce(t, func(u, a string) string { return aliceTCP.register(t, u, a) }, "1001", aliceUser, alicePass); st != "200" {
		t.Fatalf("Alice over TCP from the flooded address: %s, want 200", st)
	}
	t.Logf("%d wrong passwords for one line and 60 unknown auth users from 127.0.0.1 over UDP; "+
		"%d registrations of another line from that address (UDP and TCP) all answered 200", bursts*perBurst, bobOK)
	p.stop(t)
}
