package sip

import (
	"net/http"
	"strings"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	digestclient "github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/sip/digest"
)

// TestRegisterDigest registers with each algorithm: 401 with the
// configured challenges, then 200 listing the contact with its expiry and a
// Date header, and the binding recorded with its source and transport.
func TestRegisterDigest(t *testing.T) {
	checkGoroutines(t)
	for _, tc := range []struct {
		name      string
		algs      []string
		wantChals []string
	}{
		{"default offers MD5 then SHA-256", nil, []string{"algorithm=MD5", "algorithm=SHA-256"}},
		{"SHA-256 first", []string{digest.SHA256, digest.MD5}, []string{"algorithm=SHA-256", "algorithm=MD5"}},
		{"MD5", []string{digest.MD5}, []string{"algorithm=MD5"}},
		{"SHA-256", []string{digest.SHA256}, []string{"algorithm=SHA-256"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			ln := newLine(t, st, "1001", lineOpts{})
			srv := startServer(t, st, func(c *Config) { c.Auth.Algorithms = tc.algs })
			p := newPhone(t, "udp")
			first, final := p.register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}, expires: "600"})
			chals := first.GetHeaders("WWW-Authenticate")
			if first.StatusCode != 401 || len(chals) != len(tc.wantChals) {
				t.Fatalf("first answer %d with %d challenges, want 401 with %d", first.StatusCode, len(chals), len(tc.wantChals))
			}
			for i, want := range tc.wantChals {
				if v := chals[i].Value(); !strings.Contains(v, want) || !strings.Contains(v, `qop="auth"`) || !strings.Contains(v, `realm="phoneprov.test"`) {
					t.Errorf("challenge %d = %s, want %s with qop auth", i, v, want)
				}
			}
			if final.StatusCode != 200 {
				t.Fatalf("digest REGISTER answered %d %s", final.StatusCode, final.Reason)
			}
			if got := contactsOf(final); len(got) != 1 || got[0] != "<sip:1001@192.0.2.1:5060>;expires=600" {
				t.Errorf("200 contacts = %q", got)
			}
			if d, err := http.ParseTime(header(final, "Date")); err != nil || time.Since(d) > time.Minute {
				t.Errorf("Date header %q: %v", header(final, "Date"), err)
			}
			if header(final, "Server") != "phoneprov" {
				t.Errorf("Server header %q", header(final, "Server"))
			}
			bs := srv.Bindings(ln.mac, 0)
			if len(bs) != 1 {
				t.Fatalf("Bindings = %+v", bs)
			}
			b := bs[0]
			if b.AOR != "sip:1001@phoneprov.test" || b.Contact != "sip:1001@192.0.2.1:5060" || b.Source != p.addr ||
				b.Transport != "UDP" || b.AuthUser != ln.authUser || b.UserID != ln.userID || b.Line != 1 ||
				b.UserAgent != "Yealink SIP-T46S 66.86.0.15" || b.CallID == "" || b.CSeq == 0 {
				t.Errorf("binding %+v", b)
			}
			if left := time.Until(b.Expires); left < 590*time.Second || left > 601*time.Second {
				t.Errorf("binding expires in %v, want 600s", left)
			}
			if o := []string{srv.lastOutcome(t), srv.lastOutcome(t)}; o[0] != OutcomeChallenge || o[1] != OutcomeOK {
				t.Errorf("outcomes %v", o)
			}
		})
	}
}

