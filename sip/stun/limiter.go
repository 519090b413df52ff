package stun

import (
	"net/netip"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/sip/srclimit"
	"golang.org/x/time/rate"
)

// sweepEvery is how often the source table is swept for idle buckets.
const sweepEvery = 10 * time.Second

// limiter is a per-source token bucket with a bounded table. A bucket that
// has refilled to its burst is indistinguishable from a new one, so sweeps
// drop those without losing state. When the table is full even after a
// sweep, new sources share the overflow bucket.
type limiter struct {
	limit    rate.Limit
	burst    int
	max      int
	mu       sync.Mutex
	buckets  map[netip.Addr]*rate.Limiter
	overflow *rate.Limiter
	swept    time.Time // last sweep
}

func newLimiter(perSecond float64, burst, maxSources int) *limiter {
	return &limiter{
		limit:    rate.Limit(perSecond),
		burst:    burst,
		max:      maxSources,
		buckets:  make(map[netip.Addr]*rate.Limiter),
		overflow: rate.NewLimiter(rate.Limit(perSecond), burst),
	}
}

// allow takes one token for source a at time now. overflowed reports that
// the table was full and a went to the shared overflow bucket.
func (l *limiter) allow(a netip.Addr, now time.Time) (ok, overflowed bool) {
	k := srclimit.SourceKey(a) // the IPv4 address, or the IPv6 /64
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) >= sweepEvery {
		l.sweep(now)
	}
	if b, found := l.buckets[k]; found {
		return b.AllowN(now, 1), false
	}
	if len(l.buckets) >= l.max && now.Sub(l.swept) >= time.Second {
		l.sweep(now) // full: sweep early, at most once a second
	}
	if len(l.buckets) >= l.max {
		return l.overflow.AllowN(now, 1), true
	}
	b := rate.NewLimiter(l.limit, l.burst)
	l.buckets[k] = b
	return b.AllowN(now, 1), false
}

// sweep drops the buckets that have refilled completely. l.mu is held.
func (l *limiter) sweep(now time.Time) {
	l.swept = now
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
}

// size returns the number of sources in the table.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
