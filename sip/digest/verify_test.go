package digest

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// TestRFCVectors checks the digest arithmetic against the published examples.
func TestRFCVectors(t *testing.T) {
	tests := []struct {
		name, alg, ha1, want string
		in                   digestInput
	}{
		{ // RFC 2617 §3.5
			name: "rfc2617", alg: MD5,
			ha1: HA1(MD5, "Mufasa", "testrealm@host.com", "Circle Of Life"),
			in: digestInput{method: "GET", uri: "/dir/index.html",
				nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", nc: "00000001", cnonce: "0a4f113b", qop: "auth"},
			want: "6629fae49393a05397450978507c4ef1",
		},
		{ // RFC 7616 §3.9.1, MD5
			name: "rfc7616-md5", alg: MD5,
			ha1: HA1(MD5, "Mufasa", "http-auth@example.org", "Circle of Life"),
			in: digestInput{method: "GET", uri: "/dir/index.html",
				nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc: "00000001",
				cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop: "auth"},
			want: "8ca523f5e9506fed4657c9700eebdbec",
		},
		{ // RFC 7616 §3.9.1, SHA-256 (the algorithm RFC 8760 brings to SIP)
			name: "rfc7616-sha256", alg: SHA256,
			ha1: HA1("sha-256", "Mufasa", "http-auth@example.org", "Circle of Life"),
			in: digestInput{method: "GET", uri: "/dir/index.html",
				nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc: "00000001",
				cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop: "auth"},
			want: "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
		},
		{ // RFC 2069 §2.4 (value as corrected by its erratum), no qop
			name: "rfc2069", alg: MD5,
			ha1: HA1(MD5, "Mufasa", "testrealm@host.com", "CircleOfLife"),
			in: digestInput{method: "GET", uri: "/dir/index.html",
				nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093"},
			want: "1949323746fe6a43ef61f9606e7febea",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out [64]byte
			if got := string(response(tt.alg, &out, tt.ha1, &tt.in)); got != tt.want {
				t.Errorf("response = %s, want %s", got, tt.want)
			}
		})
	}
	if got, want := HA1(MD5, "Mufasa", "testrealm@host.com", "Circle Of Life"), "939e7578ed9e3c518a452acee763bce9"; got != want {
		t.Errorf("HA1 = %s, want %s (RFC 2617 §3.5)", got, want)
	}
	if got := HA1("MD5-sess", "a", "b", "c"); got != "" {
		t.Errorf("HA1(MD5-sess) = %q, want empty", got)
	}
}

// verifyCase is one Verify call on credentials built for a fresh nonce.
type verifyCase struct {
	name    string
	edit    func(*Config)                       // config change, optional
	build   func(alg, nonce string) Credentials // credentials for the nonce
	method  string                              // default REGISTER
	advance time.Duration                       // clock step before Verify
	lookup  HA1Func                             // default testLookup
	want    Result
	wantErr error
}

func good(alg, nonce string) Credentials { return sign(alg, "1001", "secret", nonce, "00000001") }

func TestVerify(t *testing.T) {
	tests := []verifyCase{
		{name: "qop auth", build: good, want: OK},
		{name: "no qop (RFC 2069) allowed", edit: func(c *Config) { c.AllowNoQOP = true }, want: OK,
			build: func(alg, n string) Credentials { return sign(alg, "1001", "secret", n, "") }},
		{name: "no qop refused by default", want: Bad, wantErr: ErrQOP,
			build: func(alg, n string) Credentials { return sign(alg, "1001", "secret", n, "") }},
		{name: "lower-case algorithm and qop, upper-case hex", want: OK, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.Algorithm, c.QOP = strings.ToLower(alg), "AUTH" // qop is hashed as sent
			ha1 := hx(alg, "1001:"+testRealm+":secret")
			c.Response = strings.ToUpper(hx(alg, ha1+":"+n+":00000001:"+c.CNonce+":AUTH:"+hx(alg, "REGISTER:"+c.URI)))
			return c
		}},
		{name: "upper-case nc hashed as sent", want: OK, build: func(alg, n string) Credentials {
			return sign(alg, "1001", "secret", n, "0000000A")
		}},
		{name: "wrong password", want: Bad, wantErr: ErrResponse, build: func(alg, n string) Credentials {
			return sign(alg, "1001", "guess", n, "00000001")
		}},
		{name: "unknown user", want: Bad, wantErr: ErrUnknownUser, build: func(alg, n string) Credentials {
			return sign(alg, "mallory", "secret", n, "00000001")
		}},
		{name: "wrong method", method: "INVITE", want: Bad, wantErr: ErrResponse, build: good},
		{name: "realm mismatch", want: Bad, wantErr: ErrRealm, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.Realm = "evil.test"
			return c
		}},
		{name: "sess algorithm", want: Bad, wantErr: ErrAlgorithm, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.Algorithm += "-sess"
			return c
		}},
		{name: "algorithm not offered", edit: func(c *Config) { c.Algorithms = []string{"sha-256"} },
			want: Bad, wantErr: ErrAlgorithm, build: func(_, n string) Credentials { return good(MD5, n) }},
		{name: "forged nonce", want: Bad, wantErr: ErrNonce, build: func(alg, n string) Credentials {
			b := []byte(n)
			b[3] ^= 1 // still base64url, bad MAC
			return good(alg, string(b))
		}},
		{name: "foreign nonce", want: Bad, wantErr: ErrNonce, build: func(alg, _ string) Credentials {
			other, _ := newTestAuth(t, nil) // another random secret
			return good(alg, nonceOf(t, other.Challenges(false)[0]))
		}},
		{name: "nonce not base64", want: Bad, wantErr: ErrNonce, build: func(alg, n string) Credentials {
			return good(alg, strings.Repeat("=", len(n)))
		}},
		{name: "qop auth-int", want: Bad, wantErr: ErrQOP, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.QOP = "auth-int"
			return c
		}},
		{name: "nc zero", want: Bad, wantErr: ErrNonceCount, build: func(alg, n string) Credentials {
			return sign(alg, "1001", "secret", n, "00000000")
		}},
		{name: "no cnonce", want: Bad, wantErr: ErrNonceCount, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.CNonce = ""
			return c
		}},
		{name: "missing username", want: Bad, wantErr: ErrMissing, build: func(alg, n string) Credentials {
			c := good(alg, n)
			c.Username = ""
			return c
		}},
		{name: "stale", advance: 5*time.Minute + time.Second, want: Stale, wantErr: ErrStaleNonce, build: good},
		{name: "within ttl", advance: 5 * time.Minute, want: OK, build: good},
		{name: "custom ttl", edit: func(c *Config) { c.NonceTTL = time.Minute }, advance: 61 * time.Second,
			want: Stale, wantErr: ErrStaleNonce, build: good},
		{name: "stale and wrong password", advance: time.Hour, want: Bad, wantErr: ErrResponse,
			build: func(alg, n string) Credentials { return sign(alg, "1001", "guess", n, "00000001") }},
		{name: "malformed ha1 from lookup", want: Bad, wantErr: ErrHA1, build: good,
			lookup: func(string, string) (string, bool) { return "XYZ", true }},
	}
	for _, alg := range []string{SHA256, MD5} {
		for _, tt := range tests {
			t.Run(alg+"/"+tt.name, func(t *testing.T) {
				a, clk := newTestAuth(t, tt.edit)
				nonce := nonceOf(t, a.Challenges(false)[0])
				c := tt.build(alg, nonce)
				clk.add(tt.advance)
				method, lookup := tt.method, tt.lookup
				if method == "" {
					method = "REGISTER"
				}
				if lookup == nil {
					lookup = testLookup
				}
				got, err := a.Verify(method, c, lookup)
				if got != tt.want {
					t.Fatalf("Verify = %v (%v), want %v", got, err, tt.want)
				}
				if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Fatalf("Verify error = %v, want %v", err, tt.wantErr)
				}
			})
		}
	}
}

