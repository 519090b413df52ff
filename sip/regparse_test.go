package sip

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// vendorRegisters are REGISTERs in the shapes the phones of
// /work/shared/reference/vendors.md send them (header order, compact
// forms, parameters, User-Agents), and a few edge cases of the syntax.
var vendorRegisters = []string{
	// Yealink
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.21:5062;branch=z9hG4bK1234567890;rport\r\n" +
		"From: \"1001\" <sip:1001@phoneprov.test:5060>;tag=1402713622\r\n" +
		"To: \"1001\" <sip:1001@phoneprov.test:5060>\r\n" +
		"Call-ID: 1837464939@192.0.2.21\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"Contact: <sip:1001@192.0.2.21:5062>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-001565aabbcc>\"\r\n" +
		"X-Yealink-Info: 0\r\n" +
		"Max-Forwards: 70\r\n" +
		"User-Agent: Yealink SIP-T46S 66.85.0.5\r\n" +
		"Expires: 3600\r\n" +
		"Allow: INVITE, INFO, PRACK, ACK, BYE, CANCEL, OPTIONS, NOTIFY, REGISTER, SUBSCRIBE, REFER, PUBLISH, UPDATE, MESSAGE\r\n" +
		"Content-Length: 0\r\n\r\n",
	// Polycom, answering a challenge
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.22:5060;branch=z9hG4bK1f4c7a3e4ABC8D3E\r\n" +
		"From: \"Front Desk\" <sip:1002@phoneprov.test>;tag=A1B2C3D4-E5F6A7B8\r\n" +
		"To: <sip:1002@phoneprov.test>\r\n" +
		"CSeq: 2 REGISTER\r\n" +
		"Call-ID: 9a8b7c6d-e5f4a3b2-c1d0e9f8\r\n" +
		"Contact: <sip:1002@192.0.2.22;transport=udp>;methods=\"INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, MESSAGE, SUBSCRIBE, NOTIFY, PRACK, UPDATE, REFER\"\r\n" +
		"User-Agent: PolycomVVX-VVX_450-UA/6.3.1.8427\r\n" +
		"Accept-Language: en\r\n" +
		"Authorization: Digest username=\"1002\", realm=\"phoneprov.test\", nonce=\"abc\", qop=auth, cnonce=\"x\", nc=00000001, uri=\"sip:phoneprov.test\", response=\"0123456789abcdef0123456789abcdef\", algorithm=MD5\r\n" +
		"Max-Forwards: 70\r\n" +
		"Expires: 600\r\n" +
		"Content-Length: 0\r\n\r\n",
	// Grandstream
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.23:5060;branch=z9hG4bK1538291617;rport\r\n" +
		"From: <sip:1003@phoneprov.test>;tag=1935717436\r\n" +
		"To: <sip:1003@phoneprov.test>\r\n" +
		"Call-ID: 1402843829-5060-1@BA.AC.BA.BC\r\n" +
		"CSeq: 2001 REGISTER\r\n" +
		"Contact: <sip:1003@192.0.2.23:5060;transport=udp>;reg-id=1;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000b82aabbcc>\"\r\n" +
		"Max-Forwards: 70\r\n" +
		"User-Agent: Grandstream GXP2170 1.0.11.3\r\n" +
		"Supported: path\r\n" +
		"Expires: 3600\r\n" +
		"Allow: INVITE, ACK, OPTIONS, CANCEL, BYE, SUBSCRIBE, NOTIFY, INFO, REFER, UPDATE, MESSAGE\r\n" +
		"Content-Length: 0\r\n\r\n",
	// Cisco SPA, no rport
	"REGISTER sip:phoneprov.test:5060 SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.24:5060;branch=z9hG4bK-4b6e9f2a\r\n" +
		"From: Reception <sip:1004@phoneprov.test:5060>;tag=f1e2d3c4b5a69788\r\n" +
		"To: Reception <sip:1004@phoneprov.test:5060>\r\n" +
		"Call-ID: 7a1c2e3f-9d8b7a65@192.0.2.24\r\n" +
		"CSeq: 59842 REGISTER\r\n" +
		"Max-Forwards: 70\r\n" +
		"Contact: \"Reception\" <sip:1004@192.0.2.24:5060>;expires=3600\r\n" +
		"User-Agent: Cisco/SPA504G-7.6.2\r\n" +
		"Content-Length: 0\r\n" +
		"Allow: ACK, BYE, CANCEL, INFO, INVITE, NOTIFY, OPTIONS, REFER, UPDATE\r\n" +
		"Supported: replaces\r\n\r\n",
	// Snom, outbound (RFC 5626)
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 192.0.2.25:2048;branch=z9hG4bK-8t4bcfmwhaif;rport\r\n" +
		"From: <sip:1005@phoneprov.test>;tag=8u6x0e2o3g\r\n" +
		"To: <sip:1005@phoneprov.test>\r\n" +
		"Call-ID: 3c26700b3ab6-lgsy6fgbeqhn\r\n" +
		"CSeq: 1 REGISTER\r\n" +
		"Max-Forwards: 70\r\n" +
		"Contact: <sip:1005@192.0.2.25:2048;line=zq6v2kxm>;reg-id=1;q=1.0;+sip.instance=\"<urn:uuid:f3cf4a4d-4f0a-4b87-a3a2-000413aabbcc>\";audio;mobility=\"fixed\";duplex=\"full\";description=\"snom D785\";actor=\"principal\";events=\"dialog\";methods=\"INVITE,ACK,CANCEL,BYE,REFER,OPTIONS,NOTIFY,SUBSCRIBE,PRACK,MESSAGE,INFO,UPDATE\"\r\n" +
		"User-Agent: snomD785/10.1.73.16\r\n" +
		"Supported: gruu\r\n" +
		"Allow-Events: dialog\r\n" +
		"X-Real-IP: 192.0.2.25\r\n" +
		"Expires: 3600\r\n" +
		"Content-Length: 0\r\n\r\n",
	// compact forms, lower case, unusual spacing
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"v: SIP/2.0/UDP 192.0.2.26;branch=z9hG4bK.abc;rport=\r\n" +
		"f: sip:1006@phoneprov.test;tag=x1\r\n" +
		"t: sip:1006@phoneprov.test\r\n" +
		"i: compact@192.0.2.26\r\n" +
		"cseq:   3 REGISTER\r\n" +
		"m: <sip:1006@192.0.2.26>;expires=120, <sip:1006@192.0.2.27>;expires=0\r\n" +
		"l: 0\r\n\r\n",
	// unregister all, with received already set and a To tag
	"REGISTER sip:phoneprov.test SIP/2.0\r\n" +
		"VIA: SIP/2.0/UDP 192.0.2.28:5070;received=198.51.100.1;rport;branch=z9hG4bK-w\r\n" +
		"FROM: <sip:1007@phoneprov.test>;tag=w\r\n" +
		"TO: <sip:1007@phoneprov.test>;tag=already\r\n" +
		"CALL-ID: wild@192.0.2.28\r\n" +
		"CSEQ: 9 REGISTER\r\n" +
		"CONTACT: *\r\n" +
		"EXPIRES: 0\r\n" +
		"REQUIRE: gruu\r\n" +
		"CONTENT-LENGTH: 0\r\n\r\n",
	// refused by parseRegister (the fast path falls back to sipgo), then
	// one it reads but whose answer sipgo builds
	"REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-a\r\nVia: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bK-b\r\nFrom: <sip:1@phoneprov.test>;tag=a\r\nTo: <sip:1@phoneprov.test>\r\nCall-ID: two-vias\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
	"REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-a\r\nFrom: <sip:1@phoneprov.test>\r\n ;tag=folded\r\nTo: <sip:1@phoneprov.test>\r\nCall-ID: folded\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
	"REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-a\r\nFrom: <sip:1@phoneprov.test>;tag=a\r\nTo: <sip:1@phoneprov.test>\r\nCall-ID: body\r\nCSeq: 1 REGISTER\r\nContent-Length: 4\r\n\r\nbody",
	"REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK-a;rport\r\nFrom: <sip:1@phoneprov.test>;tag=a\r\nTo: <sip:1@phoneprov.test>\r\nCall-ID: v6\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n",
}

