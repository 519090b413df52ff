package sip

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// udpRegister is an authenticated REGISTER flow over raw UDP from c: the
// first REGISTER, its 401, and the answered one, whose text is returned
// (so a test can send it again).
func udpRegister(t *testing.T, c net.Conn, ln line, via string) (signed, answer string) {
	t.Helper()
	first := rawRegister(ln.ext, "")
	if via != "" {
		first = strings.Replace(first, "127.0.0.1:5099;branch", via+";branch", 1)
	}
	res := rawSend(t, c, first)
	if firstLine(res) != "SIP/2.0 401 Unauthorized" {
		t.Fatalf("first REGISTER: %q", res)
	}
	var chal string
	for _, l := range strings.Split(res, "\r\n") {
		if v, ok := strings.CutPrefix(l, "WWW-Authenticate: "); ok {
			chal = v
			break
		}
	}
	ch, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatalf("challenge %q: %v", chal, err)
	}
	cred, err := digest.Digest(ch, digest.Options{Method: "REGISTER", URI: "sip:" + testDomain, Username: ln.authUser,
		Password: ln.password, Count: 1, Cnonce: "c0ffee"})
	if err != nil {
		t.Fatal(err)
	}
	signed = strings.Replace(first, "CSeq: 1 REGISTER", "CSeq: 2 REGISTER", 1)
	signed = strings.Replace(signed, "Content-Length: 0", "Authorization: "+cred.String()+"\r\nContent-Length: 0", 1)
	return signed, rawSend(t, c, signed)
}

// TestUDPStateless: REGISTERs over UDP are answered by the registrar's
// workers without a sipgo transaction. An exact retransmission gets the
// same 200 while remembered; once forgotten it is a new request: its nonce
// count is spent, it gets 401 stale=true and changes nothing; the phone's
// next REGISTER with a fresh nonce succeeds.
func TestUDPStateless(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	clk := newClock()
	srv := startServer(t, st, func(c *Config) { c.Now = clk.Now })
	c, err := net.Dial("udp", srv.udp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	signed, ok := udpRegister(t, c, ln, "")
	if firstLine(ok) != "SIP/2.0 200 OK" || !strings.Contains(ok, "Date: ") {
		t.Fatalf("signed REGISTER: %q", ok)
	}
	before := srv.Bindings(ln.mac, 0)
	if len(before) != 1 {
		t.Fatalf("bindings after register: %v", before)
	}
	if again := rawSend(t, c, signed); again != ok {
		t.Fatalf("retransmission within 4 s got\n%s\nwant the first answer\n%s", again, ok)
	}
	clk.Add(9 * time.Second)
	again := rawSend(t, c, signed)
	if firstLine(again) != "SIP/2.0 401 Unauthorized" || !strings.Contains(again, "stale=true") {
		t.Fatalf("retransmission: %q", again)
	}
	if after := srv.Bindings(ln.mac, 0); len(after) != 1 || after[0].Expires != before[0].Expires {
		t.Fatalf("retransmission changed bindings: %v -> %v", before, after)
	}
	if _, ok := udpRegister(t, c, ln, ""); firstLine(ok) != "SIP/2.0 200 OK" {
		t.Fatalf("register again: %q", ok)
	}
}

// TestUDPReplyAddress: answers go to the source port when the Via asks
// for rport (RFC 3581), else to the port in the Via (RFC 3261 18.2.2),
// from the registrar's own socket.
func TestUDPReplyAddress(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	sender, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	dst, _ := net.ResolveUDPAddr("udp", srv.udp)
	read := func(c *net.UDPConn) (string, net.Addr) {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 65536)
		n, from, err := c.ReadFrom(buf)
		if err != nil {
			return "", nil
		}
		return string(buf[:n]), from
	}
	for _, tc := range []struct {
		name  string
		via   string
		where *net.UDPConn
	}{
		{"rport: to the source", "127.0.0.1:5099;rport", sender},
		{"no rport: to the Via port", fmt.Sprintf("127.0.0.1:%d", other.LocalAddr().(*net.UDPAddr).Port), other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := rawRegister(ln.ext, "")
			msg = strings.Replace(msg, "127.0.0.1:5099;branch=", strings.TrimSuffix(tc.via, ";rport")+";branch=", 1)
			if !strings.HasSuffix(tc.via, ";rport") {
				msg = strings.Replace(msg, ";rport\r\n", "\r\n", 1)
			}
			if _, err := sender.WriteTo([]byte(msg), dst); err != nil {
				t.Fatal(err)
			}
			got, from := read(tc.where)
			if firstLine(got) != "SIP/2.0 401 Unauthorized" {
				t.Fatalf("no 401 on the expected socket: %q", got)
			}
			if from.String() != srv.udp {
				t.Fatalf("answer from %s, want the registrar's socket %s", from, srv.udp)
			}
		})
	}
}