// TestWrongPasswordThrottle: a wrong password and an unknown auth user take
// the same path: 401 until the throttle rejects (403), then silence for
// that auth user's credentials from that source over UDP. A REGISTER
// without credentials is still challenged, another line registers from the
// same address, and TCP from that address is not blocked.
func TestWrongPasswordThrottle(t *testing.T) {
	for _, unknown := range []bool{false, true} {
		name := "wrong password"
		if unknown {
			name = "unknown auth user"
		}
		t.Run(name, func(t *testing.T) {
			st := openStore(t)
			ln := newLine(t, st, "1001", lineOpts{})
			srv := startServer(t, st, func(c *Config) { c.Auth.RejectAfter, c.Auth.DropAfter = 2, 4 })
			p := newPhone(t, "udp")
			bad := ln
			bad.password = "wrong"
			if unknown {
				bad.authUser = "9999xnobody"
			}
			g := reg{line: bad, server: srv.udp, contacts: []string{contactURI("1001", 1)}}
			var got []int
			for i := 0; i < 3; i++ {
				_, final := p.register(t, g)
				got = append(got, final.StatusCode)
			}
			if got[0] != 401 || got[1] != 401 || got[2] != 403 {
				t.Fatalf("answers %v, want 401 401 403", got)
			}
			// One more 403 reaches DropAfter; then no answer at all.
			if _, final := p.register(t, g); final.StatusCode != 403 {
				t.Fatalf("fourth attempt answered %d, want 403", final.StatusCode)
			}
			ch := p.challenge(t, g)
			authz := authorization(t, ch, bad.authUser, bad.password, "REGISTER", "sip:"+testDomain, 1)
			if res := rawExchange(t, "udp", srv.udp, rawRegister("1001", "Authorization: "+authz+"\r\n")); res != "" {
				t.Fatalf("dropped auth user got %q", firstLine(res))
			}
			if len(srv.Bindings("", 0)) != 0 {
				t.Error("a binding was made")
			}
			other := newLine(t, st, "1002", lineOpts{})
			og := reg{line: other, server: srv.udp, contacts: []string{contactURI("1002", 1)}}
			if _, final := p.register(t, og); final.StatusCode != 200 {
				t.Errorf("another line from the same address over UDP: %d, want 200", final.StatusCode)
			}
			tp := newPhone(t, "tcp")
			g.server, g.transport = srv.tcp, "tcp"
			if first, final := tp.register(t, g); first.StatusCode != 401 || final.StatusCode != 401 {
				t.Errorf("the same auth user over TCP: %d then %d, want 401 401 (UDP failures do not count)",
					first.StatusCode, final.StatusCode)
			}
		})
	}
}

// TestStaleNonce: a response to a nonce past its TTL gets 401 stale=true,
// and the phone succeeds with the new nonce.
func TestStaleNonce(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	clk := newClock()
	srv := startServer(t, st, func(c *Config) { c.Now = clk.Now })
	p := newPhone(t, "udp")
	g := reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}}
	first := p.challenge(t, reg{line: ln, server: srv.udp})
	clk.Add(6 * time.Minute)
	req := g.request()
	res := doWithAuth(t, p, req, authorization(t, first, ln.authUser, ln.password, "REGISTER", req.Recipient.Addr(), 1))
	if res.StatusCode != 401 || !strings.Contains(header(res, "WWW-Authenticate"), "stale=true") {
		t.Fatalf("old nonce answered %d %q, want 401 stale=true", res.StatusCode, header(res, "WWW-Authenticate"))
	}
	if _, final := p.register(t, g); final.StatusCode != 200 {
		t.Fatalf("retry answered %d", final.StatusCode)
	}
}

// TestNonceReplay: the same nonce and nonce count sent again are refused
// with 401 stale=true, so a captured REGISTER cannot be replayed.
func TestNonceReplay(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	p := newPhone(t, "udp")
	first := p.challenge(t, reg{line: ln, server: srv.udp})
	g := reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}, callID: "replay-1", cseq: 10}
	req := g.request()
	authz := authorization(t, first, ln.authUser, ln.password, "REGISTER", req.Recipient.Addr(), 1)
	if res := doWithAuth(t, p, req, authz); res.StatusCode != 200 {
		t.Fatalf("first use answered %d", res.StatusCode)
	}
	g.cseq = 11
	replay := g.request()
	if res := doWithAuth(t, p, replay, authz); res.StatusCode != 401 || !strings.Contains(header(res, "WWW-Authenticate"), "stale=true") {
		t.Fatalf("replay answered %d %q, want 401 stale=true", res.StatusCode, header(res, "WWW-Authenticate"))
	}
	g.cseq = 12
	next := g.request()
	if res := doWithAuth(t, p, next, authorization(t, first, ln.authUser, ln.password, "REGISTER", req.Recipient.Addr(), 2)); res.StatusCode != 200 {
		t.Fatalf("next nonce count answered %d", res.StatusCode)
	}
}

