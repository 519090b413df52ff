// Package srclimit holds what the per-source limits share: the source
// key (an IPv4 address, an IPv6 /64) and a bounded fixed-window counter,
// used for the UDP answers that could be reflected at a spoofed source
// (DNS, SIP challenges, one-second windows) and the console's sign-in
// attempts. The HTTP MAC-walk throttle, the SIP auth-failure throttle and
// the STUN token buckets keep their own policies on the same key.
package srclimit

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter counts requests per source in fixed windows (one second from
// New). Its memory is bounded by the size given to New; once the table is
// full, sources not yet in it are refused until the next window (fail
// closed). It is safe for concurrent use.
type Limiter struct {
	limit  int
	max    int
	period time.Duration
	now    func() time.Time

	mu     sync.Mutex
	window int64 // the window counts belong to, in periods since 1970
	counts map[netip.Addr]int
}

// New allows limit answers per second to each of at most size sources.
// now is the clock (nil: time.Now).
func New(limit, size int, now func() time.Time) *Limiter {
	return NewWindow(limit, size, time.Second, now)
}

// NewWindow allows limit requests per window (at least a millisecond) to
// each of at most size sources; windows start at multiples of window
// since 1970. now is the clock (nil: time.Now).
func NewWindow(limit, size int, window time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, max: size, period: max(window, time.Millisecond), now: now, counts: make(map[netip.Addr]int)}
}

// Allow reports whether src may get one more answer this window and
// counts the request. The zero Addr (an unknown source) is always allowed.
func (l *Limiter) Allow(src netip.Addr) bool { return l.Over(src) == 0 }

// Over counts one request from src this window and returns by how much it
// exceeds the limit: 0 within it, 1 for the first request past it, and so
// on; -1 when the table is full and src is not in it. The zero Addr is
// never counted (0).
func (l *Limiter) Over(src netip.Addr) int {
	if !src.IsValid() {
		return 0
	}
	key := SourceKey(src)
	win := l.now().UnixNano() / int64(l.period)
	l.mu.Lock()
	defer l.mu.Unlock()
	if win != l.window {
		clear(l.counts)
		l.window = win
	}
	n, ok := l.counts[key]
	if !ok && len(l.counts) >= l.max {
		return -1
	}
	l.counts[key] = n + 1
	return max(0, n+1-l.limit)
}

// SourceKey groups sources: an IPv4 address (IPv4-mapped IPv6 included)
// alone, an IPv6 address by its /64, without zone.
func SourceKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if !a.Is6() {
		return a
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a
	}
	return p.Addr()
}
