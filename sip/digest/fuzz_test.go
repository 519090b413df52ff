package digest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzParseAuthorization: no input panics, and whatever parses formats to a
// header that parses back to the same credentials.
func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{rfcAuth, minimal, `Digest username="a\"b", realm=r, nonce=n, uri="x", response=y, qop="auth, x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseAuthorization(in)
		if err != nil {
			return
		}
		for _, v := range []string{c.Username, c.Realm, c.Nonce, c.URI, c.Response} {
			if v == "" {
				t.Fatalf("parsed %q with an empty required field: %+v", in, c)
			}
		}
		out := c.String()
		if strings.ContainsAny(out, "\r\n\x00") || !utf8.ValidString(out) {
			t.Fatalf("String() = %q: control characters or bad utf-8", out)
		}
		again, err := ParseAuthorization(out)
		if err != nil {
			t.Fatalf("re-parse of %q (from %q): %v", out, in, err)
		}
		if again != c {
			t.Fatalf("round trip differs:\n in    %q\n first %+v\n again %+v", in, c, again)
		}
	})
}

// FuzzVerify drives Verify two ways. raw is a whole Authorization header:
// without one of our nonces it must never pass. The other arguments build
// credentials on a real nonce with a correctly computed response: they pass
// only for a known user's password, within the nonce's life, and never twice.
func FuzzVerify(f *testing.F) {
	f.Add(rfcAuth, "REGISTER", "1001", "secret", "MD5", "auth", "00000001", "0a4f113b", "sip:phoneprov.test", uint16(0))
	f.Add(minimal, "REGISTER", "alice", "Circle Of Life", "SHA-256", "", "", "", "sip:x", uint16(299))
	f.Add("", "INVITE", "1001", "guess", "sha-256", "AUTH", "0000000A", "c", "sip:x", uint16(301))
	f.Fuzz(func(t *testing.T, raw, method, user, pass, alg, qop, nc, cnonce, uri string, adv uint16) {
		a, clk := newTestAuth(t, nil)
		if c, err := ParseAuthorization(raw); err == nil {
			if res, err := a.Verify(method, c, testLookup); res == OK {
				t.Fatalf("forged header %q passed: %v", raw, err)
			}
		}

		c := Credentials{
			Username: user, Realm: testRealm, Nonce: nonceOf(t, a.Challenges(false)[0]),
			URI: uri, Algorithm: alg, QOP: qop, NC: nc, CNonce: cnonce,
		}
		h := MD5
		if strings.EqualFold(alg, SHA256) {
			h = SHA256
		}
		ha1, ha2 := hx(h, user+":"+testRealm+":"+pass), hx(h, method+":"+uri)
		if qop == "" {
			c.Response = hx(h, ha1+":"+c.Nonce+":"+ha2)
		} else {
			c.Response = hx(h, ha1+":"+c.Nonce+":"+nc+":"+cnonce+":"+qop+":"+ha2)
		}
		if p, err := ParseAuthorization(c.String()); err == nil && p != c {
			t.Fatalf("round trip of built credentials: %+v != %+v", p, c)
		}
		clk.add(time.Duration(adv) * time.Second)
		first, err := a.Verify(method, c, testLookup)
		if first == OK {
			known, ok := testUsers[user]
			switch {
			case !ok || known != pass:
				t.Fatalf("wrong password passed for %q: %+v", user, c)
			case time.Duration(adv)*time.Second > a.cfg.NonceTTL:
				t.Fatalf("expired nonce passed after %ds", adv)
			case qop != "" && !strings.EqualFold(qop, "auth"):
				t.Fatalf("qop %q passed", qop)
			case alg != "" && canonicalAlgorithm(alg) == "":
				t.Fatalf("algorithm %q passed", alg)
			case err != nil:
				t.Fatalf("ok with error %v", err)
			}
		} else if err == nil {
			t.Fatalf("%v without a reason", first)
		}
		if again, _ := a.Verify(method, c, testLookup); again == OK {
			t.Fatalf("replay passed (first %v): %+v", first, c)
		}
	})
}
