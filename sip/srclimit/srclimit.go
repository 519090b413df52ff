// Package srclimit counts answers per source address in one-second windows,
// for the UDP services (DNS, SIP challenges) whose answers could be
// reflected at a spoofed source.
package srclimit

import (
	"net/netip"
	"sync"
	"time"
)

// Limiter counts answers per source in fixed one-second windows. Its memory
// is bounded by the size given to New; once the table is full, sources not
// yet in it are refused until the next window (fail closed). It is safe for
// concurrent use.
type Limiter struct {
	limit int
	max   int
	now   func() time.Time

	mu     sync.Mutex
	window int64 // the second counts belong to
	counts map[netip.Addr]int
}

// New allows limit answers per second to each of at most size sources.
// now is the clock (nil: time.Now).
func New(limit, size int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, max: size, now: now, counts: make(map[netip.Addr]int)}
}

// Allow reports whether src may get one more answer this second and
// counts the request. The zero Addr (an unknown source) is always allowed.
func (l *Limiter) Allow(src netip.Addr) bool { return l.Over(src) == 0 }

// Over counts one request from src this second and returns by how much it
// exceeds the limit: 0 within it, 1 for the first request past it, and so
// on; -1 when the table is full and src is not in it. The zero Addr is
// never counted (0).
func (l *Limiter) Over(src netip.Addr) int {
	if !src.IsValid() {
		return 0
	}
	key := SourceKey(src)
	sec := l.now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec != l.window {
		clear(l.counts)
		l.window = sec
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
