package digest

import (
	"sync"
	"time"
)

// ncWindow is how far below the highest nonce count seen a count may still
// arrive once (the width of the bitmap in ncState).
const ncWindow = 64

// ncState is what the tracker remembers of one nonce.
type ncState struct {
	issued int64  // issue time, Unix nanoseconds
	max    uint32 // highest count accepted
	seen   uint64 // bit i set: count max-i accepted
	spent  bool   // used once without qop: no further use
}

// useResult is the outcome of replayTracker.use.
type useResult uint8

const (
	useFresh     useResult = iota // first use of this (nonce, nc): accept
	useReplay                     // already used: refuse
	useForgotten                  // unknown but maybe used before: ask for a fresh nonce
)

// replayTracker remembers which (nonce, nc) pairs were accepted, within a
// bound. It is safe for concurrent use.
type replayTracker struct {
	mu  sync.Mutex
	ttl time.Duration
	m   *lru[nonceKey, ncState]
	// horizon is the latest issue time of any nonce forgotten so far, or
	// just before the tracker's start: an untracked nonce issued at or before
	// it may have been used, so it is never accepted as fresh.
	horizon int64
}

func newReplayTracker(max int, ttl time.Duration, start time.Time) *replayTracker {
	return &replayTracker{ttl: ttl, m: newLRU[nonceKey, ncState](max), horizon: start.UnixNano() - 1}
}

// use records count for the nonce key issued at issued; count 0 means a
// response without qop, which spends the nonce.
func (t *replayTracker) use(key nonceKey, issued time.Time, count uint32, now time.Time) useResult {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trim(now, 2)
	if s := t.m.get(key); s != nil {
		return s.accept(count)
	}
	iss := issued.UnixNano()
	if iss <= t.horizon {
		return useForgotten
	}
	st := ncState{issued: iss, max: count, seen: 1, spent: count == 0}
	t.m.add(key, st, t.forget)
	return useFresh
}

// accept applies count to a tracked nonce.
func (s *ncState) accept(count uint32) useResult {
	if s.spent || count == 0 {
		return useReplay
	}
	if count > s.max {
		if d := count - s.max; d >= ncWindow {
			s.seen = 1
		} else {
			s.seen = s.seen<<d | 1
		}
		s.max = count
		return useFresh
	}
	d := s.max - count
	if d >= ncWindow || s.seen&(1<<d) != 0 {
		return useReplay
	}
	s.seen |= 1 << d
	return useFresh
}

// forget raises the horizon past a nonce that leaves the tracker.
func (t *replayTracker) forget(_ nonceKey, s *ncState) {
	if s.issued > t.horizon {
		t.horizon = s.issued
	}
}

// trim forgets up to n of the least recently used nonces that have expired,
// so memory follows the load when below the bound.
func (t *replayTracker) trim(now time.Time, n int) {
	limit := now.Add(-t.ttl).UnixNano()
	for ; n > 0; n-- {
		k, s, ok := t.m.oldest()
		if !ok || s.issued >= limit {
			return
		}
		t.forget(k, s)
		t.m.remove(k)
	}
}

// len returns the number of nonces tracked.
func (t *replayTracker) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m.len()
}
