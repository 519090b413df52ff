package srclimit

import (
	"net/netip"
	"testing"
	"time"
)

// TestLimiter checks the per-source budget, its reset each second, the
// grouping of IPv6 sources by /64, and the bounded table.
func TestLimiter(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New(2, 3, func() time.Time { return now })
	a := netip.MustParseAddr("192.0.2.1")
	steps := []struct {
		src  string
		want bool
	}{
		{"192.0.2.1", true}, {"192.0.2.1", true}, {"192.0.2.1", false}, // budget of 2
		{"::ffff:192.0.2.1", false},                                          // the same source, mapped
		{"192.0.2.2", true},                                                  // another source
		{"2001:db8::1", true}, {"2001:db8::2", true}, {"2001:db8::3", false}, // one /64
		{"198.51.100.1", false}, // table full (3 sources): fail closed
	}
	for i, s := range steps {
		if got := l.Allow(netip.MustParseAddr(s.src)); got != s.want {
			t.Errorf("step %d: Allow(%s) = %t, want %t", i, s.src, got, s.want)
		}
	}
	if len(l.counts) > 3 {
		t.Errorf("table holds %d sources, bound is 3", len(l.counts))
	}
	now = now.Add(time.Second)
	if !l.Allow(a) || !l.Allow(netip.MustParseAddr("198.51.100.1")) {
		t.Error("budget not renewed in the next second")
	}
	if !l.Allow(netip.Addr{}) {
		t.Error("unknown source refused")
	}
	for i, want := range []int{0, 1, 2} { // a's 2nd, 3rd and 4th request this second
		if got := l.Over(a); got != want {
			t.Errorf("Over #%d = %d, want %d", i, got, want)
		}
	}
	l.Over(netip.MustParseAddr("192.0.2.3")) // the third source: table full
	if got := l.Over(netip.MustParseAddr("192.0.2.4")); got != -1 {
		t.Errorf("Over of a new source with the table full = %d, want -1", got)
	}
}

// TestLimiterWindow: with a longer window the budget lasts the whole
// window and renews at the next one.
func TestLimiterWindow(t *testing.T) {
	now := time.Unix(600, 0) // a window start
	l := NewWindow(2, 10, 5*time.Minute, func() time.Time { return now })
	a := netip.MustParseAddr("192.0.2.1")
	for i, want := range []bool{true, true, false} {
		if got := l.Allow(a); got != want {
			t.Errorf("attempt %d: %t, want %t", i, got, want)
		}
	}
	now = now.Add(5*time.Minute - time.Nanosecond)
	if l.Allow(a) {
		t.Error("budget renewed inside the window")
	}
	now = now.Add(time.Nanosecond)
	if !l.Allow(a) {
		t.Error("budget not renewed at the next window")
	}
}
