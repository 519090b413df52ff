package sipauth

import (
	"net/netip"
	"sync"
	"time"
)

// Verdict is what the registrar should do with a request from a source.
type Verdict uint8

const (
	// Allow: handle the request normally.
	Allow Verdict = iota
	// Reject: answer 403 without checking credentials, and report the
	// request with Failure so a source that keeps trying reaches Drop.
	Reject
	// Drop: send nothing; the source is cooling off.
	Drop
)

// String returns "allow", "reject" or "drop".
func (v Verdict) String() string {
	switch v {
	case Allow:
		return "allow"
	case Reject:
		return "reject"
	case Drop:
		return "drop"
	}
	return "unknown"
}

// srcState is the failure record of one source.
type srcState struct {
	start int64 // first failure of the current count, Unix nanoseconds
	n     int   // failures counted since start
	until int64 // end of the current Reject or Drop
	drop  bool  // the penalty ending at until is a Drop
}

// throttle counts failures per source. It is safe for concurrent use.
type throttle struct {
	mu          sync.Mutex
	window      int64
	dropFor     int64
	rejectAfter int
	dropAfter   int
	m           *lru[netip.Addr, srcState]
}

func newThrottle(c Config) *throttle {
	return &throttle{
		window:      int64(c.FailureWindow),
		dropFor:     int64(c.DropFor),
		rejectAfter: c.RejectAfter,
		dropAfter:   c.DropAfter,
		m:           newLRU[netip.Addr, srcState](c.MaxSources),
	}
}

// sourceKey maps an address to the source it counts for: the IPv4 address
// (IPv4-mapped IPv6 included) or the IPv6 /64, without zone. All invalid
// addresses count as one source.
func sourceKey(a netip.Addr) netip.Addr {
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// failure counts one failed attempt from src.
func (t *throttle) failure(src netip.Addr, now time.Time) {
	k, ts := sourceKey(src), now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trim(ts, 2)
	s := t.m.get(k)
	if s == nil {
		s = t.m.add(k, srcState{start: ts}, nil)
	}
	if s.drop {
		if ts < s.until {
			return
		}
		*s = srcState{start: ts}
	}
	if ts >= s.until && ts-s.start >= t.window {
		s.start, s.n = ts, 0
	}
	s.n++
	switch {
	case s.n >= t.dropAfter:
		s.drop, s.until = true, ts+t.dropFor
	case s.n >= t.rejectAfter:
		s.until = ts + t.window
	}
}

// success forgets the failures of src unless it is rejected or dropped.
func (t *throttle) success(src netip.Addr, now time.Time) {
	k, ts := sourceKey(src), now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.m.get(k); s != nil && ts >= s.until {
		t.m.remove(k)
	}
}

// status returns the verdict for src.
func (t *throttle) status(src netip.Addr, now time.Time) Verdict {
	k, ts := sourceKey(src), now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m.get(k)
	switch {
	case s == nil:
		return Allow
	case ts < s.until && s.drop:
		return Drop
	case ts < s.until:
		return Reject
	case s.drop:
		t.m.remove(k) // cool-off over: start afresh
	}
	return Allow
}

// failing reports whether src has failures counted.
func (t *throttle) failing(src netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.m.get(sourceKey(src))
	return s != nil && s.n > 0
}

// idle reports whether s no longer affects any verdict.
func (t *throttle) idle(s *srcState, ts int64) bool {
	return ts >= s.until && (s.drop || ts-s.start >= t.window)
}

// trim forgets up to n of the least recently failing sources that are idle.
func (t *throttle) trim(ts int64, n int) {
	for ; n > 0; n-- {
		k, s, ok := t.m.oldest()
		if !ok || !t.idle(s, ts) {
			return
		}
		t.m.remove(k)
	}
}

// len returns the number of sources tracked.
func (t *throttle) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.len()
}