// fallbackParser parses as the UDP fast path does when parseRegister
// refuses a datagram (and as it did before parseRegister).
func fallbackParser() *sipmsg.Parser {
	return sipmsg.NewParser(sipmsg.WithHeadersParsers(registerHeaderParsers))
}

// FuzzParseRegister checks parseRegister against sipgo's parser on the
// same bytes: whenever parseRegister accepts, sipgo must accept too, and
// every field the registrar reads must be equal; the answer written from
// the raw request must carry the same headers as sipgo's Response for it.
func FuzzParseRegister(f *testing.F) {
	for _, s := range vendorRegisters {
		f.Add([]byte(s))
	}
	f.Add([]byte(rawRegister("1001", "Expires: 600\r\n")))
	for _, seed := range registerSeeds(f) {
		f.Add(seed)
	}
	parser := fallbackParser()
	r := &Registrar{cfg: Config{UserAgent: "phoneprov"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := parseRegister(data)
		if !ok {
			return
		}
		msg, err := parser.ParseSIP(data)
		if err != nil {
			t.Fatalf("parseRegister accepted what sipgo refuses (%v):\n%q", err, data)
		}
		want, ok := msg.(*sipmsg.Request)
		if !ok || want.Method != sipmsg.REGISTER {
			t.Fatalf("parseRegister accepted what sipgo reads as %T:\n%q", msg, data)
		}
		if got, want := requestFields(got), requestFields(want); !slices.Equal(got, want) {
			t.Fatalf("fields differ for\n%q\nparseRegister: %q\nsipgo:         %q", data, got, want)
		}
		src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5099}
		want.SetSource(src.String())
		got.SetSource(src.String())
		extra := []hdr{{"Date", "Thu, 03 Dec 2026 10:00:00 GMT"}}
		var raw bytes.Buffer
		if !writeAnswer(&raw, got, 200, "OK", "phoneprov", extra) {
			return // IPv6: built with sipgo
		}
		var b bytes.Buffer
		r.toResponse(want, 200, "OK", extra).StringWrite(&b)
		if !sameAnswer(got, raw.Bytes(), b.Bytes()) {
			t.Fatalf("answers differ for\n%q\nwritten: %q\nsipgo:   %q", data, raw.Bytes(), b.Bytes())
		}
	})
}

