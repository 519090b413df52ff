package sip

import (
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/sip/digest"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultMinExpires        = 60
	DefaultMaxExpires        = 3600
	DefaultExpires           = 3600
	DefaultMaxContactsPerAOR = 10
	DefaultFlushInterval     = time.Second
	DefaultFlushBatch        = 1000
	DefaultSweepInterval     = 30 * time.Second
	DefaultNotifyTimeout     = 8 * time.Second
	DefaultMaxMessageSize    = 16 << 10
	DefaultUserAgent         = "phoneprov"
	DefaultUDPQueue          = 8192
	DefaultUDPReadBuffer     = 4 << 20
	DefaultChallengeLimit    = 200
)

// DefaultScannerUserAgents are the User-Agent fragments of well-known SIP
// scanners; a request whose User-Agent contains one (in any case) is dropped
// without an answer.
func DefaultScannerUserAgents() []string { return slices.Clone(scannerUserAgents) }

var scannerUserAgents = []string{
	"friendly-scanner", "sipvicious", "sipcli", "vaxsipuseragent", "pplsip",
	"iwar", "sundayddr", "sipscan", "sip-scan", "smap", "sipsak-scan",
	"voipbuster", "cpxcap", "gulp",
}

// Config configures a Registrar. The zero value of every field but Domain
// selects the default named in its comment.
type Config struct {
	// Domain is the SIP domain (--domain): the host of every AOR, the
	// host a REGISTER's To URI must carry and the default digest realm.
	// Required.
	Domain string

	// Auth configures digest authentication. Auth.Realm defaults to Domain,
	// Auth.Now to Now, and Auth.Algorithms to MD5 then SHA-256: many SIP
	// stacks answer the first challenge only and know no SHA-256 (SIPp 3.6.1
	// and sipsak 0.9.8 fail on a SHA-256 first challenge), and offering MD5
	// at all already allows a downgrade. See digest.Config for the other
	// defaults (5-minute nonces, qop=auth required, a (source, transport,
	// auth user) rejected after 30 failures and dropped after 100, a source
	// failing for 10 distinct users rejected for all users not known there).
	Auth digest.Config

	// ChallengeLimit is the number of 401 answers per second sent over UDP
	// to one source (IPv4 address or IPv6 /64): a 401 is larger than the
	// REGISTER that asks for it, so a spoofed source could otherwise be
	// flooded with them. Past it the REGISTER gets no answer and a real
	// phone retransmits. Default 200; negative: no limit.
	ChallengeLimit int

	// MinExpires is the shortest registration granted, in seconds; a
	// REGISTER asking for less (but more than zero) gets 423 with
	// Min-Expires. Default 60.
	MinExpires int
	// MaxExpires caps the registration granted, in seconds. Default 3600.
	MaxExpires int
	// DefaultExpires is granted when a REGISTER names no expiry, or a
	// malformed one (RFC 3261 section 20.19). Default 3600.
	DefaultExpires int
	// MaxContactsPerAOR caps the bindings of one address of record. A
	// REGISTER that would exceed it evicts the bindings nearest to expiry
	// (not the ones it is writing); a REGISTER carrying more contacts than
	// the cap by itself gets 403. Default 10.
	MaxContactsPerAOR int

	// ScannerUserAgents are case-insensitive User-Agent fragments whose
	// requests are dropped without an answer. Default
	// DefaultScannerUserAgents; set an empty non-nil slice to drop none.
	ScannerUserAgents []string

	// FlushInterval is how often changed bindings are written to the
	// Directory. Default 1s.
	FlushInterval time.Duration
	// FlushBatch is the number of changed bindings that starts a write
	// before FlushInterval has passed. Default 1000.
	FlushBatch int
	// SweepInterval is how often expired bindings are removed from memory
	// and from the Directory. Default 30s.
	SweepInterval time.Duration

	// NotifyTimeout bounds one NOTIFY of Resync, its authenticated retry
	// included. Default 8s.
	NotifyTimeout time.Duration
	// MaxMessageSize caps the size in bytes of a SIP message read from any
	// transport; larger UDP datagrams are dropped and a TCP/TLS connection
	// sending one is closed. Default 16 KiB; at most 65535.
	MaxMessageSize int
	// IdleTimeout closes a TCP or TLS connection that sent nothing for
	// that long. Default MaxExpires + 60s: a phone refreshes before its
	// registration expires, so a quieter connection is dead.
	IdleTimeout time.Duration

	// UDPWorkers is the number of goroutines answering REGISTERs that
	// arrive over UDP; they are answered statelessly, without a sipgo
	// transaction (see doc.go); a worker waits on the database when a
	// credential is not cached yet. Default 4 × GOMAXPROCS, at least 8.
	UDPWorkers int
	// UDPQueue is how many UDP REGISTERs may wait for a worker; past it
	// they are dropped (the phone retransmits), so a flood costs bounded
	// memory. Default 8192.
	UDPQueue int
	// UDPReadBuffer is the receive buffer asked for each UDP socket
	// (SO_RCVBUF), so a burst of REGISTERs waits in the kernel instead of
	// being dropped there; Linux caps it at net.core.rmem_max. Default
	// 4 MiB; negative leaves the system default.
	UDPReadBuffer int

	// UserAgent is written as the Server header of responses and the
	// User-Agent header of NOTIFY requests. Default "phoneprov".
	UserAgent string
	// AdvertiseHost is the host written into the Via of NOTIFY requests
	// (--public-host). Default "": the address of the sending socket, which
	// is right when the listeners are bound to one address; with wildcard
	// listeners phones answer to the packet's source (RFC 3261 received).
	AdvertiseHost string

	// Logger receives warnings (failed writes to the Directory) and
	// sipgo's logs, with parse failures of junk traffic demoted to debug.
	// Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
	// OnRegister, when set, is called once per REGISTER with its outcome
	// (one of the Outcome constants), e.g. for metrics. It must be safe for
	// concurrent use and quick.
	OnRegister func(outcome string)
}

