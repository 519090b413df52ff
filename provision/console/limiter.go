package console

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// sourceKey is the sign-in counter of a remote address (host:port): the
// IPv4 address, or the /64 of an IPv6 address (one host holds a whole /64,
// so counting single addresses would let it make 2^64 attempts).
func sourceKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	if a = a.Unmap(); a.Is6() {
		p, _ := a.WithZone("").Prefix(64)
		return p.String()
	}
	return a.String()
}

// limiter counts sign-in attempts per source address in fixed windows; it
// holds at most max sources.
type limiter struct {
	mu     sync.Mutex
	burst  int
	window time.Duration
	max    int
	now    func() time.Time
	seen   map[string]*window
	// share, when set, tells the other nodes of an attempt counted here
	// (see shareSignIns).
	share func(src string)
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(burst int, w time.Duration, max int) *limiter {
	return &limiter{burst: burst, window: w, max: max, now: time.Now, seen: map[string]*window{}}
}

// allow counts one attempt by src and reports whether it may go on. When
// the table is full of live windows, new sources are refused: an attacker
// spraying addresses cannot push out the counters of the others.
func (l *limiter) allow(src string) bool {
	if l.share != nil && l.burst != 0 {
		l.share(src)
	}
	return l.count(src)
}

// count counts one attempt by src (here or, shared, on another node).
func (l *limiter) count(src string) bool {
	if l.burst == 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	w, ok := l.seen[src]
	if ok && now.Sub(w.start) >= l.window {
		w.start, w.n = now, 0
	}
	if !ok {
		if len(l.seen) >= l.max {
			for k, v := range l.seen {
				if now.Sub(v.start) >= l.window {
					delete(l.seen, k)
				}
			}
			if len(l.seen) >= l.max {
				return false
			}
		}
		w = &window{start: now}
		l.seen[src] = w
	}
	w.n++
	return w.n <= l.burst
}
