package dns_test

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestRateLimit checks that a UDP source past its budget gets, in turn, an
// empty TC answer no larger than its query and no answer at all, and that
// TCP is not limited.
func TestRateLimit(t *testing.T) {
	const limit, queries = 2, 12
	cfg := testConfig()
	cfg.RateLimit = limit
	srv := dnstest.Start(t, cfg)
	c := zoneCases()["naptr edns"].Over(true)

	start := time.Now()
	var full, slipped, dropped int
	client := &dns.Client{Net: "udp", Timeout: 300 * time.Millisecond}
	for range queries {
		resp, _, err := client.Exchange(c.Msg(), srv.UDPAddr)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			dropped++
			continue
		}
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
	if full > limit*windows || slipped == 0 || dropped == 0 || dropped > slipped+windows {
		t.Errorf("%d full, %d slipped answers and %d dropped in %d windows, limit %d", full, slipped, dropped, windows, limit)
	}

	for range queries {
		resp, err := dnstest.Exchange("tcp", srv.TCPAddr, c.Msg())
		if err != nil {
			t.Fatal(err)
		}
		if err := zoneCases()["naptr edns"].Check(resp); err != nil {
			t.Errorf("tcp: %v", err)
		}
	}
}
