package provision

import (
	"net/netip"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/sip/srclimit"
)

// ThrottleConfig bounds what one source may ask for. The zero value of
// every field is a usable default.
type ThrottleConfig struct {
	// MaxUnknown is how many distinct unknown MACs one source may ask for
	// within Window before its refusals are answered 429. Requests that
	// are served never count and are never refused, so neither a NATed
	// office rebooting 300 phones nor a walk from its address blocks it.
	// Default 20.
	MaxUnknown int
	// Window is how long an unknown MAC counts against its source.
	// Default 10 minutes.
	Window time.Duration
	// BlockFor is how long a blocked source is answered 429. Default 15
	// minutes.
	BlockFor time.Duration
	// MaxSources bounds the sources tracked; past it the least recently
	// seen are forgotten. Default 10000.
	MaxSources int
	// OnUnknown, when set, is told of every unknown MAC a source asks this
	// server for, so that other nodes count it too (Phones.NoteUnknown),
	// before this server counts it: a walker spreading over several nodes
	// is stopped as soon as on one when OnUnknown returns only once the
	// counts of the others are in. Default nil.
	OnUnknown func(src netip.Addr, mac string)
}

func (c *ThrottleConfig) defaults() {
	if c.MaxUnknown <= 0 {
		c.MaxUnknown = 20
	}
	if c.Window <= 0 {
		c.Window = 10 * time.Minute
	}
	if c.BlockFor <= 0 {
		c.BlockFor = 15 * time.Minute
	}
	if c.MaxSources <= 0 {
		c.MaxSources = 10000
	}
}

// throttle counts distinct unknown MACs per source (srclimit.SourceKey:
// an IPv4 address or an IPv6 /64) and blocks sources that walk MACs. Memory is bounded: at most
// MaxSources sources with at most MaxUnknown MACs each.
type throttle struct {
	cfg ThrottleConfig
	mu  sync.Mutex
	src map[netip.Addr]*source
	// onBlock is told when a source gets blocked.
	onBlock func()
}

type source struct {
	macs    map[string]time.Time // unknown MAC -> first asked
	blocked time.Time            // zero, or blocked until
	seen    time.Time
}

func newThrottle(cfg ThrottleConfig, onBlock func()) *throttle {
	cfg.defaults()
	return &throttle{cfg: cfg, src: make(map[netip.Addr]*source), onBlock: onBlock}
}

// isBlocked reports whether a source is blocked at now.
func (t *throttle) isBlocked(a netip.Addr, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.src[srclimit.SourceKey(a)]
	return s != nil && now.Before(s.blocked)
}

// unknown records that a source was refused a MAC and says whether the
// source is (now) blocked. Only refusals are counted and answered 429: a
// request that would be served is never throttled.
func (t *throttle) unknown(a netip.Addr, mac string, now time.Time) bool {
	k := srclimit.SourceKey(a)
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.src[k]
	if s == nil {
		if len(t.src) >= t.cfg.MaxSources {
			t.evict(now)
		}
		s = &source{macs: make(map[string]time.Time)}
		t.src[k] = s
	}
	s.seen = now
	if now.Before(s.blocked) {
		return true
	}
	for m, at := range s.macs {
		if now.Sub(at) > t.cfg.Window {
			delete(s.macs, m)
		}
	}
	if _, ok := s.macs[mac]; !ok {
		s.macs[mac] = now
	}
	if len(s.macs) > t.cfg.MaxUnknown {
		s.blocked = now.Add(t.cfg.BlockFor)
		clear(s.macs)
		if t.onBlock != nil {
			t.onBlock()
		}
		return true
	}
	return false
}

// NoteUnknown counts an unknown MAC a source asked another node for
// (ThrottleConfig.OnUnknown there) against the source here.
func (p *Phones) NoteUnknown(src netip.Addr, mac string) {
	p.throttle.unknown(src, mac, p.now())
}

// evict drops sources that are neither blocked nor recent, and if none
// qualify, the least recently seen tenth.
func (t *throttle) evict(now time.Time) {
	for k, s := range t.src {
		if !now.Before(s.blocked) && now.Sub(s.seen) > t.cfg.Window {
			delete(t.src, k)
		}
	}
	for len(t.src) >= t.cfg.MaxSources {
		var oldK netip.Addr
		var old time.Time
		n := 0
		for k, s := range t.src {
			if n == 0 || s.seen.Before(old) {
				oldK, old = k, s.seen
			}
			if n++; n > 64 {
				break
			}
		}
		delete(t.src, oldK)
	}
}
