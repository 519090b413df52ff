package digest

import (
	"hash/maphash"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/sip/srclimit"
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

// Peer names what a failure counts against: the source address, whether
// the request came over UDP (whose source anyone can spoof), and the auth
// user it authenticates as ("" when its credentials were unreadable).
type Peer struct {
	Addr netip.Addr
	UDP  bool
	User string
}

// state is the failure record of one (source, user) pair or one source.
type state struct {
	start int64 // first failure of the current count, Unix nanoseconds
	n     int   // failures counted since start
	until int64 // end of the current Reject or Drop
	drop  bool  // the penalty ending at until is a Drop
	// users holds hashes of the distinct users that failed from a source
	// (not a pair) since start, at most Config.SweepUsers of them.
	users []uint64
}

// pairKey, srcKey and knownKey index the throttle's tables. UDP and
// stream transports are counted apart, so spoofed datagrams never block
// TCP or TLS; a success proves the password and holds for both.
type pairKey struct {
	src  netip.Addr
	udp  bool
	user string
}

type srcKey struct {
	src netip.Addr
	udp bool
}

// knownKey is a seeded 64-bit hash of a (source, user) pair: the table of
// successes holds one for every line registered, so its entries hold no
// string. Two pairs share a hash with a chance of about n²/2⁶⁵ (10⁻¹⁰ for
// 100,000 pairs), and the seed is drawn per process, so no client can aim
// for one; a shared hash would only exempt one more user from its source's
// sweep verdict.
type knownKey uint64

// throttle counts failures per (source, transport, user) and, for
// credential sweeps, the distinct users failing per (source, transport).
// It is safe for concurrent use.
type throttle struct {
	mu          sync.Mutex
	window      int64
	dropFor     int64
	knownFor    int64
	rejectAfter int
	dropAfter   int
	sweepUsers  int
	seed        maphash.Seed
	pairs       *lru[pairKey, state]
	srcs        *lru[srcKey, state]
	known       *lru[knownKey, int64] // last success, Unix nanoseconds
}

func newThrottle(c Config) *throttle {
	return &throttle{
		window:      int64(c.FailureWindow),
		dropFor:     int64(c.DropFor),
		knownFor:    int64(c.KnownFor),
		rejectAfter: c.RejectAfter,
		dropAfter:   c.DropAfter,
		sweepUsers:  c.SweepUsers,
		seed:        maphash.MakeSeed(),
		pairs:       newLRU[pairKey, state](c.MaxSources),
		srcs:        newLRU[srcKey, state](c.MaxSources),
		known:       newLRU[knownKey, int64](c.MaxSources),
	}
}

// keys returns the table keys of p; its address counts as the source it
// belongs to (an IPv4 address, or an IPv6 /64).
func (t *throttle) keys(p Peer) (pairKey, srcKey, knownKey) {
	a := srclimit.SourceKey(p.Addr)
	var h maphash.Hash
	h.SetSeed(t.seed)
	b := a.As16()
	_, _ = h.Write(b[:])
	if a.Is4() {
		_ = h.WriteByte(4)
	}
	_, _ = h.WriteString(p.User)
	return pairKey{a, p.UDP, p.User}, srcKey{a, p.UDP}, knownKey(h.Sum64())
}

// failure counts one failed attempt by p.
func (t *throttle) failure(p Peer, now time.Time) {
	pk, sk, _ := t.keys(p)
	ts, h := now.UnixNano(), maphash.String(t.seed, p.User)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.trim(ts, 2)
	s := t.pairs.get(pk)
	if s == nil {
		s = t.pairs.add(pk, state{start: ts}, nil)
	}
	t.count(s, ts, func(s *state) bool { return s.n >= t.rejectAfter })
	s = t.srcs.get(sk)
	if s == nil {
		s = t.srcs.add(sk, state{start: ts}, nil)
	}
	t.count(s, ts, func(s *state) bool {
		if len(s.users) < t.sweepUsers && !slices.Contains(s.users, h) {
			s.users = append(s.users, h)
		}
		return len(s.users) >= t.sweepUsers
	})
}

// count adds a failure at ts to s. armed reports, after the failure is
// counted, whether s deserves a penalty: Reject for a window after the
// latest failure, and Drop for dropFor once DropAfter failures add up.
func (t *throttle) count(s *state, ts int64, armed func(*state) bool) {
	if s.drop {
		if ts < s.until {
			return
		}
		*s = state{start: ts}
	}
	if ts >= s.until && ts-s.start >= t.window {
		*s = state{start: ts, users: s.users[:0]}
	}
	s.n++
	switch {
	case !armed(s):
	case s.n >= t.dropAfter:
		s.drop, s.until = true, ts+t.dropFor
	default:
		s.until = ts + t.window
	}
}

// success forgets the failures of p's pair unless it is rejected or
// dropped, and remembers that p's user authenticated from its source. The
// source's sweep record stays: one user's success forgives no other.
func (t *throttle) success(p Peer, now time.Time) {
	pk, _, kk := t.keys(p)
	ts := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.pairs.get(pk); s != nil && ts >= s.until {
		t.pairs.remove(pk)
	}
	if v := t.known.get(kk); v != nil {
		*v = ts
	} else {
		t.known.add(kk, ts, nil)
	}
}

// status returns the verdict for p: its pair's, and unless p's user
// authenticated from this source within knownFor, its source's.
func (t *throttle) status(p Peer, now time.Time) Verdict {
	pk, sk, kk := t.keys(p)
	ts := now.UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	if v := verdict(t.pairs, pk, ts); v != Allow {
		return v
	}
	if last := t.known.get(kk); last != nil && ts-*last < t.knownFor {
		return Allow
	}
	return verdict(t.srcs, sk, ts)
}

// verdict returns the verdict of the state of k in m at ts, forgetting a
// Drop that has run its course.
func verdict[K comparable](m *lru[K, state], k K, ts int64) Verdict {
	s := m.get(k)
	switch {
	case s == nil:
		return Allow
	case ts < s.until && s.drop:
		return Drop
	case ts < s.until:
		return Reject
	case s.drop:
		m.remove(k) // cool-off over: start afresh
	}
	return Allow
}

// failing reports whether p, or its source on its transport, has failures
// counted.
func (t *throttle) failing(p Peer) bool {
	pk, sk, _ := t.keys(p)
	t.mu.Lock()
	defer t.mu.Unlock()
	if s := t.pairs.get(pk); s != nil && s.n > 0 {
		return true
	}
	s := t.srcs.get(sk)
	return s != nil && s.n > 0
}

// idle reports whether s no longer affects any verdict.
func (t *throttle) idle(s *state, ts int64) bool {
	return ts >= s.until && (s.drop || ts-s.start >= t.window)
}

// trim forgets up to n of the least recently touched entries of each table
// that no longer matter.
func (t *throttle) trim(ts int64, n int) {
	trimLRU(t.pairs, n, func(s *state) bool { return t.idle(s, ts) })
	trimLRU(t.srcs, n, func(s *state) bool { return t.idle(s, ts) })
	trimLRU(t.known, n, func(last *int64) bool { return ts-*last >= t.knownFor })
}

func trimLRU[K comparable, V any](m *lru[K, V], n int, idle func(*V) bool) {
	for ; n > 0; n-- {
		k, v, ok := m.oldest()
		if !ok || !idle(v) {
			return
		}
		m.remove(k)
	}
}

// len returns the number of (source, user) pairs tracked.
func (t *throttle) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.pairs.len()
}