// TestCredentialCache: a warm REGISTER reads no credentials from the
// database; an admin change drops the cache.
func TestCredentialCache(t *testing.T) {
	st := openStore(t)
	dir := &countingDir{Store: st}
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, dir, nil)
	p := newPhone(t, "udp")
	g := reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}}
	for i := 0; i < 3; i++ {
		if _, final := p.register(t, g); final.StatusCode != 200 {
			t.Fatalf("register %d: %d", i, final.StatusCode)
		}
	}
	if n := dir.reads.Load(); n != 1 {
		t.Fatalf("%d credential reads for 3 registrations, want 1", n)
	}
	newLine(t, st, "1002", lineOpts{}) // an admin change
	p.register(t, g)
	if n := dir.reads.Load(); n != 2 {
		t.Fatalf("%d credential reads after an admin change, want 2", n)
	}
}

// TestRefusedLines: lines that may not register get 403 after a correct
// digest, as does a To URI that is not the line's AOR.
func TestRefusedLines(t *testing.T) {
	st := openStore(t)
	srv := startServer(t, st, nil)
	ok := newLine(t, st, "1001", lineOpts{})
	deact := newLine(t, st, "1004", lineOpts{})
	if _, err := st.DeactivateUser(bg, deact.userID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, reason string
		g            reg
	}{
		{"unlicensed user", "line disabled: user holds no license", reg{line: newLine(t, st, "1002", lineOpts{unlicensed: true})}},
		{"virtual extension", "line disabled: virtual extension", reg{line: newLine(t, st, "1003", lineOpts{virtual: true})}},
		{"deactivated user", "line disabled: user deactivated", reg{line: deact}},
		{"To user of another extension", "the AOR's user must be the line's extension 1001", reg{line: ok, toUser: "1002"}},
		{"To host of another domain", "the AOR's domain must be the SIP domain", reg{line: ok, toHost: "example.com"}},
		{"To host an IP address", "the AOR's domain must be the SIP domain", reg{line: ok, toHost: "127.0.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPhone(t, "udp")
			tc.g.server, tc.g.contacts = srv.udp, []string{contactURI(tc.g.line.ext, 1)}
			if _, final := p.register(t, tc.g); final.StatusCode != 403 || !strings.Contains(final.Reason, tc.reason) {
				t.Fatalf("answered %d %s, want 403 saying %q", final.StatusCode, final.Reason, tc.reason)
			}
			if r, ok := srv.LastRefusal(tc.g.line.mac); !ok || !strings.Contains(r.Reason, tc.reason) {
				t.Fatalf("last refusal of %s: %+v %v", tc.g.line.mac, r, ok)
			}
		})
	}
	if bs := srv.Bindings("", 0); len(bs) != 0 {
		t.Fatalf("bindings made: %+v", bs)
	}
}

// TestBadRegister: malformed REGISTERs get 400 or 420.
func TestBadRegister(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	for _, tc := range []struct {
		name string
		g    reg
		want int
	}{
		{"non-SIP contact", reg{contacts: []string{"<tel:+14155550101>"}}, 400},
		{"Require of an extension", reg{headers: []sipmsg.Header{sipmsg.NewHeader("Require", "gruu")}}, 420},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPhone(t, "udp")
			tc.g.line, tc.g.server = ln, srv.udp
			if _, final := p.register(t, tc.g); final.StatusCode != tc.want {
				t.Fatalf("answered %d %s, want %d", final.StatusCode, final.Reason, tc.want)
			}
		})
	}
}

