package sip

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const framedMsg = "OPTIONS sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-1\r\n" +
	"Content-Length: 0\r\n\r\n"

// withBody is a message whose body is body, with Content-Length header h.
func withBody(h, body string) string {
	return "MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK-2\r\n" + h + "\r\n\r\n" + body
}

// TestFramer feeds chunks to a framer and checks after each whether it is
// inside a message and whether a message began in the chunk.
func TestFramer(t *testing.T) {
	type step struct {
		in        string
		inMessage bool
		began     bool
	}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"keepalives", []step{{"\r\n\r\n", false, false}, {"\r\n", false, false}, {"\n", false, false}}},
		{"whole message", []step{{framedMsg, false, false}}},
		{"keepalive then message", []step{{"\r\n\r\n" + framedMsg, false, false}}},
		{"two messages then half", []step{{framedMsg + framedMsg + framedMsg[:20], true, true}, {framedMsg[20:], false, false}}},
		{"start line alone", []step{{"OPTIONS sip:x SIP/2.0\r\n", true, true}, {"Content-Length: 0\r\n", true, false}, {"\r\n", false, false}}},
		{"CRLF split across reads", []step{{framedMsg[:len(framedMsg)-1], true, true}, {"\n", false, false}}},
		{"blank line split", []step{{framedMsg[:len(framedMsg)-3], true, true}, {"\n\r", true, false}, {"\n", false, false}}},
		{"body", []step{{withBody("Content-Length: 5", "hel"), true, true}, {"lo", false, false}}},
		{"body then next message", []step{{withBody("Content-Length: 5", "hello") + "X", true, true}}},
		{"compact form, spaces, case", []step{{withBody("l :  3 ", "ab"), true, true}, {"c", false, false}}},
		{"upper case name", []step{{withBody("CONTENT-LENGTH:2", "a"), true, true}, {"b", false, false}}},
		{"last Content-Length wins", []step{{withBody("Content-Length: 9\r\nContent-Length: 1", "z"), false, false}}},
		{"malformed length is no body", []step{{withBody("Content-Length: 5x", ""), false, false}}},
		{"no Content-Length is no body", []step{{"OPTIONS sip:x SIP/2.0\r\n\r\n", false, false}}},
		{"bare LF does not end a line", []step{{"OPTIONS sip:x SIP/2.0\n\n", true, true}, {"\r\n\r\n", false, false}}},
		{"huge length", []step{{withBody("Content-Length: 99999999999999999999999", "abc"), true, true}}},
		{"header named like it", []step{{withBody("Content-Length-X: 5", ""), false, false}}},
		{"folded length", []step{{withBody("Content-Length:\r\n 2", "a"), true, true}, {"b", false, false}}},
		{"LF in a header name is trimmed", []step{{"X sip:x SIP/2.0\r\n\nContent-Length: 1\r\n\r\n", true, true}, {"z", false, false}}},
		{"overlong length line counts as huge", []step{{withBody("Content-Length:"+strings.Repeat(" ", 300)+"0", "x"), true, true}}},
		{"slowloris bytes", []step{{"R", true, true}, {"E", true, false}, {"G", true, false}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f framer
			for i, s := range tc.steps {
				began := f.feed([]byte(s.in))
				if f.inMessage() != s.inMessage || began != s.began {
					t.Fatalf("step %d %q: inMessage %v began %v, want %v %v", i, s.in, f.inMessage(), began, s.inMessage, s.began)
				}
			}
		})
	}
}

// serveIdle accepts one connection on a loopback listener, wraps it as
// the listener does with the given timeouts (inside TLS with wrap) and
// reads it as sipgo does until Read fails. It returns the client side and
// a channel that yields the read error.
func serveIdle(t *testing.T, idle, msg time.Duration, wrap ...func(net.Conn) net.Conn) (net.Conn, <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		for _, w := range wrap {
			c = w(c)
		}
		ic := &idleConn{Conn: c, timeout: idle, msgTimeout: msg, began: time.Now()}
		defer ic.Close()
		buf := make([]byte, 4096)
		for {
			if _, err := ic.Read(buf); err != nil {
				done <- err
				return
			}
		}
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, done
}

