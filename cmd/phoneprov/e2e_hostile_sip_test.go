package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icholy/digest"
)

var sipSeq atomic.Int64

// optionsRequest is an OPTIONS over transport (UDP or TCP) from sentBy.
func optionsRequest(transport, sentBy string) string {
	n := sipSeq.Add(1)
	return fmt.Sprintf("OPTIONS sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-h%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:probe@phoneprov.test>;tag=h%d\r\nTo: <sip:phoneprov.test>\r\n"+
		"Call-ID: hostile-%d\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n", transport, sentBy, n, n, n)
}

// sipTCPExchange sends msg on a new TCP connection and returns the head of
// the first answer, or "" when the server closes the connection without
// one. No answer within 5 s fails the test.
func sipTCPExchange(t *testing.T, addr, msg string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write([]byte(msg)) // the server may close before reading it all
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var got []byte
	buf := make([]byte, 4096)
	for !strings.Contains(string(got), "\r\n\r\n") {
		n, err := c.Read(buf)
		got = append(got, buf[:n]...)
		if isNetTimeout(err) {
			t.Fatalf("no answer and no close within 5 s; read %q", got)
		}
		if err != nil {
			break
		}
	}
	head, _, _ := strings.Cut(string(got), "\r\n\r\n")
	return head
}

// sipUDP is a raw SIP user agent on a UDP socket bound to one loopback
// address, registering one Call-ID with increasing CSeq.
type sipUDP struct {
	c   *net.UDPConn
	dst *net.UDPAddr
	seq int
}

func newSIPUDP(t *testing.T, src, dst string) *sipUDP {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP(src)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d, err := net.ResolveUDPAddr("udp4", dst)
	if err != nil {
		t.Fatal(err)
	}
	return &sipUDP{c: c, dst: d}
}

// register sends a REGISTER for user with the Authorization value authz
// ("" for none) and returns the answer, "" when none comes within wait
// (0: send only).
func (s *sipUDP) register(t *testing.T, user, authz string, wait time.Duration) string {
	t.Helper()
	s.seq++
	msg := registerMsg("UDP", s.c.LocalAddr().String(), user, authz, s.seq)
	if _, err := s.c.WriteToUDP([]byte(msg), s.dst); err != nil {
		t.Fatal(err)
	}
	if wait == 0 {
		return ""
	}
	return s.recv(wait)
}

// registerMsg is a REGISTER for user over transport from local (host:port),
// with the Authorization value authz ("" for none) and CSeq seq; its Call-ID
// is the same for every message from local.
func registerMsg(transport, local, user, authz string, seq int) string {
	_, port, _ := net.SplitHostPort(local)
	msg := fmt.Sprintf("REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/%s %s;branch=z9hG4bK-r%d-%d;rport\r\n"+
		"Max-Forwards: 70\r\nFrom: <sip:%s@phoneprov.test>;tag=r%s\r\nTo: <sip:%s@phoneprov.test>\r\n"+
		"Call-ID: reg-%s\r\nCSeq: %d REGISTER\r\nContact: <sip:%s@%s>\r\nExpires: 600\r\n"+
		"User-Agent: Yealink SIP-T46U 108.86.0.90\r\n", transport, local, seq, sipSeq.Add(1), user, port,
		user, local, seq, user, local)
	if authz != "" {
		msg += "Authorization: " + authz + "\r\n"
	}
	return msg + "Content-Length: 0\r\n\r\n"
}