// TestDigestURIAndQOP: a digest whose uri is not the Request-URI gets 400,
// and a response without qop (RFC 2069) is refused with a new challenge;
// both count as failures.
func TestDigestURIAndQOP(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	p := newPhone(t, "udp")
	first := p.challenge(t, reg{line: ln, server: srv.udp})
	g := reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}}

	req := g.request()
	authz := authorization(t, first, ln.authUser, ln.password, "REGISTER", "sip:other.test", 1)
	if res := doWithAuth(t, p, req, authz); res.StatusCode != 400 || !strings.Contains(res.Reason, "Request-URI") {
		t.Errorf("digest for another uri answered %d %q, want 400 naming the Request-URI", res.StatusCode, res.Reason)
	}

	chal, err := digestclient.ParseChallenge(header(first, "WWW-Authenticate"))
	if err != nil {
		t.Fatal(err)
	}
	chal.QOP = nil // the RFC 2069 form: no qop, nc or cnonce
	req = g.request()
	cred, err := digestclient.Digest(chal, digestclient.Options{Method: "REGISTER", URI: req.Recipient.Addr(),
		Username: ln.authUser, Password: ln.password})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cred.String(), "qop") {
		t.Fatalf("credentials carry qop: %s", cred)
	}
	if res := doWithAuth(t, p, req, cred.String()); res.StatusCode != 401 {
		t.Errorf("response without qop answered %d, want 401", res.StatusCode)
	}
	if _, final := p.register(t, g); final.StatusCode != 200 {
		t.Errorf("a proper digest answered %d", final.StatusCode)
	}
}

// TestChallengeLimit: past Config.ChallengeLimit 401s in one second, a UDP
// source gets no more challenges (a 401 is larger than the REGISTER asking
// for it); TCP is not limited, nor another source.
func TestChallengeLimit(t *testing.T) {
	const limit, tries = 3, 8
	st := openStore(t)
	newLine(t, st, "1001", lineOpts{})
	clk := newClock() // stands still: every try falls in one second
	srv := startServer(t, st, func(c *Config) { c.Now, c.ChallengeLimit = clk.Now, limit })
	// A new request (branch) each try: a resent one would be answered by
	// its transaction, not counted again.
	var req string
	var answered, size int
	for i := range tries {
		req = rawRegister("1001", "")
		wait := quiet // past the limit: silence
		if i < limit {
			wait = answerWait
		}
		if res := rawExchangeWithin(t, "udp", srv.udp, req, wait); res != "" {
			if firstLine(res) != "SIP/2.0 401 Unauthorized" {
				t.Fatalf("answer %q", firstLine(res))
			}
			answered, size = answered+1, len(res)
		}
	}
	if answered != limit {
		t.Errorf("%d of %d REGISTERs challenged over UDP, want %d", answered, tries, limit)
	}
	t.Logf("a REGISTER of %d bytes draws a 401 of %d bytes (%.1fx)", len(req), size, float64(size)/float64(len(req)))
	for i := range tries {
		req = rawRegister("1001", "")
		if res := rawExchangeWithin(t, "tcp", srv.tcp, req, answerWait); firstLine(res) != "SIP/2.0 401 Unauthorized" {
			t.Fatalf("TCP try %d answered %q", i, firstLine(res))
		}
	}
	clk.Add(time.Second)
	if res := rawExchangeWithin(t, "udp", srv.udp, rawRegister("1001", ""), answerWait); res == "" {
		t.Error("no challenge in the next second")
	}
}

// TestSameURI: the digest uri must name the Request-URI; parameters and
// the case of scheme and host do not matter.
func TestSameURI(t *testing.T) {
	var ruri sipmsg.Uri
	if err := sipmsg.ParseUri("sip:phoneprov.test:5060;transport=udp", &ruri); err != nil {
		t.Fatal(err)
	}
	for s, want := range map[string]bool{
		"sip:phoneprov.test:5060":               true,
		"SIP:PhoneProv.Test:5060;transport=tcp": true,
		"sip:phoneprov.test":                    false, // no port: another URI
		"sip:phoneprov.test:5061":               false,
		"sip:1001@phoneprov.test:5060":          false,
		"sip:evil.test:5060":                    false,
		"sips:phoneprov.test:5060":              false,
		"not a uri at all \x00":                 false,
	} {
		if got := sameURI(s, &ruri); got != want {
			t.Errorf("sameURI(%q) = %t, want %t", s, got, want)
		}
	}
}
