package dns_test

import (
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkAnswer measures the answer to a _sip._udp SRV query with EDNS,
// alone and packed for the wire as the server sends it.
func BenchmarkAnswer(b *testing.B) {
	s := newServer(b, testConfig())
	req := new(dns.Msg)
	req.SetQuestion("_sip._udp.phoneprov.test.", dns.TypeSRV)
	req.SetEdns0(1232, false)
	b.Run("answer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if m := s.Answer(req, true); len(m.Answer) != 1 {
				b.Fatal(m)
			}
		}
	})
	b.Run("answer+pack", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Answer(req, true).Pack(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