// TestIdleConnRule drives wrapped connections over loopback: each case
// writes its chunks with pauses and says whether the server must have
// closed the connection by the end (and, if so, not before min).
func TestIdleConnRule(t *testing.T) {
	const msgT, idleT = 400 * time.Millisecond, 1500 * time.Millisecond
	type write struct {
		after time.Duration
		data  string
	}
	trickle := func(s string, gap time.Duration) []write {
		var ws []write
		for i := range s {
			ws = append(ws, write{gap, s[i : i+1]})
		}
		return ws
	}
	for _, tc := range []struct {
		name   string
		writes []write
		closed bool          // closed by the end of the writes plus one msgT
		min    time.Duration // if closed, not before this
	}{
		{"partial message stalls", []write{{0, framedMsg}, {0, framedMsg[:30]}}, true, msgT},
		{"trickled message", append([]write{{0, framedMsg}}, trickle(framedMsg, 50*time.Millisecond)...), true, msgT},
		{"body never comes", []write{{0, framedMsg}, {0, withBody("Content-Length: 10", "abc")}}, true, msgT},
		{"complete messages then quiet", []write{{0, framedMsg}, {300 * time.Millisecond, framedMsg}, {300 * time.Millisecond, framedMsg}}, false, 0},
		{"keepalives past the message timeout", []write{{0, framedMsg}, {300 * time.Millisecond, "\r\n\r\n"}, {300 * time.Millisecond, "\r\n"}}, false, 0},
		{"silent new connection", nil, true, msgT * 3 / 4},
		{"only keepalives on a new connection", []write{{0, "\r\n\r\n"}, {200 * time.Millisecond, "\r\n\r\n"}}, true, msgT * 3 / 4},
		{"first message late", []write{{300 * time.Millisecond, framedMsg[:30]}, {0, framedMsg[30:]}}, false, 0},
		{"first message trickled past the timeout", []write{{300 * time.Millisecond, framedMsg[:30]}, {200 * time.Millisecond, framedMsg[30:]}}, true, msgT * 3 / 4},
		{"message in two parts within the timeout", []write{{0, framedMsg[:40]}, {200 * time.Millisecond, framedMsg[40:]}}, false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, done := serveIdle(t, idleT, msgT)
			start := time.Now()
			var closedAt time.Duration
			for _, w := range tc.writes {
				time.Sleep(w.after)
				if _, err := c.Write([]byte(w.data)); err != nil {
					break // the server closed it
				}
			}
			select {
			case err := <-done:
				closedAt = time.Since(start)
				if !isTimeout(err) {
					t.Fatalf("server read ended with %v, want a timeout", err)
				}
			case <-time.After(msgT + 100*time.Millisecond):
			}
			switch {
			case tc.closed && closedAt == 0:
				t.Fatalf("connection still open %v after the start", time.Since(start))
			case !tc.closed && closedAt != 0:
				t.Fatalf("connection closed after %v", closedAt)
			case tc.closed && closedAt < tc.min:
				t.Fatalf("closed after %v, before %v", closedAt, tc.min)
			}
			if _ = c.SetReadDeadline(time.Now().Add(2 * time.Second)); tc.closed {
				if _, err := c.Read(make([]byte, 1)); err == nil || isTimeout(err) {
					t.Fatalf("the client does not see the close: %v", err) // EOF or reset
				}
			}
		})
	}
}