// recv returns the next datagram, "" after wait.
func (s *sipUDP) recv(wait time.Duration) string {
	_ = s.c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	n, _, err := s.c.ReadFromUDP(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// answer sends the response "SIP/2.0 <st>" to the request req, as a
// phone does (a NOTIFY left unanswered keeps a transaction open).
func (s *sipUDP) answer(t *testing.T, req, st string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("SIP/2.0 " + st + "\r\n")
	for _, l := range strings.Split(req, "\r\n") {
		k, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "from", "call-id", "cseq":
			b.WriteString(l + "\r\n")
		case "to":
			b.WriteString(l + ";tag=ph" + strconv.Itoa(s.seq) + "\r\n")
		}
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	if _, err := s.c.WriteToUDP([]byte(b.String()), s.dst); err != nil {
		t.Fatal(err)
	}
}

// answerAuth answers the challenge in the 401 ans for user and password.
func answerAuth(t *testing.T, ans, user, pass string, nc int) string {
	t.Helper()
	for _, l := range strings.Split(ans, "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "WWW-Authenticate") {
			chal, err := digest.ParseChallenge(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			cred, err := digest.Digest(chal, digest.Options{Method: "REGISTER", URI: "sip:phoneprov.test",
				Username: user, Password: pass, Count: nc, Cnonce: "c0ffee" + strconv.Itoa(nc)})
			if err != nil {
				t.Fatal(err)
			}
			return cred.String()
		}
	}
	t.Fatalf("no challenge in %.200q", ans)
	return ""
}

func sipStatus(ans string) string {
	if ans == "" {
		return "silence"
	}
	f := strings.Fields(ans)
	if len(f) < 2 {
		return "junk"
	}
	return f[1]
}

// TestHostileCredentialSweep sweeps passwords against the registrar from
// 127.0.0.1 over UDP, for existing and nonexistent auth users (every other
// guess a new one): the first failures get 401 (the same for both kinds of
// user), then, once the source has failed for 10 distinct users, 403, then
// silence for every further guess. An OPTIONS from the swept source is
// still answered (the auth throttle silences credentials only), and
// Alice's phone at 127.0.0.2 still registers with her real password. PHONEPROV_SWEEP_COUNT sets
// the number of guesses (default 2000).
func TestHostileCredentialSweep(t *testing.T) {
	total := 2000
	if v, err := strconv.Atoi(os.Getenv("PHONEPROV_SWEEP_COUNT")); err == nil && v > 200 {
		total = v
	}
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	kv := yealinkConfig(t, p)
	authUser, pass := kv["account.1.auth_name"], kv["account.1.password"]
	if authUser == "" || pass == "" {
		t.Fatalf("demo config has no credentials: %v", kv)
	}
	users := [][2]string{{"1001", authUser}, {"1001", "1001"}, {"9999", "ghost9999"}, {"1002", "bob"}}

	atk := newSIPUDP(t, "127.0.0.1", p.ports["sip"])
	ans := atk.register(t, "1001", "", 2*time.Second)
	if sipStatus(ans) != "401" {
		t.Fatalf("first REGISTER answered %q", sipStatus(ans))
	}
	counts := map[string]int{}
	reason := "" // of the 401s: the same whether the auth user exists or not
	first403, firstSilence, quiet, nc := 0, 0, 0, 0
	i := 0
	for ; i < total && quiet < 3; i++ {
		u := sweepUser(users, i)
		nc++
		got := atk.register(t, u[0], answerAuth(t, ans, u[1], "guess"+strconv.Itoa(i), nc), 300*time.Millisecond)
		st := sipStatus(got)
		counts[st]++
		switch st {
		case "401":
			ans, nc = got, 0 // a fresh nonce
			line, _, _ := strings.Cut(got, "\r\n")
			if reason == "" {
				reason = line
			} else if line != reason {
				t.Fatalf("401 for auth user %s reads %q, for others %q", u[1], line, reason)
			}
		case "403":
			first403 = firstSet(first403, i+1)
		case "silence":
			firstSilence = firstSet(firstSilence, i+1)
			quiet++
			continue
		default:
			t.Fatalf("guess %d answered %.120q", i+1, got)
		}
		quiet = 0
	}
	if first403 == 0 || first403 > 40 || firstSilence == 0 || firstSilence > 150 || firstSilence < first403 {
		t.Fatalf("throttle: first 403 at guess %d, first silence at guess %d; counts %v", first403, firstSilence, counts)
	}
	// The rest of the sweep as fast as the socket goes: nothing answers.
	probed, sweepStart := i, time.Now()
	for ; i < total; i++ {
		u := sweepUser(users, i)
		atk.register(t, u[0], answerAuth(t, ans, u[1], "guess"+strconv.Itoa(i), i), 0)
	}
	rate := float64(total-probed) / time.Since(sweepStart).Seconds()
	late := 0
	for late < total && atk.recv(time.Second) != "" {
		late++
	}
	if late != 0 {
		t.Fatalf("%d answers after the source went silent", late)
	}
	if _, err := atk.c.WriteToUDP([]byte(optionsRequest("UDP", atk.c.LocalAddr().String())), atk.dst); err != nil {
		t.Fatal(err)
	}
	if got := atk.recv(2 * time.Second); sipStatus(got) != "200" {
		t.Fatalf("OPTIONS from the swept source answered %.60q, want 200", got)
	}

	phone := newSIPUDP(t, "127.0.0.2", p.ports["sip"])
	ch := phone.register(t, "1001", "", 2*time.Second)
	if sipStatus(ch) != "401" {
		t.Fatalf("phone at 127.0.0.2: first REGISTER answered %q", sipStatus(ch))
	}
	if got := phone.register(t, "1001", answerAuth(t, ch, authUser, pass, 1), 2*time.Second); sipStatus(got) != "200" {
		t.Fatalf("phone at 127.0.0.2 during the sweep: %.200q", got)
	}
	t.Logf("%d guesses from one source: %v in the probing phase (first 403 at %d, silence from %d), then %d more at %.0f/s, all unanswered",
		total, counts, first403, firstSilence, total-probed, rate)
	p.stop(t)
}

// sweepUser is the (extension, auth user) of guess i: every other guess
// one of users in turn, the others a new nonexistent auth user each.
func sweepUser(users [][2]string, i int) [2]string {
	if i%2 == 1 {
		return [2]string{"9999", "ghost" + strconv.Itoa(i)}
	}
	return users[i/2%len(users)]
}

func firstSet(cur, v int) int {
	if cur == 0 {
		return v
	}
	return cur
}

// yealinkConfig fetches the demo Yealink's config as key/value pairs.
func yealinkConfig(t *testing.T, p *proc) map[string]string {
	t.Helper()
	code, body := p.phoneGet(t, "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", yealinkUA)
	if code != 200 {
		t.Fatalf("demo Yealink config: %d", code)
	}
	kv := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			kv[k] = v
		}
	}
	return kv
}
