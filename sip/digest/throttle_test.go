package digest

import (
	"net/netip"
	"strconv"
	"testing"
	"time"
)

// throttleStep acts as a peer after a clock step, then checks its verdict.
type throttleStep struct {
	advance time.Duration
	act     string // "fail", "ok" or "" (just look)
	times   int    // how often to act; default 1
	src     string
	user    string // default "1001"
	tcp     bool   // default UDP
	users   int    // act as this many distinct users u0, u1, ... instead of user
	want    Verdict
}

func (s throttleStep) peer() Peer {
	p := Peer{Addr: netip.MustParseAddr(s.src), UDP: !s.tcp, User: s.user}
	if p.User == "" {
		p.User = "1001"
	}
	return p
}

func runThrottle(t *testing.T, edit func(*Config), steps []throttleStep) *Authenticator {
	t.Helper()
	a, clk := newTestAuth(t, func(c *Config) {
		c.FailureWindow, c.RejectAfter, c.DropAfter, c.DropFor = time.Minute, 3, 6, 10*time.Minute
		c.SweepUsers, c.KnownFor = 4, time.Hour
		if edit != nil {
			edit(c)
		}
	})
	for i, s := range steps {
		clk.add(s.advance)
		p := s.peer()
		for n := max(s.times, 1); n > 0; n-- {
			for u := range max(s.users, 1) {
				q := p
				if s.users > 0 {
					q.User = "u" + strconv.Itoa(u)
				}
				switch s.act {
				case "fail":
					a.PeerFailure(q)
				case "ok":
					a.PeerSuccess(q)
				}
			}
		}
		if got := a.PeerStatus(p); got != s.want {
			t.Fatalf("step %d (%+v): status %v, want %v", i, s, got, s.want)
		}
	}
	return a
}

func TestThrottle(t *testing.T) {
	const ip, other = "192.0.2.1", "192.0.2.2"
	tests := []struct {
		name  string
		steps []throttleStep
	}{
		{"below threshold", []throttleStep{
			{act: "fail", times: 2, src: ip, want: Allow},
		}},
		{"reject then drop then cool off", []throttleStep{
			{act: "fail", times: 3, src: ip, want: Reject},
			{src: other, want: Allow},
			{advance: 30 * time.Second, act: "fail", times: 2, src: ip, want: Reject},
			{advance: 30 * time.Second, act: "fail", src: ip, want: Drop}, // 6 failures, counted on while rejected
			{advance: 9 * time.Minute, act: "fail", src: ip, want: Drop},  // failures while dropped change nothing
			{advance: time.Minute, src: ip, want: Allow},                  // 10 minutes after the drop
			{act: "fail", times: 2, src: ip, want: Allow},                 // counting starts afresh
		}},
		{"another user at the same source is not blocked", []throttleStep{
			{act: "fail", times: 6, src: ip, want: Drop},
			{src: ip, user: "1002", want: Allow},
			{src: ip, user: "1002", tcp: true, want: Allow},
		}},
		{"udp failures do not block tcp", []throttleStep{
			{act: "fail", times: 6, src: ip, want: Drop},
			{src: ip, tcp: true, want: Allow},
			{act: "fail", times: 3, src: ip, tcp: true, want: Reject}, // tcp counts on its own
		}},
		{"a sweep of many users blocks the source", []throttleStep{
			{act: "fail", users: 3, src: ip, user: "u0", want: Allow},
			{act: "fail", src: ip, user: "u3", want: Reject}, // the 4th distinct user
			{src: ip, user: "new", want: Reject},             // never seen: refused too
			{src: ip, user: "new", tcp: true, want: Allow},   // not over tcp
			{src: other, user: "new", want: Allow},
			{act: "fail", times: 2, src: ip, user: "new", want: Drop}, // 6 failures from the source
			{advance: 10 * time.Minute, src: ip, user: "new", want: Allow},
		}},
		{"a known user passes a sweep of its source", []throttleStep{
			{act: "ok", src: ip, user: "1002", want: Allow},
			{act: "fail", times: 3, users: 4, src: ip, user: "other", want: Drop},
			{src: ip, user: "1002", want: Allow},
			{src: ip, user: "1002", tcp: true, want: Allow},
			{advance: 61 * time.Minute, act: "fail", times: 2, users: 4, src: ip, user: "1002", want: Drop}, // known for an hour
		}},
		{"the last success renews a known user", []throttleStep{
			{act: "ok", src: ip, user: "1002", want: Allow},
			{advance: 50 * time.Minute, act: "ok", src: ip, user: "1002", want: Allow},
			{advance: 50 * time.Minute, act: "fail", times: 2, users: 4, src: ip, user: "1002", want: Allow},
		}},
		{"reject lasts a window after the last failure", []throttleStep{
			{act: "fail", times: 3, src: ip, want: Reject},
			{advance: 59 * time.Second, src: ip, want: Reject},
			{advance: time.Second, src: ip, want: Allow},
			{act: "fail", src: ip, want: Allow}, // count restarted
		}},
		{"failures spread beyond the window do not add up", []throttleStep{
			{act: "fail", times: 2, src: ip, want: Allow},
			{advance: 61 * time.Second, act: "fail", times: 2, src: ip, want: Allow},
			{advance: 61 * time.Second, act: "fail", times: 2, src: ip, want: Allow},
		}},
		{"distinct users spread beyond the window do not add up", []throttleStep{
			{act: "fail", users: 3, src: ip, user: "x", want: Allow},
			{advance: 61 * time.Second, act: "fail", users: 3, src: ip, user: "x", want: Allow},
		}},
		{"success forgives", []throttleStep{
			{act: "fail", times: 2, src: ip, want: Allow},
			{act: "ok", src: ip, want: Allow},
			{act: "fail", times: 2, src: ip, want: Allow},
		}},
		{"success does not lift a reject", []throttleStep{
			{act: "fail", times: 3, src: ip, want: Reject},
			{act: "ok", src: ip, want: Reject},
		}},
		{"ipv6 counts per /64", []throttleStep{
			{act: "fail", src: "2001:db8:1:2::1", want: Allow},
			{act: "fail", src: "2001:db8:1:2::2", want: Allow},
			{act: "fail", src: "2001:db8:1:2:ffff::3", want: Reject},
			{src: "2001:db8:1:3::1", want: Allow},
		}},
		{"ipv4-mapped is ipv4", []throttleStep{
			{act: "fail", times: 2, src: "::ffff:192.0.2.1", want: Allow},
			{act: "fail", src: ip, want: Reject},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runThrottle(t, nil, tt.steps) })
	}
}

