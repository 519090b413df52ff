package console

import (
	"sync"
	"time"
)

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
