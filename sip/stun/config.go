package stun

import (
	"fmt"
	"log/slog"
	"math"
	"unicode/utf8"
)

// Defaults applied by [New] to zero fields of [Config].
const (
	DefaultSoftware      = "phoneprov"
	DefaultRatePerSecond = 20
	DefaultBurst         = 40
	DefaultMaxSources    = 10000
	DefaultWorkers       = 1
	// MaxWorkers bounds Config.Workers.
	MaxWorkers = 64
)

// Config configures a [Server]. The zero value is usable: every field
// documents the default [New] puts in place of its zero value.
type Config struct {
	// Software is the SOFTWARE attribute of RFC 5389 answers (at most 128
	// characters of UTF-8). Default "phoneprov".
	Software string

	// RatePerSecond is the sustained number of answers per second each
	// source may get (IPv4 address, or IPv6 /64). Datagrams over the limit
	// are dropped. Default 20.
	RatePerSecond float64

	// Burst is the number of answers a source may get at once before
	// RatePerSecond applies. Default 40.
	Burst int

	// MaxSources bounds the table of per-source buckets. A bucket that has
	// refilled completely (its source idle for Burst/RatePerSecond seconds)
	// carries no state and is evicted; when the table is still full, new
	// sources share one extra bucket of the same rate and burst.
	// Default 10000.
	MaxSources int

	// Workers is the number of goroutines reading each PacketConn given to
	// Serve, 1 to MaxWorkers. Default 1.
	Workers int

	// Logger receives write errors (debug) and the first overflow of the
	// source table (warn).
	// Default: discard.
	Logger *slog.Logger

	// OnRequest, when set, is called once per datagram read with its
	// outcome, one of the OutcomeName constants; use it for metrics. It is
	// called from the reading goroutines and must be safe for concurrent
	// use and quick. Default: nil (not called).
	OnRequest func(outcome string)
}

// withDefaults returns c with defaults in place of zero fields.
func (c Config) withDefaults() Config {
	if c.Software == "" {
		c.Software = DefaultSoftware
	}
	if c.RatePerSecond == 0 {
		c.RatePerSecond = DefaultRatePerSecond
	}
	if c.Burst == 0 {
		c.Burst = DefaultBurst
	}
	if c.MaxSources == 0 {
		c.MaxSources = DefaultMaxSources
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate checks a Config after withDefaults.
func (c Config) validate() error {
	switch {
	case c.RatePerSecond < 0 || math.IsNaN(c.RatePerSecond) || math.IsInf(c.RatePerSecond, 0):
		return fmt.Errorf("%w: %v", ErrBadRate, c.RatePerSecond)
	case c.Burst < 0:
		return fmt.Errorf("%w: %d", ErrBadBurst, c.Burst)
	case c.MaxSources < 0:
		return fmt.Errorf("%w: %d", ErrBadMaxSources, c.MaxSources)
	case c.Workers < 0 || c.Workers > MaxWorkers:
		return fmt.Errorf("%w: %d", ErrBadWorkers, c.Workers)
	case !validSoftware(c.Software):
		return fmt.Errorf("%w: %d bytes", ErrBadSoftware, len(c.Software))
	}
	return nil
}

// validSoftware applies RFC 5389 section 15.10 to a SOFTWARE value.
func validSoftware(s string) bool {
	return utf8.ValidString(s) && utf8.RuneCountInString(s) <= 128 && len(s) <= 763
}