// TestThrottleMemoryBound floods the throttle with more sources than
// MaxSources and checks the bound, and that a recently failing source keeps
// its state when older ones are forgotten.
func TestThrottleMemoryBound(t *testing.T) {
	const max = 100
	a := runThrottle(t, func(c *Config) { c.MaxSources = max }, []throttleStep{
		{act: "fail", times: 6, src: "198.51.100.1", want: Drop},
	})
	victim := Peer{Addr: netip.MustParseAddr("198.51.100.1"), UDP: true, User: "1001"}
	for i := 0; i < 5*max; i++ {
		a.PeerFailure(Peer{Addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)}), UDP: true})
		if got := a.throttle.len(); got > max {
			t.Fatalf("throttle tracks %d sources, bound %d", got, max)
		}
		if i%(max/2) == 0 && a.PeerStatus(victim) != Drop { // looking keeps it recent
			t.Fatalf("dropped source forgotten after %d others", i)
		}
	}
	if got := a.throttle.len(); got != max {
		t.Errorf("throttle tracks %d sources, want %d", got, max)
	}
}

// TestThrottleTrim checks that idle sources leave before the bound is hit.
func TestThrottleTrim(t *testing.T) {
	a, clk := newTestAuth(t, func(c *Config) { c.FailureWindow = time.Minute })
	for i := 0; i < 10; i++ {
		a.PeerFailure(Peer{Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(i)})})
	}
	clk.add(2 * time.Minute)
	for i := 0; i < 10; i++ {
		a.PeerFailure(Peer{Addr: netip.AddrFrom4([4]byte{10, 0, 1, byte(i)})})
	}
	if got := a.throttle.len(); got != 10 {
		t.Errorf("throttle tracks %d sources, want 10", got)
	}
}

// TestThrottleInvalidAddr checks that the zero address is one source.
func TestThrottleInvalidAddr(t *testing.T) {
	a, _ := newTestAuth(t, func(c *Config) { c.RejectAfter, c.DropAfter = 1, 2 })
	a.Failure(netip.Addr{}) // the address-only form: Peer{Addr: src}
	if v := a.PeerStatus(Peer{}); v != Reject {
		t.Errorf("zero address: %v, want reject", v)
	}
}

func TestVerdictString(t *testing.T) {
	for v, want := range map[Verdict]string{Allow: "allow", Reject: "reject", Drop: "drop", 9: "unknown"} {
		if v.String() != want {
			t.Errorf("%d.String() = %q, want %q", v, v.String(), want)
		}
	}
	for r, want := range map[Result]string{Bad: "bad", OK: "ok", Stale: "stale", 9: "unknown"} {
		if r.String() != want {
			t.Errorf("%d.String() = %q, want %q", r, r.String(), want)
		}
	}
}
