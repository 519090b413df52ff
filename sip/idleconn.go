package sip

import (
	"bytes"
	"net"
	"strconv"
	"time"
)

// DefaultMessageTimeout bounds how long a TCP or TLS peer may take to send
// one SIP message: from its first byte that is not part of a CRLF keepalive
// to the last byte of its body; for a connection's first message, from the
// accept (TLS handshake included). A phone writes a message in one go, so a
// peer that needs longer is trickling bytes to hold a socket (slowloris).
const DefaultMessageTimeout = 10 * time.Second

// messageTimeout is the message timeout given to accepted connections:
// DefaultMessageTimeout. Tests lower it before starting a server.
var messageTimeout = DefaultMessageTimeout

// idleListener wraps accepted connections in idleConn: a connection that
// stays silent for longer than timeout between messages, or takes longer
// than messageTimeout to send one message, is closed, so dead phones, idle
// scanners and slow senders do not hold sockets.
type idleListener struct {
	net.Listener
	timeout time.Duration
}

// Accept waits for the next connection and wraps it.
func (l idleListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	return &idleConn{Conn: c, timeout: l.timeout, msgTimeout: messageTimeout, began: time.Now()}, nil
}

// idleConn sets a read deadline before every Read. The rule:
//
//   - between messages (the first message complete, and since then only
//     complete messages and CRLF keepalives), the deadline is timeout from
//     now: an idle connection may stay open that long, refreshed by every
//     keepalive;
//   - inside a message (a byte other than CR or LF arrived and the message
//     it starts is not complete), the deadline is msgTimeout after that
//     first byte, or timeout from now if that is sooner: trickling bytes
//     does not extend it;
//   - a new connection counts as inside a message from its accept until
//     its first message is complete: a phone connects to send a request,
//     so the TLS handshake (hidden inside Read) and the first message must
//     both finish within msgTimeout. Silent or stalled handshakes do not
//     hold a socket for the idle timeout.
//
// Message boundaries come from a framer that follows RFC 3261 section
// 7.5 framing as sipgo does: headers end at an empty CRLF line and the
// body is Content-Length bytes long. sipgo's reader calls Read again only
// after it consumed what the previous Read returned, so the state the
// framer reports is the state of sipgo's parser (FuzzFramer checks the
// two agree). Where they could still disagree, the input is malformed and
// sipgo closes the connection itself.
//
// A zero timeout or msgTimeout turns that bound off. Read is called by one
// goroutine, sipgo's reader.
type idleConn struct {
	net.Conn
	timeout    time.Duration
	msgTimeout time.Duration
	f          framer
	began      time.Time // when the message in progress began; the accept for the first
}

// Read sets the deadline the rule above gives and reads.
func (c *idleConn) Read(b []byte) (int, error) {
	now := time.Now()
	var dl time.Time
	if c.timeout > 0 {
		dl = now.Add(c.timeout)
	}
	if c.msgTimeout > 0 && (c.f.inMessage() || c.f.done == 0) {
		if m := c.began.Add(c.msgTimeout); dl.IsZero() || m.Before(dl) {
			dl = m
		}
	}
	if err := c.Conn.SetReadDeadline(dl); err != nil {
		return 0, err
	}
	n, err := c.Conn.Read(b)
	if n > 0 && c.f.feed(b[:n]) && c.f.done > 0 {
		c.began = time.Now() // the first message keeps the accept time
	}
	return n, err
}

// Framer states.
const (
	frameBetween = iota // between messages: CRLFs are keepalives
	frameHead           // in the start line or the headers
	frameBody           // in the body
)

// maxFrameLine is how much of a header line the framer keeps. A
// Content-Length line longer than that counts as a huge length, so such a
// message must arrive within the message timeout like any other.
const maxFrameLine = 256

// framer follows SIP message boundaries in a byte stream as sipgo's
// stream parser finds them: lines end at CRLF, a line starting with SP or
// HTAB continues the header before it, the empty line ends the headers,
// and the last Content-Length header (or "l") gives the body length. Its
// zero value is between messages.
type framer struct {
	state   int
	start   bool               // in the start line
	pending bool               // line holds a header that may be continued
	fresh   bool               // at the first byte of a line after a header
	cr      bool               // the previous byte was a CR
	empty   bool               // the current line has no byte yet
	long    bool               // the header had more than maxFrameLine bytes
	n       int                // bytes kept in line
	line    [maxFrameLine]byte // the header being read, continuations joined
	length  int64              // the Content-Length seen so far
	left    int64              // body bytes still to come
	done    uint64             // messages completed
}

// inMessage reports whether a message has begun and not ended.
func (f *framer) inMessage() bool { return f.state != frameBetween }

// feed advances the framer over b. began reports that the framer ends
// inside a message that began in b.
func (f *framer) feed(b []byte) (began bool) {
	for i := 0; i < len(b); i++ {
		switch f.state {
		case frameBetween:
			if b[i] == '\r' || b[i] == '\n' {
				continue
			}
			*f = framer{state: frameHead, start: true, empty: true, done: f.done}
			began = true
			f.headByte(b[i])
		case frameHead:
			f.headByte(b[i])
		case frameBody:
			k := int64(len(b) - i)
			if k >= f.left {
				i += int(f.left) - 1
				f.left, f.state = 0, frameBetween
				f.done++
				continue
			}
			f.left -= k
			i = len(b)
		}
	}
	return began && f.inMessage()
}

// headByte takes one byte of the start line or the headers.
func (f *framer) headByte(c byte) {
	if f.cr {
		f.cr = false
		if c == '\n' {
			f.endLine()
			return
		}
		f.keep('\r') // a CR inside a line: sipgo closes the connection
	}
	if f.fresh {
		f.fresh = false
		if c == ' ' || c == '\t' {
			f.keep(' ') // a continuation: sipgo joins it with one SP
		} else {
			f.header()
		}
	}
	if c == '\r' {
		f.cr = true
		return
	}
	f.keep(c)
}

func (f *framer) keep(c byte) {
	f.empty = false
	if !f.start {
		f.pending = true
		if f.n == maxFrameLine {
			f.long = true
			return
		}
		f.line[f.n] = c
		f.n++
	}
}

// endLine handles a CRLF: the empty line ends the headers.
func (f *framer) endLine() {
	switch {
	case f.empty:
		f.header()
		f.state = frameBetween
		if f.length > 0 {
			f.state, f.left = frameBody, f.length
		} else {
			f.done++
		}
	case f.start:
		f.start = false
	default:
		f.fresh = true
	}
	f.empty = true
}

// header reads the header kept, if any, for a Content-Length.
func (f *framer) header() {
	if !f.pending {
		return
	}
	line, long := f.line[:f.n], f.long
	f.pending, f.long, f.n = false, false, 0
	colon := bytes.IndexByte(line, ':')
	if colon < 0 {
		return
	}
	name := bytes.TrimSpace(line[:colon])
	if !asciiFold(name, "content-length") && !asciiFold(name, "l") {
		return
	}
	if long {
		f.length = 1 << 31
		return
	}
	v, err := strconv.ParseUint(string(bytes.TrimSpace(line[colon+1:])), 10, 32)
	if err != nil {
		v = 0 // sipgo closes the connection over it
	}
	f.length = int64(v)
}

// asciiFold reports whether b is s (lower case) in any ASCII case.
func asciiFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