// registerSeeds returns the inputs of FuzzRegister's corpus (files of
// "go test fuzz v1" with one []byte value), so the REGISTERs written for
// the registrar's own fuzz target seed this one too.
func registerSeeds(t testing.TB) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzRegister", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("FuzzRegister's corpus: %v (%d files)", err, len(files))
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		_, v, ok := strings.Cut(string(b), "\n")
		v = strings.TrimSpace(v)
		if !ok || !strings.HasPrefix(v, "[]byte(") || !strings.HasSuffix(v, ")") {
			t.Fatalf("%s: not one []byte value", name)
		}
		q, err := strconv.Unquote(v[len("[]byte(") : len(v)-1])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, []byte(q))
	}
	return out
}

// requestFields lists what the registrar reads of a REGISTER, as text.
func requestFields(req *sipmsg.Request) []string {
	out := []string{req.Method.String(), req.Recipient.String(), req.SipVersion, string(req.Body())}
	for _, name := range []string{"Via", "From", "To", "Call-ID", "CSeq", "Contact", "Max-Forwards", "Content-Length",
		"Authorization", "Expires", "User-Agent", "Require"} {
		for _, h := range req.GetHeaders(name) {
			out = append(out, name+": "+h.Value())
		}
	}
	v, cs := req.Via(), req.CSeq()
	branch, _ := v.Params.Get("branch")
	rport, hasRport := v.Params.Get("rport")
	out = append(out, v.Host, strconv.Itoa(v.Port), branch, rport, strconv.FormatBool(hasRport), strconv.FormatUint(uint64(cs.SeqNo), 10),
		cs.MethodName.String(), req.To().Address.User, req.To().Address.Host, req.CallID().Value())
	for _, h := range req.GetHeaders("Contact") {
		c := h.(*sipmsg.ContactHeader)
		out = append(out, c.Address.String(), c.Params.String())
	}
	return out
}

// sameAnswer reports whether the written answer equals sipgo's byte for
// byte, but for the value of the To tag added when the request had none
// (sipgo's is random).
func sameAnswer(req *sipmsg.Request, written, sipgo []byte) bool {
	if req.To().Params.Has("tag") {
		return bytes.Equal(written, sipgo)
	}
	return bytes.Equal(anyToTag(written), anyToTag(sipgo))
}

// anyToTag replaces the value of the last tag parameter of the To line.
func anyToTag(b []byte) []byte {
	i := bytes.Index(b, []byte("\r\nTo: "))
	if i < 0 {
		return b
	}
	j := bytes.Index(b[i+2:], []byte("\r\n"))
	if j < 0 {
		return b
	}
	j += i + 2
	k := bytes.LastIndex(b[i:j], []byte(";tag="))
	if k < 0 {
		return b
	}
	return slices.Concat(b[:i+k], []byte(";tag=?"), b[j:])
}