func TestRawHeadersClean(t *testing.T) {
	for _, tc := range []struct {
		name string
		msg  string
		want bool
	}{
		{"plain", "REGISTER sip:a SIP/2.0\r\nVia: x\r\n\r\nbody\n", true},
		{"bare LF in a header", "REGISTER sip:a SIP/2.0\r\nVia: x\ny\r\n\r\n", false},
		{"bare CR in a header", "REGISTER sip:a SIP/2.0\r\nVia: x\ry\r\n\r\n", false},
		{"encoded LF", "REGISTER sip:a SIP/2.0\r\nContact: <sip:a%0Ab@h>\r\n\r\n", false},
		{"encoded CR lower case", "REGISTER sip:a SIP/2.0\r\nContact: <sip:a%0db@h>\r\n\r\n", false},
		{"other escapes", "REGISTER sip:a SIP/2.0\r\nContact: <sip:a%20b%41@h>\r\n\r\n", true},
		{"percent at the end", "REGISTER sip:a SIP/2.0\r\nX: 5%\r\n\r\n", true},
		{"LF in the body only", "REGISTER sip:a SIP/2.0\r\nX: 1\r\n\r\na\nb", true},
	} {
		if got := rawHeadersClean([]byte(tc.msg)); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestCredCacheBound: the credential cache never holds more than
// credCacheMax lines, and a line evicted is read again when it registers.
func TestCredCacheBound(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	c := newCredCache(st, testDomain)
	for i := 0; i < credCacheMax+credCacheMax/4; i++ {
		c.mu.Lock()
		c.m[fmt.Sprintf("fake%d", i)] = &credential{}
		c.mu.Unlock()
		if i%1000 == 0 || i >= credCacheMax-2 {
			if _, err := c.get(bg, ln.authUser); err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			delete(c.m, ln.authUser) // read it again next time
			n := len(c.m)
			c.mu.Unlock()
			if n > credCacheMax {
				t.Fatalf("cache holds %d credentials, bound %d", n, credCacheMax)
			}
		}
	}
	cr, err := c.get(bg, ln.authUser)
	if err != nil || cr == nil || cr.Password != ln.password {
		t.Fatalf("credential after evictions: %+v %v", cr, err)
	}
	if _, ok := c.cached(ln.authUser); !ok {
		t.Fatal("the credential just read is not cached")
	}
}

// TestCredCacheCopiesAuthUser: the cached credential does not share the
// storage of the auth user it was looked up by (a substring of a request's
// Authorization header, which it would keep alive).
func TestCredCacheCopiesAuthUser(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	hdr := `Digest username="` + ln.authUser + `", realm="` + testDomain + `"`
	name := hdr[len(`Digest username="`):][:len(ln.authUser)]
	cr, err := newCredCache(st, testDomain).get(bg, name)
	if err != nil || cr == nil || cr.AuthUser != ln.authUser {
		t.Fatalf("get(%q) = %+v, %v", name, cr, err)
	}
	if unsafe.StringData(cr.AuthUser) == unsafe.StringData(name) {
		t.Error("the cached auth user shares the header's storage")
	}
}

// TestUDPQueueFull: with no worker free and a queue of one, REGISTERs past
// it are dropped and counted, never buffered without bound.
func TestUDPQueueFull(t *testing.T) {
	st := openStore(t)
	newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.UDPWorkers, c.UDPQueue = 1, 1 })
	srv.Registrar.udp.stop() // no worker takes jobs: the queue fills at once
	c, err := net.Dial("udp", srv.udp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < 20; i++ {
		if _, err := c.Write([]byte(rawRegister("1001", ""))); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.UDPDropped() < 19 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := srv.UDPDropped(); got != 19 {
		t.Fatalf("dropped %d of 20 REGISTERs with a queue of one, want 19", got)
	}
}

// TestUDPDirectAnswers: a REGISTER parseRegister reads is answered from
// the raw request (its To tag is a hash of the request, the same for a
// repeated request), and one it leaves to sipgo (two Vias) is answered as
// before, with every Via copied; both carry what sipgo's Response would.
func TestUDPDirectAnswers(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	c, err := net.Dial("udp", srv.udp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	local := c.LocalAddr().(*net.UDPAddr)
	toTag := func(res string) string {
		for _, l := range strings.Split(res, "\r\n") {
			if v, ok := strings.CutPrefix(l, "To: "); ok {
				_, tag, _ := strings.Cut(v, ";tag=")
				return tag
			}
		}
		return ""
	}
	first := rawRegister(ln.ext, "")
	if _, ok := parseRegister([]byte(first)); !ok {
		t.Fatalf("parseRegister refused %q", first)
	}
	a, b := rawSend(t, c, first), rawSend(t, c, first)
	wantVia := fmt.Sprintf(";rport=%d;received=127.0.0.1\r\n", local.Port)
	if firstLine(a) != "SIP/2.0 401 Unauthorized" || !strings.Contains(a, wantVia) || !strings.Contains(a, "WWW-Authenticate: ") ||
		!strings.Contains(a, "\r\nServer: ") || !strings.HasSuffix(a, "\r\n\r\n") {
		t.Fatalf("first REGISTER: %q", a)
	}
	if tag := toTag(a); tag == "" || tag != toTag(b) || strings.Contains(tag, "-") {
		t.Fatalf("To tags %q and %q: want one hash for one request", toTag(a), toTag(b))
	}
	twoVias := strings.Replace(first, "Max-Forwards:", "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-second\r\nMax-Forwards:", 1)
	if _, ok := parseRegister([]byte(twoVias)); ok {
		t.Fatalf("parseRegister read a REGISTER with two Vias")
	}
	res := rawSend(t, c, twoVias)
	if firstLine(res) != "SIP/2.0 401 Unauthorized" || !strings.Contains(res, wantVia) ||
		!strings.Contains(res, "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-second\r\n") || !strings.Contains(toTag(res), "-") {
		t.Fatalf("REGISTER with two Vias (sipgo's answer, uuid To tag): %q", res)
	}
}

// TestUDPReceiveStamp: the registrar's UDP socket records the kernel's
// receive time of each datagram — before the read, not when it is read —
// and the read filter drops, without answering, a REGISTER that waited in
// the receive buffer past T1 (its sender has retransmitted it).
func TestUDPReceiveStamp(t *testing.T) {
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer uc.Close()
	sc, ok := stampConn(uc).(*stampedConn)
	if !ok {
		if runtime.GOOS == "linux" || os.Getenv("CI") == "true" {
			t.Fatal("no kernel receive timestamps on the UDP socket: Linux (and CI) must have them")
		}
		t.Skip("no kernel receive timestamps on this platform")
	}
	c, err := net.Dial("udp", uc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Linux turns receive stamping on a moment after the first socket asks
	// (a deferred static key); until then it stamps at read time. So try
	// a few datagrams: one must carry its receive time.
	var stamps []string
	for range 20 {
		before := time.Now()
		if _, err := c.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // the datagram waits in the buffer
		read := time.Now()
		_ = sc.SetReadDeadline(time.Now().Add(answerWait))
		buf := make([]byte, 16)
		if n, from, err := sc.ReadFrom(buf); err != nil || n != 1 || from == nil {
			t.Fatalf("read: %d %v %v", n, from, err)
		}
		at := sc.received(time.Now())
		if !at.Before(before.Add(-time.Second)) && at.Before(read) {
			stamps = nil
			break
		}
		stamps = append(stamps, fmt.Sprintf("%s (sent %s, read %s)", at.Format(time.StampNano),
			before.Format(time.StampNano), read.Format(time.StampNano)))
	}
	if stamps != nil {
		t.Fatalf("no datagram stamped between its send and its read: %v", stamps)
	}

	st := openStore(t)
	newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	stale := &stampedConn{UDPConn: uc, at: time.Now().Add(-2 * dropAfter)}
	srv.Registrar.udp.mu.Lock()
	srv.Registrar.udp.conns[uc.LocalAddr().String()] = stale
	srv.Registrar.udp.mu.Unlock()
	props := sipmsg.TransportReadProps{Transport: "UDP", LocalAddr: uc.LocalAddr(), RemoteAddr: c.LocalAddr()}
	lateBefore := srv.Registrar.udp.shed.late.Load()
	if out, err := srv.Registrar.udp.filter(props, []byte(rawRegister("1001", ""))); out != nil || err != nil {
		t.Fatalf("filter passed a REGISTER on: %q %v", out, err)
	}
	if got := srv.Registrar.udp.shed.late.Load() - lateBefore; got != 1 || len(srv.Registrar.udp.queue) != 0 {
		t.Fatalf("stale REGISTER: %d counted late, %d queued; want 1 and 0", got, len(srv.Registrar.udp.queue))
	}
	stale.at = time.Now()
	if out, err := srv.Registrar.udp.filter(props, []byte(rawRegister("1001", ""))); out != nil || err != nil {
		t.Fatalf("filter passed a REGISTER on: %q %v", out, err)
	}
	if got := srv.Registrar.udp.shed.late.Load() - lateBefore; got != 1 {
		t.Fatalf("a fresh REGISTER was counted late")
	}
}
