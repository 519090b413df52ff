package digest

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

// TestConcurrentUse runs phones in parallel on one Authenticator (run with
// -race): each gets its own nonce and counts up; every count passes once.
func TestConcurrentUse(t *testing.T) {
	a, _ := newTestAuth(t, func(c *Config) { c.MaxSources = 8 })
	const phones, counts = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, phones)
	for p := 0; p < phones; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			src := Peer{Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(p)}), UDP: p%2 == 0, User: "1001"}
			nonce := nonceOf(t, a.Challenges(false)[0])
			for n := 1; n <= counts; n++ {
				if a.PeerStatus(src) != Allow {
					errs <- fmt.Errorf("phone %d throttled", p)
					return
				}
				c := sign(SHA256, "1001", "secret", nonce, fmt.Sprintf("%08x", n))
				if res, err := a.Verify("REGISTER", c, testLookup); res != OK {
					errs <- fmt.Errorf("phone %d nc %d: %v %v", p, n, res, err)
					return
				}
				if res, _ := a.Verify("REGISTER", c, testLookup); res != Stale {
					errs <- fmt.Errorf("phone %d nc %d replay: %v", p, n, res)
					return
				}
				a.PeerFailure(src)
				a.PeerSuccess(src)
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := a.replay.len(); n != phones {
		t.Errorf("tracker holds %d nonces, want %d", n, phones)
	}
}
