package sip

import (
	"bytes"
	"net"
	"strconv"
	"sync/atomic"
	"time"
)

// Overload shedding on the UDP fast path. A phone retransmits a REGISTER
// after T1 (500 ms) without an answer, so an answer later than that only
// adds work: the queue in front of the workers is kept under T1 of work.
// The workers keep a moving average of the time one REGISTER takes; when
// the time a REGISTER already waited in the socket's receive buffer (the
// kernel's receive timestamp, see stampedConn) plus the work queued ahead
// of it exceeds shedNewAfter, a REGISTER without credentials (the start
// of a registration) is answered 503 with Retry-After at once by the
// reader, without parsing; REGISTERs answering a challenge (the end of
// one) are still queued. The reader drops, unread and uncopied, a
// REGISTER that waited in the receive buffer longer than dropAfter, and a
// worker one that waited that long in all: its sender has retransmitted.
const (
	shedNewAfter = 250 * time.Millisecond
	dropAfter    = 500 * time.Millisecond
	retryAfter   = 5 // seconds, in the 503
)

// shedState is the overload state of a udpFast.
type shedState struct {
	avgNS atomic.Int64 // moving average of one REGISTER's handling, ns
	shed  atomic.Uint64
	late  atomic.Uint64
}

// observe folds one handling time into the average (weight 1/64).
func (s *shedState) observe(d time.Duration) {
	old := s.avgNS.Load()
	s.avgNS.Store(old + (int64(d)-old)/64)
}

// backlog estimates how long the queue takes to drain with workers.
func (s *shedState) backlog(queued, workers int) time.Duration {
	return time.Duration(s.avgNS.Load() * int64(queued) / int64(max(workers, 1)))
}

var authorizationName = []byte("\nauthorization:")

// hasAuthorization reports whether the header section of a raw message
// carries an Authorization header (any case; no compact form exists).
func hasAuthorization(b []byte) bool {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i]
	}
	for i := bytes.IndexByte(b, '\n'); i >= 0 && i+len(authorizationName) <= len(b); {
		if len(b)-i >= len(authorizationName) && bytes.EqualFold(b[i:i+len(authorizationName)], authorizationName) {
			return true
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// serviceUnavailable writes a 503 with Retry-After for the raw request b
// into out and returns it with the address the answer goes to, or ok false
// when b lacks a Via, From, To, Call-ID or CSeq. The headers RFC 3261
// section 8.2.6.2 asks for are copied as received (folded lines are not
// expected in a REGISTER's first lines and make it fail the check).
func serviceUnavailable(out, b []byte, src *net.UDPAddr, server string) ([]byte, *net.UDPAddr, bool) {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i+2]
	} else {
		return nil, nil, false
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, nil, false
	}
	out = append(out[:0], "SIP/2.0 503 Service Unavailable\r\n"...)
	var seen [5]bool // via, from, to, call-id, cseq
	var dst *net.UDPAddr
	for rest := b[i+2:]; len(rest) > 0; {
		j := bytes.Index(rest, []byte("\r\n"))
		if j < 0 {
			break
		}
		line := rest[:j]
		rest = rest[j+2:]
		c := bytes.IndexByte(line, ':')
		if c <= 0 {
			return nil, nil, false
		}
		k := -1
		switch name := string(bytes.ToLower(bytes.TrimSpace(line[:c]))); name {
		case "via", "v":
			k = 0
			if dst == nil {
				dst = viaDest(line[c+1:], src)
			}
		case "from", "f":
			k = 1
		case "to", "t":
			k = 2
		case "call-id", "i":
			k = 3
		case "cseq":
			k = 4
		}
		if k < 0 {
			continue
		}
		seen[k] = true
		out = append(out, line...)
		if k == 2 && !bytes.Contains(line, []byte(";tag=")) {
			out = append(out, ";tag=shed"...)
		}
		out = append(out, "\r\n"...)
	}
	for _, s := range seen {
		if !s {
			return nil, nil, false
		}
	}
	out = append(out, "Retry-After: "...)
	out = strconv.AppendInt(out, retryAfter, 10)
	out = append(out, "\r\nServer: "...)
	out = append(out, server...)
	out = append(out, "\r\nContent-Length: 0\r\n\r\n"...)
	return out, dst, true
}

// viaDest is where an answer to a request with the top Via value v goes:
// the source with rport (RFC 3581), else the source address and the Via's
// port (5060 when absent), as udpReply.dest.
func viaDest(v []byte, src *net.UDPAddr) *net.UDPAddr {
	dst := *src
	if c := bytes.IndexByte(v, ','); c >= 0 {
		v = v[:c]
	}
	params := []byte(nil)
	if s := bytes.IndexByte(v, ';'); s >= 0 {
		v, params = v[:s], v[s:]
	}
	for _, p := range bytes.Split(params, []byte(";")) {
		p = bytes.TrimSpace(p)
		if bytes.EqualFold(p, []byte("rport")) {
			return &dst // rport without a value: answer to the source port
		}
	}
	// v is "SIP/2.0/UDP host[:port]"
	v = bytes.TrimSpace(v)
	if s := bytes.LastIndexAny(v, " \t"); s >= 0 {
		v = v[s+1:]
	}
	port := 5060
	if e := bytes.LastIndexByte(v, ']'); e >= 0 || bytes.Count(v, []byte(":")) == 1 {
		if c := bytes.LastIndexByte(v, ':'); c > e {
			if n, err := strconv.Atoi(string(v[c+1:])); err == nil && n > 0 && n < 65536 {
				port = n
			}
		}
	}
	dst.Port = port
	return &dst
}
