package dns_test

import (
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestRateLimit checks that a UDP source past its budget gets empty TC
// answers no larger than its query, and that TCP is not limited.
func TestRateLimit(t *testing.T) {
	const limit, queries = 2, 12
	cfg := testConfig()
	cfg.RateLimit = limit
	srv := dnstest.Start(t, cfg)
	c := zoneCases()["naptr edns"]

	start := time.Now()
	var full, slipped int
	for range queries {
		resp, err := dnstest.Exchange("udp", srv.UDPAddr, c.Msg())
		if err != nil {
			t.Fatal(err)
		}
		if !resp.Truncated {
			if err := c.Check(resp); err != nil {
				t.Error(err)
			}
			full++
			continue
		}
		slipped++
		if len(resp.Answer)+len(resp.Ns) != 0 || len(resp.Extra) != 1 || resp.IsEdns0() == nil {
			t.Errorf("slipped answer carries records: %v", resp)
		}
		query, _ := c.Msg().Pack()
		if wire, _ := resp.Pack(); len(wire) > len(query) {
			t.Errorf("slipped answer of %d bytes to a query of %d", len(wire), len(query))
		}
	}
	// Budgets are per calendar second: the queries may span a boundary.
	windows := int(time.Since(start)/time.Second) + 2
	if full > limit*windows || slipped == 0 {
		t.Errorf("%d full and %d slipped answers in %d windows, limit %d", full, slipped, windows, limit)
	}

	for range queries {
		resp, err := dnstest.Exchange("tcp", srv.TCPAddr, c.Msg())
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Check(resp); err != nil {
			t.Errorf("tcp: %v", err)
		}
	}
}
