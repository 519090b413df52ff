package dns_test

import (
	"testing"

	"github.com/miekg/dns"

	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestTruncation checks UDP answers against the client's buffer size and
// the server's cap, with TC set when records were left out, and full
// answers over TCP.
func TestTruncation(t *testing.T) {
	srv := dnstest.Start(t, bigConfig(100)) // 100 A records: about 1.6 kB
	tests := []struct {
		name    string
		network string
		edns    uint16 // 0: no EDNS
		srv     bool   // ask SRV (answer fits, additional does not) instead of A
		wantTC  bool
		maxSize int
	}{
		{"udp no edns", "udp", 0, false, true, 512},
		{"udp edns 512", "udp", 512, false, true, 512},
		{"udp edns below 512", "udp", 100, false, true, 512},
		{"udp edns 1000", "udp", 1000, false, true, 1000},
		{"udp edns 4096 capped", "udp", 4096, false, true, 1232},
		{"udp srv: no additional", "udp", 0, true, false, 512},
		{"tcp srv: full additional", "tcp", 0, true, false, dns.MaxMsgSize},
		{"tcp", "tcp", 0, false, false, dns.MaxMsgSize},
		{"tcp edns 512", "tcp", 512, false, false, dns.MaxMsgSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := new(dns.Msg)
			if tt.srv {
				req.SetQuestion("_sip._udp.phoneprov.test.", dns.TypeSRV)
			} else {
				req.SetQuestion("sip.phoneprov.test.", dns.TypeA)
			}
			if tt.edns != 0 {
				req.SetEdns0(tt.edns, false)
			}
			resp, err := dnstest.Exchange(tt.network, srv.Addr(tt.network), req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Compress = true // as sent: the same length as on the wire
			wire, err := resp.Pack()
			if err != nil {
				t.Fatal(err)
			}
			if resp.Truncated != tt.wantTC || len(wire) > tt.maxSize {
				t.Errorf("tc %t size %d, want tc %t size <= %d", resp.Truncated, len(wire), tt.wantTC, tt.maxSize)
			}
			if tt.srv && len(resp.Answer) != 1 {
				t.Errorf("SRV answer lost: %v", resp.Answer)
			}
			if extra := len(resp.Extra); tt.srv && (tt.network == "udp") != (extra == 0) {
				t.Errorf("%d additional records over %s", extra, tt.network)
			}
			if !tt.srv && !tt.wantTC && len(resp.Answer) != 100 {
				t.Errorf("%d answers over %s, want all 100", len(resp.Answer), tt.network)
			}
			if tt.edns != 0 && resp.IsEdns0() == nil {
				t.Error("OPT record dropped by truncation")
			}
		})
	}
}