// withDefaults returns a copy of c with every zero field set.
func (c Config) withDefaults() Config {
	c.Domain = strings.ToLower(c.Domain)
	setInt := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	setInt(&c.MinExpires, DefaultMinExpires)
	setInt(&c.MaxExpires, DefaultMaxExpires)
	setInt(&c.DefaultExpires, DefaultExpires)
	setInt(&c.MaxContactsPerAOR, DefaultMaxContactsPerAOR)
	setInt(&c.FlushBatch, DefaultFlushBatch)
	setInt(&c.MaxMessageSize, DefaultMaxMessageSize)
	setInt(&c.UDPWorkers, max(8, 4*runtime.GOMAXPROCS(0)))
	setInt(&c.UDPQueue, DefaultUDPQueue)
	setInt(&c.UDPReadBuffer, DefaultUDPReadBuffer)
	setInt(&c.ChallengeLimit, DefaultChallengeLimit)
	if c.ScannerUserAgents == nil {
		c.ScannerUserAgents = DefaultScannerUserAgents()
	}
	lower := make([]string, 0, len(c.ScannerUserAgents))
	for _, s := range c.ScannerUserAgents {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" {
			lower = append(lower, s)
		}
	}
	c.ScannerUserAgents = lower
	setDur := func(p *time.Duration, v time.Duration) {
		if *p == 0 {
			*p = v
		}
	}
	setDur(&c.FlushInterval, DefaultFlushInterval)
	setDur(&c.SweepInterval, DefaultSweepInterval)
	setDur(&c.NotifyTimeout, DefaultNotifyTimeout)
	setDur(&c.IdleTimeout, time.Duration(c.MaxExpires)*time.Second+time.Minute)
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Auth.Realm == "" {
		c.Auth.Realm = c.Domain
	}
	if len(c.Auth.Algorithms) == 0 {
		c.Auth.Algorithms = []string{digest.MD5, digest.SHA256}
	}
	if c.Auth.Now == nil {
		c.Auth.Now = c.Now
	}
	return c
}

// validate checks a Config with defaults applied.
func (c Config) validate() error {
	switch {
	case c.Domain == "" || !isHostName(c.Domain):
		return fmt.Errorf("domain %q: %w", c.Domain, ErrConfigDomain)
	case c.MinExpires < 0 || c.MaxExpires < c.MinExpires:
		return fmt.Errorf("min expires %d, max expires %d: %w", c.MinExpires, c.MaxExpires, ErrConfigExpires)
	case c.DefaultExpires < c.MinExpires || c.DefaultExpires > c.MaxExpires:
		return fmt.Errorf("default expires %d outside %d-%d: %w", c.DefaultExpires, c.MinExpires, c.MaxExpires, ErrConfigExpires)
	case c.MaxContactsPerAOR < 1:
		return fmt.Errorf("max contacts per aor %d: %w", c.MaxContactsPerAOR, ErrConfigRange)
	case c.FlushInterval < 0 || c.SweepInterval < 0 || c.NotifyTimeout < 0 || c.IdleTimeout < 0:
		return fmt.Errorf("negative interval: %w", ErrConfigRange)
	case c.UDPWorkers < 1 || c.UDPWorkers > 1024 || c.UDPQueue < 1 || c.UDPQueue > 1<<20:
		return fmt.Errorf("udp workers %d (1-1024) or udp queue %d (1-1048576): %w", c.UDPWorkers, c.UDPQueue, ErrConfigRange)
	case c.FlushBatch < 1:
		return fmt.Errorf("flush batch %d: %w", c.FlushBatch, ErrConfigRange)
	case c.MaxMessageSize < 1024 || c.MaxMessageSize > 65535:
		return fmt.Errorf("max message size %d outside 1024-65535: %w", c.MaxMessageSize, ErrConfigRange)
	case hasCRLF(c.UserAgent) || (c.AdvertiseHost != "" && !isHostName(c.AdvertiseHost)):
		return fmt.Errorf("user agent %q or advertise host %q: %w", c.UserAgent, c.AdvertiseHost, ErrConfigHeader)
	}
	return nil
}

// isHostName reports whether s is a plausible host: a DNS name or an IP
// literal (IPv6 in brackets or bare), without spaces or control characters.
func isHostName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		ok := b == '.' || b == '-' || b == ':' || b == '[' || b == ']' || b == '_' ||
			('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}
