package digest

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"sync"
	"testing"
	"time"
)

const testRealm = "phoneprov.test"

// clock is an injectable time source for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestAuth returns an Authenticator on a test clock; edit adjusts the
// config first.
func newTestAuth(t testing.TB, edit func(*Config)) (*Authenticator, *clock) {
	t.Helper()
	clk := newClock()
	cfg := Config{Realm: testRealm, Now: clk.now}
	if edit != nil {
		edit(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return a, clk
}

// testUsers are the accounts the test lookup knows.
var testUsers = map[string]string{"1001": "secret", "alice": "Circle Of Life"}

// hx hashes s under alg independently of the package code.
func hx(alg, s string) string {
	if alg == SHA256 {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// testLookup is an HA1Func over testUsers computed with hx.
func testLookup(user, alg string) (string, bool) {
	pw, ok := testUsers[user]
	if !ok {
		return "", false
	}
	return hx(alg, user+":"+testRealm+":"+pw), true
}

var nonceRe = regexp.MustCompile(`nonce="([^"]+)"`)

// nonceOf returns the nonce of a challenge value.
func nonceOf(t testing.TB, chal string) string {
	t.Helper()
	m := nonceRe.FindStringSubmatch(chal)
	if m == nil {
		t.Fatalf("no nonce in %q", chal)
	}
	return m[1]
}

// sign returns credentials of user/pass answering nonce for REGISTER with
// qop=auth (when nc is not "") or without qop, computed with hx.
func sign(alg, user, pass, nonce, nc string) Credentials {
	c := Credentials{
		Username: user, Realm: testRealm, Nonce: nonce, URI: "sip:" + testRealm,
		Algorithm: alg, NC: nc,
	}
	ha1 := hx(alg, user+":"+testRealm+":"+pass)
	ha2 := hx(alg, "REGISTER:"+c.URI)
	if nc == "" {
		c.Response = hx(alg, ha1+":"+nonce+":"+ha2)
		return c
	}
	c.QOP, c.CNonce = "auth", "0a4f113b"
	c.Response = hx(alg, ha1+":"+nonce+":"+nc+":"+c.CNonce+":auth:"+ha2)
	return c
}
