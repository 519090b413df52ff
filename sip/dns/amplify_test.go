package dns_test

import (
	"testing"

	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// maxAmplification bounds answer bytes over query bytes for any UDP query
// of zoneCases. A NAPTR answer with its SRV and address records in the
// additional section was 10.7 times its query; minimal answers keep the
// three NAPTR records only (193 bytes for a 32-byte query without EDNS,
// 6.0x, and 204 for 43 bytes with EDNS, 4.7x: NAPTR replacement names may
// not be compressed). The per-source limit (Config.RateLimit) caps what is
// left.
const maxAmplification = 6.5

// TestUDPAmplification sends every zone case over real UDP and compares
// the size of the query and of the answer on the wire.
func TestUDPAmplification(t *testing.T) {
	srv := dnstest.Start(t, testConfig())
	worst, worstName := 0.0, ""
	for name, c := range zoneCases() {
		q := c.Msg()
		qwire, err := q.Pack()
		if err != nil {
			t.Fatal(err)
		}
		resp, err := dnstest.Exchange("udp", srv.UDPAddr, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Over(true).Check(resp); err != nil {
			t.Error(err)
		}
		resp.Compress = true // as sent
		awire, err := resp.Pack()
		if err != nil {
			t.Fatal(err)
		}
		ratio := float64(len(awire)) / float64(len(qwire))
		if ratio > worst {
			worst, worstName = ratio, name
		}
		if name == "naptr" || name == "naptr edns" {
			t.Logf("%s over UDP: query %d bytes, answer %d bytes (%.1fx)", name, len(qwire), len(awire), ratio)
		}
		if ratio > maxAmplification {
			t.Errorf("%s: query %d bytes, answer %d bytes: %.1fx, want at most %.1fx", name, len(qwire), len(awire), ratio, maxAmplification)
		}
	}
	t.Logf("largest UDP amplification: %.1fx (%s)", worst, worstName)
}
