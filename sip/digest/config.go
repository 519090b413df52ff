package digest

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"
)

// Algorithm names as they appear in the algorithm parameter.
const (
	SHA256 = "SHA-256"
	MD5    = "MD5"
)

// Config configures an [Authenticator]. The zero value of every field but
// Realm selects the default named in its comment.
type Config struct {
	// Realm is the digest realm: the SIP domain (e.g. "phoneprov.test").
	// Required.
	Realm string

	// Secret keys the HMAC that makes nonces unforgeable. Nodes sharing a
	// Secret accept each other's nonces. At least 16 bytes when set.
	// Default: 32 random bytes, so nonces do not outlive the process.
	Secret []byte

	// NonceTTL is how long a nonce authenticates; after it, a correct
	// response yields Stale. Default: 5 minutes.
	NonceTTL time.Duration

	// Algorithms are offered in this order, one WWW-Authenticate header
	// each, and are the only ones accepted. Values: SHA256, MD5.
	// Default: SHA256, MD5.
	Algorithms []string

	// AllowNoQOP accepts responses without qop (RFC 2069 style), once per
	// nonce (see the package doc). Default: false, they are refused: without
	// qop the client adds no nonce of its own to the response.
	AllowNoQOP bool

	// MaxNonces bounds the nonces remembered for replay detection, about
	// 100 bytes each. Default: 200,000.
	MaxNonces int

	// FailureWindow: failures from one (source, user) pair add up for FailureWindow from
	// the first of them. A Reject lasts until FailureWindow after the latest
	// failure, and the count goes on while it lasts. Default: 5 minutes.
	FailureWindow time.Duration

	// RejectAfter is the number of failures within FailureWindow after which
	// a (source, user) pair gets Reject. A source is an IPv4 address or an
	// IPv6 /64, counted apart for UDP and for TCP/TLS. Default: 30.
	RejectAfter int

	// DropAfter is the number of failures within FailureWindow after which
	// a pair, or a sweeping source (see SweepUsers), gets Drop for DropFor;
	// larger than RejectAfter. Default: 100.
	DropAfter int

	// SweepUsers is the number of distinct users failing from one source
	// within FailureWindow after which the source sweeps credentials: it
	// gets Reject (and Drop after DropAfter failures) for every user that
	// has not authenticated from it within KnownFor. Default: 10.
	SweepUsers int

	// KnownFor is how long a user that authenticated from a source stays
	// exempt from that source's sweep verdict. Default: 24 hours.
	KnownFor time.Duration

	// DropFor is the cool-off period of a Drop. Default: 15 minutes.
	DropFor time.Duration

	// MaxSources bounds each of the throttle's three tables (failing pairs,
	// failing sources, users known at a source), about 200 bytes an entry;
	// the least recently touched are forgotten first. Default: 100,000.
	MaxSources int

	// Now returns the current time; tests inject a clock. Default: time.Now.
	Now func() time.Time
}

// withDefaults returns a copy of c with every zero field set to its default.
func (c Config) withDefaults() (Config, error) {
	if len(c.Secret) == 0 {
		c.Secret = make([]byte, 32)
		if _, err := rand.Read(c.Secret); err != nil {
			return c, fmt.Errorf("generating nonce secret: %w", err)
		}
	} else {
		c.Secret = append([]byte(nil), c.Secret...)
	}
	if c.NonceTTL == 0 {
		c.NonceTTL = 5 * time.Minute
	}
	if len(c.Algorithms) == 0 {
		c.Algorithms = []string{SHA256, MD5}
	} else {
		c.Algorithms = append([]string(nil), c.Algorithms...)
		for i, a := range c.Algorithms {
			if canon := canonicalAlgorithm(a); canon != "" {
				c.Algorithms[i] = canon
			}
		}
	}
	if c.MaxNonces == 0 {
		c.MaxNonces = 200_000
	}
	if c.FailureWindow == 0 {
		c.FailureWindow = 5 * time.Minute
	}
	if c.RejectAfter == 0 {
		c.RejectAfter = 30
	}
	if c.DropAfter == 0 {
		c.DropAfter = 100
	}
	if c.SweepUsers == 0 {
		c.SweepUsers = 10
	}
	if c.KnownFor == 0 {
		c.KnownFor = 24 * time.Hour
	}
	if c.DropFor == 0 {
		c.DropFor = 15 * time.Minute
	}
	if c.MaxSources == 0 {
		c.MaxSources = 100_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// validate checks a Config with defaults applied.
func (c Config) validate() error {
	if c.Realm == "" || strings.ContainsFunc(c.Realm, badRealmRune) {
		return ErrConfigRealm
	}
	if len(c.Secret) < 16 {
		return ErrConfigSecret
	}
	seen := map[string]bool{}
	for _, a := range c.Algorithms {
		if (a != SHA256 && a != MD5) || seen[a] {
			return fmt.Errorf("algorithm %q: %w", a, ErrConfigAlgorithm)
		}
		seen[a] = true
	}
	switch {
	case c.NonceTTL < 0:
		return fmt.Errorf("nonce ttl %v: %w", c.NonceTTL, ErrConfigRange)
	case c.MaxNonces < 0:
		return fmt.Errorf("max nonces %d: %w", c.MaxNonces, ErrConfigRange)
	case c.FailureWindow < 0:
		return fmt.Errorf("failure window %v: %w", c.FailureWindow, ErrConfigRange)
	case c.RejectAfter < 0:
		return fmt.Errorf("reject after %d: %w", c.RejectAfter, ErrConfigRange)
	case c.DropAfter <= c.RejectAfter:
		return fmt.Errorf("drop after %d must exceed reject after %d: %w",
			c.DropAfter, c.RejectAfter, ErrConfigRange)
	case c.SweepUsers < 0:
		return fmt.Errorf("sweep users %d: %w", c.SweepUsers, ErrConfigRange)
	case c.KnownFor < 0:
		return fmt.Errorf("known for %v: %w", c.KnownFor, ErrConfigRange)
	case c.DropFor < 0:
		return fmt.Errorf("drop for %v: %w", c.DropFor, ErrConfigRange)
	case c.MaxSources < 0:
		return fmt.Errorf("max sources %d: %w", c.MaxSources, ErrConfigRange)
	}
	return nil
}

// badRealmRune reports whether r may not appear in a realm: anything but
// printable ASCII, and the quote and backslash that phones may not unescape.
func badRealmRune(r rune) bool { return r < 0x20 || r > 0x7e || r == '"' || r == '\\' }
