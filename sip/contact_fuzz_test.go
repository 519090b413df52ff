package sip

import (
	"strings"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// FuzzParseContacts puts fuzzed Contact header values (separated by NUL
// into several headers) and an Expires value into a REGISTER that sipgo
// parses, then reads its contacts. A refusal must be a contactError with a
// 4xx code; an accepted set must keep every limit: no more contacts than
// MaxContactsPerAOR, a wildcard alone, each URI and instance within
// bounds, each expiry 0 or within MinExpires..MaxExpires.
func FuzzParseContacts(f *testing.F) {
	for _, s := range [][2]string{
		{"<sip:1001@192.0.2.7:5060>", "600"},
		{"<sip:1001@192.0.2.7:5060;transport=tcp>;expires=30;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000000000001>\";reg-id=1", ""},
		{"*", "0"},
		{"*\x00<sip:a@b>", "0"},
		{"<sip:a@b>;expires=99999999999999999999999", "x"},
		{"<tel:+14155550101>", "60"},
		{"\"Alice\" <sips:alice@[2001:db8::1]:5061>;expires=0", "3600"},
		{"<sip:a@b>, <sip:c@d>;expires=120", "3600"},
		{"<sip:" + strings.Repeat("a", 600) + "@b>", ""},
	} {
		f.Add(s[0], s[1])
	}
	r := &Registrar{cfg: Config{Domain: testDomain}.withDefaults()}
	f.Fuzz(func(t *testing.T, contacts, expires string) {
		msg := "REGISTER sip:" + testDomain + " SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bK-f\r\n" +
			"From: <sip:1001@" + testDomain + ">;tag=f\r\nTo: <sip:1001@" + testDomain + ">\r\nCall-ID: f\r\nCSeq: 1 REGISTER\r\n"
		for _, c := range strings.Split(contacts, "\x00") {
			msg += "Contact: " + c + "\r\n"
		}
		if expires != "" {
			msg += "Expires: " + expires + "\r\n"
		}
		m, err := sipmsg.ParseMessage([]byte(msg + "Content-Length: 0\r\n\r\n"))
		if err != nil {
			return
		}
		req, ok := m.(*sipmsg.Request)
		if !ok {
			return
		}
		cs, wildcard, err := r.parseContacts(req)
		if err != nil {
			if ce, ok := asContactError(err); !ok || ce.code < 400 || ce.code > 499 {
				t.Fatalf("refusal %v is not a 4xx contact error", err)
			}
			return
		}
		if wildcard && cs != nil {
			t.Fatalf("wildcard with contacts %v", cs)
		}
		if len(cs) > r.cfg.MaxContactsPerAOR {
			t.Fatalf("%d contacts accepted, cap %d", len(cs), r.cfg.MaxContactsPerAOR)
		}
		for _, c := range cs {
			if len(c.uri) > maxContactLen || len(c.instance) > maxInstanceLen || c.uri == "" {
				t.Fatalf("contact out of bounds: %d-byte URI, %d-byte instance", len(c.uri), len(c.instance))
			}
			if c.expires != 0 && (c.expires < r.cfg.MinExpires || c.expires > r.cfg.MaxExpires) {
				t.Fatalf("expiry %d outside 0 or %d..%d", c.expires, r.cfg.MinExpires, r.cfg.MaxExpires)
			}
		}
	})
}
