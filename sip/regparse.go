package sip

import (
	"bytes"

	sipmsg "github.com/emiago/sipgo/sip"
)

// Header kinds parseRegister tells apart; every other header is skipped.
const (
	hdrOther = iota
	hdrVia
	hdrFrom
	hdrTo
	hdrCallID
	hdrCSeq
	hdrContact
	hdrMaxForwards
	hdrContentLength
	hdrKept // read by the registrar as a generic header: see regHeaders
)

// regHeaders are the headers parseRegister reads. The generic ones are
// kept under their lower-case name: sipgo lower-cases every header name
// it compares in GetHeader unless it already is (an allocation each), and
// the registrar asks for them in lower case.
var regHeaders = [...]struct {
	name string
	kind int
}{{"via", hdrVia}, {"from", hdrFrom}, {"to", hdrTo}, {"call-id", hdrCallID}, {"cseq", hdrCSeq},
	{"contact", hdrContact}, {"max-forwards", hdrMaxForwards}, {"content-length", hdrContentLength},
	{"authorization", hdrKept}, {"expires", hdrKept}, {"user-agent", hdrKept}, {"require", hdrKept}}

// headerKind names the header called name, in any case and in compact
// form, without allocating; lower is its lower-case full name.
func headerKind(name []byte) (kind int, lower string) {
	if len(name) == 1 {
		switch name[0] | 0x20 {
		case 'v':
			return hdrVia, "via"
		case 'f':
			return hdrFrom, "from"
		case 't':
			return hdrTo, "to"
		case 'i':
			return hdrCallID, "call-id"
		case 'm':
			return hdrContact, "contact"
		case 'l':
			return hdrContentLength, "content-length"
		}
		return hdrOther, ""
	}
	for _, h := range regHeaders {
		if len(name) == len(h.name) && asciiEqualFold(name, h.name) {
			return h.kind, h.name
		}
	}
	return hdrOther, ""
}

func asciiEqualFold(b []byte, s string) bool {
	for i := range len(b) {
		if b[i]|0x20 != s[i]|0x20 {
			return false
		}
	}
	return true
}

// isToken reports whether b is a non-empty RFC 3261 token (a header name).
func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("-.!%*_+`'~"), c) >= 0:
		default:
			return false
		}
	}
	return true
}

var (
	crlf       = []byte("\r\n")
	crlfcrlf   = []byte("\r\n\r\n")
	sipVersion = []byte(" SIP/2.0")
)

// parseRegister reads a REGISTER from a UDP datagram in place, for the
// fast path: the start line, and only the headers the registrar reads —
// Via, From, To, Call-ID, CSeq, Contact, Max-Forwards and Content-Length
// with sipgo's own header parsers (so their fields are what sipgo's
// message parser gives), Authorization, Expires, User-Agent and Require
// as generic headers named in lower case; every other header is skipped
// unread. Header names are matched in any case and in compact form
// without allocating.
//
// It returns ok false for anything it does not handle with certainty —
// a body or bytes after the header section, folded lines, a bare CR or
// LF, a header name with spaces, more than one Via value, a repeated
// From, To, Call-ID or CSeq, a missing one of those, a parse error — and
// the caller then parses the datagram with sipgo's parser, as before.
// When ok, the request equals sipgo's parse of b in every field the
// registrar reads (FuzzParseRegister checks this).
func parseRegister(b []byte) (req *sipmsg.Request, ok bool) {
	end := bytes.Index(b, crlfcrlf)
	if end < 0 || end+4 != len(b) || !rawHeadersClean(b) {
		return nil, false
	}
	head := b[:end+2]
	i := bytes.Index(head, crlf)
	line := head[:i]
	head = head[i+2:]
	if len(line) <= len(registerPrefix)+len(sipVersion) || !bytes.HasPrefix(line, registerPrefix) || !bytes.HasSuffix(line, sipVersion) {
		return nil, false
	}
	uri := line[len(registerPrefix) : len(line)-len(sipVersion)]
	if len(uri) == 0 || bytes.IndexByte(uri, ' ') >= 0 {
		return nil, false
	}
	var recipient sipmsg.Uri
	if err := sipmsg.ParseUri(string(uri), &recipient); err != nil || recipient.Wildcard {
		return nil, false
	}
	req = sipmsg.NewRequest(sipmsg.REGISTER, recipient)
	parsers := sipmsg.HeadersParser(registerHeaderParsers)
	var hdrs []sipmsg.Header
	var viaSeen, fromSeen, toSeen, callIDSeen, cseqSeen bool
	for len(head) > 0 {
		i := bytes.Index(head, crlf)
		line := head[:i]
		head = head[i+2:]
		if len(line) == 0 || line[0] == ' ' || line[0] == '\t' {
			return nil, false // folded
		}
		c := bytes.IndexByte(line, ':')
		if c <= 0 || !isToken(line[:c]) {
			return nil, false
		}
		value := bytes.TrimSpace(line[c+1:])
		kind, lower := headerKind(line[:c])
		switch kind {
		case hdrOther:
			continue
		case hdrKept:
			req.AppendHeader(sipmsg.NewHeader(lower, string(value)))
			continue
		case hdrVia:
			if viaSeen || bytes.IndexByte(value, ',') >= 0 {
				return nil, false
			}
			viaSeen = true
		case hdrFrom:
			if fromSeen {
				return nil, false
			}
			fromSeen = true
		case hdrTo:
			if toSeen {
				return nil, false
			}
			toSeen = true
		case hdrCallID:
			if callIDSeen {
				return nil, false
			}
			callIDSeen = true
		case hdrCSeq:
			if cseqSeen {
				return nil, false
			}
			cseqSeen = true
		}
		var err error
		if hdrs, err = parsers.ParseHeader(hdrs[:0], line); err != nil {
			return nil, false
		}
		for _, h := range hdrs {
			if cl, ok := h.(*sipmsg.ContentLengthHeader); ok && *cl != 0 {
				return nil, false
			}
			req.AppendHeader(h)
		}
	}
	if !viaSeen || !fromSeen || !toSeen || !callIDSeen || !cseqSeen ||
		req.Via() == nil || req.From() == nil || req.To() == nil || req.CallID() == nil || req.CSeq() == nil {
		return nil, false
	}
	return req, true
}