// TestIdleConnTLSHandshake: over TLS the handshake belongs to the first
// message. A client that stalls before or inside the handshake is closed
// after the message timeout; one that completes a message and goes quiet
// is not.
func TestIdleConnTLSHandshake(t *testing.T) {
	const msgT = 400 * time.Millisecond
	cert, pool := testCert(t)
	server := func(c net.Conn) net.Conn {
		return tls.Server(c, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	for _, hello := range []string{"", "\x16\x03\x01\x02\x00\x01"} {
		c, done := serveIdle(t, time.Minute, msgT, server)
		if _, err := c.Write([]byte(hello)); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			if !isTimeout(err) {
				t.Fatalf("hello %q: server read ended with %v, want a timeout", hello, err)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("hello %q: stalled handshake not closed within 3 s", hello)
		}
	}
	raw, done := serveIdle(t, time.Minute, msgT, server)
	c := tls.Client(raw, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	if _, err := c.Write([]byte(framedMsg)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("TLS connection that completed a message closed: %v", err)
	case <-time.After(3 * msgT):
	}
}

// TestIdleConnIdleTimeout: between messages the long idle timeout applies
// and still closes a quiet connection.
func TestIdleConnIdleTimeout(t *testing.T) {
	c, done := serveIdle(t, 600*time.Millisecond, time.Hour)
	start := time.Now()
	if _, err := c.Write([]byte(framedMsg)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if d := time.Since(start); !isTimeout(err) || d < 500*time.Millisecond {
			t.Fatalf("closed after %v with %v", d, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("idle connection not closed within 5 s")
	}
}

// TestIdleListenerWraps: accepted connections get the idle timeout and
// the package's message timeout.
func TestIdleListenerWraps(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		if c, err := net.Dial("tcp", l.Addr().String()); err == nil {
			defer c.Close()
			time.Sleep(time.Second)
		}
	}()
	c, err := idleListener{l, time.Minute}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ic, ok := c.(*idleConn)
	if !ok || ic.timeout != time.Minute || ic.msgTimeout != DefaultMessageTimeout {
		t.Fatalf("accepted %T %+v", c, c)
	}
}

// TestRegistrarClosesSlowAndOversized goes through the registrar's TCP
// listener: a stalled partial REGISTER is closed after the message timeout
// while a connection that completed its messages stays usable past it, and
// a message above MaxMessageSize (in its body or its headers) is refused by
// closing the connection without an answer.
func TestRegistrarClosesSlowAndOversized(t *testing.T) {
	old := messageTimeout
	messageTimeout = 500 * time.Millisecond
	t.Cleanup(func() { messageTimeout = old }) // after the server's Shutdown
	srv := startServer(t, openStore(t), nil)
	dial := func() net.Conn {
		c, err := net.Dial("tcp", srv.tcp)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedWithin writes data on c and waits for the server to close c,
	// with no SIP answer, and returns how long that took.
	closedWithin := func(name string, c net.Conn, data string, limit time.Duration) time.Duration {
		start := time.Now()
		go c.Write([]byte(data)) // may fail once the server closes
		_ = c.SetReadDeadline(start.Add(limit))
		got, err := io.ReadAll(c)
		if len(got) != 0 || isTimeout(err) {
			t.Fatalf("%s: read %q, %v; want a close with no answer within %v", name, got, err, limit)
		}
		return time.Since(start)
	}

	if d := closedWithin("partial REGISTER", dial(), rawRegister("1001", "")[:60], 3*time.Second); d < 400*time.Millisecond {
		t.Fatalf("partial REGISTER closed after %v, before the message timeout", d)
	}
	good := dial()
	for i := 0; i < 3; i++ {
		if got := rawSend(t, good, rawRequest("OPTIONS", "sip:"+testDomain, "1001", "")); firstLine(got) != "SIP/2.0 200 OK" {
			t.Fatalf("OPTIONS %d on a connection that completed its messages: %q", i, firstLine(got))
		}
		time.Sleep(600 * time.Millisecond)
	}
	body := strings.Repeat("b", 100<<10)
	big := strings.Replace(rawRequest("MESSAGE", "sip:1002@"+testDomain, "1001", ""), "Content-Length: 0", "Content-Length: 102400", 1) + body
	closedWithin("100 KiB body", dial(), big, 3*time.Second)
	closedWithin("100 KiB of headers", dial(), "REGISTER sip:"+testDomain+" SIP/2.0\r\n"+strings.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaa\r\n", 4000), 3*time.Second)
}
