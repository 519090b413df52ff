package digest

import (
	"crypto/subtle"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Result is the outcome of [Authenticator.Verify]. The zero value is Bad.
type Result uint8

const (
	// Bad: refuse (wrong response, unknown user, forged nonce, realm or
	// algorithm mismatch, malformed credentials). Report it with Failure.
	Bad Result = iota
	// OK: the request is authenticated.
	OK
	// Stale: the response is right but the nonce is too old or already
	// used; answer 401 with Challenges(true) so the phone retries without
	// prompting. Not a failure.
	Stale
)

// String returns "bad", "ok" or "stale".
func (r Result) String() string {
	switch r {
	case Bad:
		return "bad"
	case OK:
		return "ok"
	case Stale:
		return "stale"
	}
	return "unknown"
}

// HA1Func returns the HA1 of username under alg (SHA256 or MD5), as [HA1]
// computes it for the Authenticator's realm, and false when the user is
// unknown. It is called once per Verify that gets that far, known user or not.
type HA1Func func(username, alg string) (ha1 string, ok bool)

// Authenticator issues digest challenges, verifies responses and throttles
// failing sources. It is safe for concurrent use.
type Authenticator struct {
	cfg      Config
	nonces   *nonces
	replay   *replayTracker
	throttle *throttle
	dummyHA1 [2]string // for unknown users: MD5, SHA256
}

// New checks cfg, applies its defaults and returns an Authenticator.
func New(cfg Config) (*Authenticator, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("digest: %w", err)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("digest config: %w", err)
	}
	return &Authenticator{
		cfg:      cfg,
		nonces:   newNonces(cfg.Secret),
		replay:   newReplayTracker(cfg.MaxNonces, cfg.NonceTTL, cfg.Now()),
		throttle: newThrottle(cfg),
		dummyHA1: [2]string{strings.Repeat("0", hexLen(MD5)), strings.Repeat("0", hexLen(SHA256))},
	}, nil
}

// Realm returns the realm the Authenticator challenges for.
func (a *Authenticator) Realm() string { return a.cfg.Realm }

// Challenges returns the values of the WWW-Authenticate headers for a 401,
// one per configured algorithm in order (SHA-256 first by default), sharing
// one fresh nonce. stale marks them stale=true, for a [Stale] result.
func (a *Authenticator) Challenges(stale bool) []string {
	nonce := a.nonces.mint(a.cfg.Now())
	out := make([]string, len(a.cfg.Algorithms))
	for i, alg := range a.cfg.Algorithms {
		var b strings.Builder
		b.WriteString(`Digest realm="`)
		b.WriteString(a.cfg.Realm)
		b.WriteString(`", nonce="`)
		b.WriteString(nonce)
		b.WriteString(`", algorithm=`)
		b.WriteString(alg)
		b.WriteString(`, qop="auth"`)
		if stale {
			b.WriteString(", stale=true")
		}
		out[i] = b.String()
	}
	return out
}

