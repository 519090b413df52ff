package digest

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestNonceCount walks one nonce through a sequence of nonce counts.
func TestNonceCount(t *testing.T) {
	steps := []struct {
		nc      string
		want    Result
		wantErr error
	}{
		{"00000001", OK, nil},
		{"00000001", Stale, ErrReplay}, // replay
		{"00000003", OK, nil},
		{"00000002", OK, nil}, // late but within the window
		{"00000002", Stale, ErrReplay},
		{"00000003", Stale, ErrReplay},
		{"00000050", OK, nil},          // jump ahead
		{"00000004", Stale, ErrReplay}, // 76 below the highest: outside the window
		{"00000012", OK, nil},          // 62 below the highest: inside
		{"00000012", Stale, ErrReplay},
		{"ffffffff", OK, nil},
		{"fffffffe", OK, nil},
		{"FFFFFFFE", Stale, ErrReplay}, // the same count in upper case
	}
	for _, alg := range []string{SHA256, MD5} {
		a, _ := newTestAuth(t, nil)
		nonce := nonceOf(t, a.Challenges(false)[0])
		for i, s := range steps {
			res, err := a.Verify("REGISTER", sign(alg, "1001", "secret", nonce, s.nc), testLookup)
			if res != s.want || (s.wantErr == nil) != (err == nil) || (s.wantErr != nil && !errors.Is(err, s.wantErr)) {
				t.Fatalf("%s step %d nc=%s: %v %v, want %v %v", alg, i, s.nc, res, err, s.want, s.wantErr)
			}
		}
	}
}

// TestNoQOPSpendsNonce checks that a response without qop, when allowed,
// uses up its nonce.
func TestNoQOPSpendsNonce(t *testing.T) {
	a, _ := newTestAuth(t, func(c *Config) { c.AllowNoQOP = true })
	nonce := nonceOf(t, a.Challenges(false)[0])
	seq := []struct {
		nc   string
		want Result
	}{{"", OK}, {"", Stale}, {"00000001", Stale}}
	for i, s := range seq {
		if res, err := a.Verify("REGISTER", sign(MD5, "1001", "secret", nonce, s.nc), testLookup); res != s.want {
			t.Fatalf("step %d: %v %v, want %v", i, res, err, s.want)
		}
	}
	// and a nonce used with qop cannot be used without.
	nonce = nonceOf(t, a.Challenges(false)[0])
	if res, _ := a.Verify("REGISTER", sign(MD5, "1001", "secret", nonce, "00000001"), testLookup); res != OK {
		t.Fatalf("qop use: %v", res)
	}
	if res, err := a.Verify("REGISTER", sign(MD5, "1001", "secret", nonce, ""), testLookup); res != Stale || !errors.Is(err, ErrReplay) {
		t.Fatalf("no-qop after qop: %v %v, want stale replay", res, err)
	}
}

// TestNonceMemoryBound fills the tracker past MaxNonces and checks that it
// stays within the bound and that forgotten nonces are never accepted again.
func TestNonceMemoryBound(t *testing.T) {
	const max = 50
	a, clk := newTestAuth(t, func(c *Config) { c.MaxNonces = max })
	var used []string
	for i := 0; i < 3*max; i++ {
		clk.add(time.Millisecond)
		n := nonceOf(t, a.Challenges(false)[0])
		if res, err := a.Verify("REGISTER", good(MD5, n), testLookup); res != OK {
			t.Fatalf("nonce %d: %v %v", i, res, err)
		}
		used = append(used, n)
		if got := a.replay.len(); got > max {
			t.Fatalf("tracker holds %d nonces, bound %d", got, max)
		}
	}
	// A forgotten nonce, at its next count, gets stale: not OK, not Bad.
	for _, n := range used[:2*max] {
		c := sign(MD5, "1001", "secret", n, "00000002")
		if res, err := a.Verify("REGISTER", c, testLookup); res != Stale || !errors.Is(err, ErrStaleNonce) {
			t.Fatalf("forgotten nonce: %v %v, want stale", res, err)
		}
		if res, _ := a.Verify("REGISTER", good(MD5, n), testLookup); res != Stale {
			t.Fatalf("replay of forgotten nonce: %v, want stale", res)
		}
	}
	// The newest are still tracked: next count OK, replay refused.
	n := used[len(used)-1]
	if res, _ := a.Verify("REGISTER", sign(MD5, "1001", "secret", n, "00000002"), testLookup); res != OK {
		t.Fatalf("tracked nonce, next count: %v", res)
	}
	if res, _ := a.Verify("REGISTER", good(MD5, n), testLookup); res != Stale {
		t.Fatalf("tracked nonce, replay: %v", res)
	}
	// Fresh nonces keep working after evictions.
	clk.add(time.Millisecond)
	if res, _ := a.Verify("REGISTER", good(MD5, nonceOf(t, a.Challenges(false)[0])), testLookup); res != OK {
		t.Fatalf("fresh nonce after evictions: %v", res)
	}
}

// TestNonceExpiryTrim checks that expired nonces leave the tracker as new
// ones arrive, well before the bound.
func TestNonceExpiryTrim(t *testing.T) {
	a, clk := newTestAuth(t, nil)
	for i := 0; i < 10; i++ {
		n := nonceOf(t, a.Challenges(false)[0])
		if res, _ := a.Verify("REGISTER", good(MD5, n), testLookup); res != OK {
			t.Fatalf("nonce %d: %v", i, res)
		}
	}
	clk.add(10 * time.Minute)
	for i := 0; i < 5; i++ {
		n := nonceOf(t, a.Challenges(false)[0])
		if res, _ := a.Verify("REGISTER", good(MD5, n), testLookup); res != OK {
			t.Fatalf("late nonce %d: %v", i, res)
		}
	}
	if got := a.replay.len(); got != 5 {
		t.Errorf("tracker holds %d nonces after expiry, want 5", got)
	}
}

func TestLRU(t *testing.T) {
	l := newLRU[int, string](3)
	var evicted []int
	ev := func(k int, _ *string) { evicted = append(evicted, k) }
	for i := 1; i <= 3; i++ {
		l.add(i, fmt.Sprint(i), ev)
	}
	if v := l.get(1); v == nil || *v != "1" { // 1 becomes the newest
		t.Fatalf("get(1) = %v", v)
	}
	l.add(4, "4", ev)
	l.add(5, "5", ev)
	if fmt.Sprint(evicted) != "[2 3]" || l.len() != 3 {
		t.Fatalf("evicted %v, len %d; want [2 3], 3", evicted, l.len())
	}
	if k, _, _ := l.oldest(); k != 1 {
		t.Errorf("oldest = %d, want 1", k)
	}
	l.remove(1)
	l.remove(42)
	if l.get(1) != nil || l.len() != 2 {
		t.Errorf("after remove: get(1) = %v, len %d", l.get(1), l.len())
	}
}