func TestChallenges(t *testing.T) {
	a, _ := newTestAuth(t, nil)
	ch := a.Challenges(false)
	if len(ch) != 2 || !strings.Contains(ch[0], "algorithm=SHA-256") || !strings.Contains(ch[1], "algorithm=MD5") {
		t.Fatalf("Challenges = %q, want SHA-256 then MD5", ch)
	}
	if nonceOf(t, ch[0]) != nonceOf(t, ch[1]) {
		t.Errorf("challenges carry different nonces: %q", ch)
	}
	want := `Digest realm="phoneprov.test", nonce="` + nonceOf(t, ch[0]) + `", algorithm=SHA-256, qop="auth"`
	if ch[0] != want {
		t.Errorf("challenge = %s\nwant        %s", ch[0], want)
	}
	if strings.Contains(ch[0], "stale") {
		t.Errorf("fresh challenge marked stale: %s", ch[0])
	}
	st := a.Challenges(true)
	for _, c := range st {
		if !strings.HasSuffix(c, ", stale=true") {
			t.Errorf("stale challenge = %s", c)
		}
	}
	if nonceOf(t, st[0]) == nonceOf(t, ch[0]) {
		t.Error("two calls returned the same nonce")
	}
	md5Only, _ := newTestAuth(t, func(c *Config) { c.Algorithms = []string{"md5"} })
	if ch := md5Only.Challenges(false); len(ch) != 1 || !strings.Contains(ch[0], "algorithm=MD5") {
		t.Errorf("MD5-only challenges = %q", ch)
	}
}

// TestUnknownUserSameWork checks that the lookup runs once whether or not
// the user exists, and that a bad HA1 length costs a full digest too.
func TestUnknownUserSameWork(t *testing.T) {
	a, _ := newTestAuth(t, nil)
	for _, user := range []string{"1001", "nobody"} {
		calls := 0
		lookup := func(u, alg string) (string, bool) {
			calls++
			return testLookup(u, alg)
		}
		nonce := nonceOf(t, a.Challenges(false)[0])
		res, _ := a.Verify("REGISTER", sign(SHA256, user, "wrong", nonce, "00000001"), lookup)
		if res != Bad || calls != 1 {
			t.Errorf("user %s: result %v after %d lookups, want bad after 1", user, res, calls)
		}
	}
}

// TestRestartForgetsNonces checks that a nonce issued before an
// Authenticator started (same secret, e.g. after a restart) is stale rather
// than fresh, since its uses before the start are unknown.
func TestRestartForgetsNonces(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	clk := newClock()
	cfg := Config{Realm: testRealm, Secret: secret, Now: clk.now}
	before, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	nonce := nonceOf(t, before.Challenges(false)[0])
	c := good(MD5, nonce)
	if res, err := before.Verify("REGISTER", c, testLookup); res != OK {
		t.Fatalf("first node: %v %v", res, err)
	}
	clk.add(time.Second)
	after, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := after.Verify("REGISTER", c, testLookup); res != Stale || !errors.Is(err, ErrStaleNonce) {
		t.Fatalf("after restart: %v %v, want stale", res, err)
	}
	fresh := nonceOf(t, after.Challenges(false)[0])
	if res, err := after.Verify("REGISTER", good(MD5, fresh), testLookup); res != OK {
		t.Fatalf("fresh nonce after restart: %v %v", res, err)
	}
}
