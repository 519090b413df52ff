package dns

import (
	"net/netip"
	"sync"
	"time"
)

// maxSources bounds the sources the rate limiter tracks in one second.
const maxSources = 16384

// limiter counts answers per source in fixed one-second windows. Its memory
// is bounded by maxSources entries; once the table is full, sources not yet
// in it are refused until the next window (fail closed: they get TC
// answers and can retry over TCP).
type limiter struct {
	limit int
	max   int
	now   func() time.Time

	mu     sync.Mutex
	window int64 // the second counts belong to
	counts map[netip.Addr]int
}

// newLimiter allows limit answers per second to each of at most size sources.
func newLimiter(limit, size int) *limiter {
	return &limiter{limit: limit, max: size, now: time.Now, counts: make(map[netip.Addr]int)}
}

// allow reports whether src may get one more full answer this second.
// The zero Addr (an unknown source) is always allowed.
func (l *limiter) allow(src netip.Addr) bool {
	if !src.IsValid() {
		return true
	}
	key := sourceKey(src)
	sec := l.now().Unix()
	l.mu.Lock()
	defer l.mu.Unlock()
	if sec != l.window {
		clear(l.counts)
		l.window = sec
	}
	n, ok := l.counts[key]
	if !ok && len(l.counts) >= l.max || n >= l.limit {
		return false
	}
	l.counts[key] = n + 1
	return true
}

// sourceKey groups sources: an IPv4 address alone, an IPv6 address by /64.
func sourceKey(a netip.Addr) netip.Addr {
	if a.Is4() {
		return a
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return a
	}
	return p.Addr()
}