// Verify checks credentials c sent with a request of method (e.g.
// "REGISTER"), asking lookup for the user's HA1. The error is nil for OK
// and otherwise wraps the reason (ErrResponse, ErrStaleNonce, ...), for logs
// only. Verify does not compare c.URI with the request URI; the caller may.
func (a *Authenticator) Verify(method string, c Credentials, lookup HA1Func) (Result, error) {
	alg := canonicalAlgorithm(c.Algorithm)
	if c.Algorithm == "" {
		alg = MD5
	}
	if alg == "" || !a.offers(alg) {
		return Bad, fmt.Errorf("algorithm %q: %w", c.Algorithm, ErrAlgorithm)
	}
	if c.Username == "" || c.Nonce == "" || c.URI == "" || c.Response == "" {
		return Bad, ErrMissing
	}
	if c.Realm != a.cfg.Realm {
		return Bad, fmt.Errorf("realm %q: %w", c.Realm, ErrRealm)
	}
	key, issued, ok := a.nonces.open(c.Nonce)
	if !ok {
		return Bad, ErrNonce
	}
	var count uint32
	switch {
	case c.QOP == "" && !a.cfg.AllowNoQOP:
		return Bad, fmt.Errorf("no qop: %w", ErrQOP)
	case c.QOP == "":
	case !strings.EqualFold(c.QOP, "auth"):
		return Bad, fmt.Errorf("qop %q: %w", c.QOP, ErrQOP)
	default:
		n, ok := parseNC(c.NC)
		if !ok || n == 0 || c.CNonce == "" {
			return Bad, ErrNonceCount
		}
		count = n
	}

	n := hexLen(alg)
	ha1, known := lookup(c.Username, alg)
	badHA1 := known && !isLowerHex(ha1, n)
	if !known || badHA1 {
		ha1 = a.dummyHA1[n/64] // same work as a known user
	}
	var want [64]byte
	exp := response(alg, &want, ha1, &digestInput{
		method: method, uri: c.URI, nonce: c.Nonce,
		nc: c.NC, cnonce: c.CNonce, qop: c.QOP,
	})
	var got [64]byte
	if len(c.Response) == n {
		for i := 0; i < n; i++ {
			got[i] = lower(c.Response[i])
		}
	}
	match := subtle.ConstantTimeCompare(got[:n], exp) == 1
	switch {
	case badHA1:
		return Bad, fmt.Errorf("user %q: %w", c.Username, ErrHA1)
	case !known:
		return Bad, ErrUnknownUser
	case !match:
		return Bad, ErrResponse
	}

	now := a.cfg.Now()
	if age := now.Sub(issued); age > a.cfg.NonceTTL || age < -a.cfg.NonceTTL {
		return Stale, fmt.Errorf("nonce age %v: %w", age.Round(time.Second), ErrStaleNonce)
	}
	switch a.replay.use(key, issued, count, now) {
	case useReplay:
		return Stale, fmt.Errorf("nc %q: %w", c.NC, ErrReplay)
	case useForgotten:
		return Stale, fmt.Errorf("nonce no longer tracked: %w", ErrStaleNonce)
	}
	return OK, nil
}

// offers reports whether alg (canonical) is configured.
func (a *Authenticator) offers(alg string) bool {
	for _, x := range a.cfg.Algorithms {
		if x == alg {
			return true
		}
	}
	return false
}

// lower maps an ASCII upper-case letter to lower case.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// PeerFailure counts a failed attempt by p: a Bad result, or a request
// refused because PeerStatus said Reject. Do not count Stale results or
// requests without credentials.
func (a *Authenticator) PeerFailure(p Peer) { a.throttle.failure(p, a.cfg.Now()) }

// PeerSuccess forgets the failures of p after an OK result, unless p is
// already rejected or dropped (a penalty runs its course), and exempts p's
// user at p's source from that source's sweep verdict for Config.KnownFor.
func (a *Authenticator) PeerSuccess(p Peer) { a.throttle.success(p, a.cfg.Now()) }

// PeerStatus returns what to do with a request from p carrying
// credentials; call it before Verify.
func (a *Authenticator) PeerStatus(p Peer) Verdict { return a.throttle.status(p, a.cfg.Now()) }

// Failure is PeerFailure for a caller that knows no user or transport:
// src counts as one stream peer with the empty user.
func (a *Authenticator) Failure(src netip.Addr) { a.PeerFailure(Peer{Addr: src}) }

// Success is PeerSuccess for src as Failure names it.
func (a *Authenticator) Success(src netip.Addr) { a.PeerSuccess(Peer{Addr: src}) }

// Status is PeerStatus for src as Failure names it.
func (a *Authenticator) Status(src netip.Addr) Verdict { return a.PeerStatus(Peer{Addr: src}) }

// Failing reports whether p (or its source on its transport) has failures
// counted (the registrar then makes sure it has heard of those counted on
// other nodes before asking PeerStatus).
func (a *Authenticator) Failing(p Peer) bool { return a.throttle.failing(p) }
