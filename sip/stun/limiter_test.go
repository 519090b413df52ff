package stun

import (
	"net/netip"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestLimiterBurstAndRefill(t *testing.T) {
	l := newLimiter(2, 3, 10)
	a := netip.MustParseAddr("192.0.2.1")
	for i := range 3 {
		if ok, _ := l.allow(a, t0); !ok {
			t.Fatalf("request %d within burst refused", i)
		}
	}
	if ok, _ := l.allow(a, t0); ok {
		t.Fatal("request over burst allowed")
	}
	if ok, _ := l.allow(a, t0.Add(500*time.Millisecond)); !ok {
		t.Fatal("refilled token (2/s after 0.5 s) refused")
	}
}

func TestLimiterSourceKey(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"192.0.2.1", "::ffff:192.0.2.1"},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9"},
		{"fe80::1%eth0", "fe80::2"},
	} {
		l := newLimiter(0.001, 1, 10)
		l.allow(netip.MustParseAddr(c.a), t0)
		if ok, _ := l.allow(netip.MustParseAddr(c.b), t0); ok || l.size() != 1 {
			t.Errorf("%s and %s should share one bucket (size %d)", c.a, c.b, l.size())
		}
	}
	l := newLimiter(0.001, 1, 10)
	l.allow(netip.MustParseAddr("2001:db8:1:2::1"), t0)
	if ok, _ := l.allow(netip.MustParseAddr("2001:db8:1:3::1"), t0); !ok {
		t.Error("different /64s share a bucket")
	}
}

// TestLimiterBounded: the table never exceeds MaxSources; overflow sources
// share one bucket; refilled buckets are swept so new sources get their own.
func TestLimiterBounded(t *testing.T) {
	const max = 100
	l := newLimiter(1, 2, max)
	now := t0
	for i := range 1000 {
		a := netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})
		ok, overflowed := l.allow(a, now)
		if overflowed != (i >= max) {
			t.Fatalf("source %d: overflowed %v", i, overflowed)
		}
		// the shared overflow bucket has burst 2: sources 100, 101 pass, the rest not
		if want := i < max+2; ok != want {
			t.Fatalf("source %d: allowed %v, want %v", i, ok, want)
		}
	}
	if n := l.size(); n != max {
		t.Fatalf("table size %d, want %d", n, max)
	}
	// 2 s later every bucket has refilled (rate 1/s, burst 2): a new source
	// triggers a sweep and gets a bucket of its own.
	now = now.Add(2 * time.Second)
	if ok, overflowed := l.allow(netip.MustParseAddr("192.0.2.200"), now); !ok || overflowed {
		t.Fatalf("after refill: allowed %v overflowed %v, want own bucket", ok, overflowed)
	}
	if n := l.size(); n != 1 {
		t.Errorf("table size after sweep %d, want 1", n)
	}
}

// TestLimiterPeriodicSweep: idle buckets go away without the table filling.
func TestLimiterPeriodicSweep(t *testing.T) {
	l := newLimiter(10, 5, 1000)
	l.allow(netip.MustParseAddr("192.0.2.1"), t0)
	l.allow(netip.MustParseAddr("192.0.2.2"), t0)
	busy := netip.MustParseAddr("192.0.2.3")
	later := t0.Add(sweepEvery)
	for range 5 {
		l.allow(busy, later.Add(-time.Millisecond))
	}
	l.allow(busy, later) // sweeps: .1 and .2 are full again, .3 is not
	if n := l.size(); n != 1 {
		t.Errorf("table size %d after sweep, want 1 (the busy source)", n)
	}
}

func BenchmarkLimiterAllow(b *testing.B) {
	l := newLimiter(1e9, 1e6, DefaultMaxSources)
	a := netip.MustParseAddr("192.0.2.1")
	b.ReportAllocs()
	for b.Loop() {
		l.allow(a, time.Now())
	}
}