// TestAnswerWriter compares the answers written straight from the raw
// request with those sipgo's Response gives for the same request, for
// every answer the registrar sends.
func TestAnswerWriter(t *testing.T) {
	r := &Registrar{cfg: Config{UserAgent: "phoneprov/test"}}
	answers := []struct {
		code   int
		reason string
		extra  []hdr
	}{
		{401, "Unauthorized", []hdr{{"WWW-Authenticate", `Digest realm="phoneprov.test", nonce="n1", algorithm=SHA-256, qop="auth"`},
			{"WWW-Authenticate", `Digest realm="phoneprov.test", nonce="n1", algorithm=MD5, qop="auth"`}}},
		{200, "OK", []hdr{{"Contact", `<sip:1001@192.0.2.21:5062>;expires=3599;+sip.instance="<urn:uuid:x>";reg-id=1`},
			{"Contact", "<sip:1001@192.0.2.22>;expires=60"}, {"Date", "Thu, 03 Dec 2026 10:00:00 GMT"}}},
		{400, "Bad Request (Contact)", nil},
		{403, "Forbidden (line disabled)", nil},
		{420, "Bad Extension", []hdr{{"Unsupported", "gruu"}}},
		{423, "Interval Too Brief", []hdr{{"Min-Expires", "60"}}},
		{500, "Server Internal Error (out of order CSeq)", nil},
	}
	parser := fallbackParser()
	written := 0
	for i, in := range vendorRegisters {
		req, ok := parseRegister([]byte(in))
		if !ok {
			continue
		}
		const source = "198.51.100.7:40000"
		req.SetSource(source)
		if strings.IndexByte(req.Via().Host, ':') >= 0 {
			if writeAnswer(new(bytes.Buffer), req, 200, "OK", "x", nil) {
				t.Errorf("request %d: an answer to an IPv6 Via was written (sipgo's Response must build it)", i)
			}
			continue
		}
		written++
		msg, err := parser.ParseSIP([]byte(in))
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		want := msg.(*sipmsg.Request)
		want.SetSource(source)
		for _, a := range answers {
			var raw, again bytes.Buffer
			if !writeAnswer(&raw, req, a.code, a.reason, r.cfg.UserAgent, a.extra) {
				t.Fatalf("request %d: no answer written", i)
			}
			var b bytes.Buffer
			r.toResponse(want, a.code, a.reason, a.extra).StringWrite(&b)
			if !sameAnswer(req, raw.Bytes(), b.Bytes()) {
				t.Errorf("request %d, %d: answers differ\nwritten: %q\nsipgo:   %q", i, a.code, raw.Bytes(), b.Bytes())
			}
			writeAnswer(&again, req, a.code, a.reason, r.cfg.UserAgent, a.extra)
			if !bytes.Equal(raw.Bytes(), again.Bytes()) {
				t.Errorf("request %d, %d: two answers to one request differ (the To tag must not change)", i, a.code)
			}
		}
	}
	if written != 7 {
		t.Errorf("answers written for %d of the 7 vendor REGISTERs", written)
	}
}

// TestParseRegisterRefuses lists what parseRegister leaves to sipgo.
func TestParseRegisterRefuses(t *testing.T) {
	ok := rawRegister("1001", "")
	for name, in := range map[string]string{
		"two Vias":         vendorRegisters[7],
		"folded line":      vendorRegisters[8],
		"body":             vendorRegisters[9],
		"bytes after":      ok + "x",
		"no blank line":    strings.TrimSuffix(ok, "\r\n"),
		"bare LF":          strings.Replace(ok, "Max-Forwards: 70\r\n", "Max-Forwards: 70\nX: y\r\n", 1),
		"space in name":    strings.Replace(ok, "Max-Forwards:", "Max-Forwards :", 1),
		"no Call-ID":       strings.Replace(ok, "Call-ID:", "X-Call-ID:", 1),
		"two CSeqs":        strings.Replace(ok, "CSeq: 1 REGISTER\r\n", "CSeq: 1 REGISTER\r\nCSeq: 2 REGISTER\r\n", 1),
		"Via list":         strings.Replace(ok, ";rport\r\n", ";rport, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK-x\r\n", 1),
		"other version":    strings.Replace(ok, " SIP/2.0\r\n", " SIP/3.0\r\n", 1),
		"bad Max-Forwards": strings.Replace(ok, "Max-Forwards: 70", "Max-Forwards: lots", 1),
		"OPTIONS":          rawRequest("OPTIONS", "sip:"+testDomain, "1001", ""),
	} {
		if _, accepted := parseRegister([]byte(in)); accepted {
			t.Errorf("%s: parseRegister accepted\n%q", name, in)
		}
	}
	if _, accepted := parseRegister([]byte(ok)); !accepted {
		t.Errorf("parseRegister refused a plain REGISTER:\n%q", ok)
	}
}
