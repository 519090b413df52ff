package dns_test

import (
	"net"
	"testing"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
)

// fuzzConfig has enough addresses for answers to outgrow 512 bytes, so the
// fuzzer reaches truncation.
func fuzzConfig() sipdns.Config {
	c := bigConfig(40)
	c.Addresses = append(c.Addresses, net.ParseIP("2001:db8::10"))
	return c
}

// FuzzAnswer feeds raw wire messages to Answer, over UDP and TCP: it must
// never panic, must answer every query that unpacks and no response, and
// the answer must pack, keep the query id, unpack again and fit the
// transport's size limit. The seeds are in testdata/fuzz/FuzzAnswer.
func FuzzAnswer(f *testing.F) {
	s := newServer(f, fuzzConfig())
	f.Fuzz(func(t *testing.T, data []byte) {
		req := new(dns.Msg)
		if err := req.Unpack(data); err != nil {
			return
		}
		for _, udp := range []bool{true, false} {
			resp := s.Answer(req, udp)
			if (resp == nil) != req.Response {
				t.Fatalf("udp %t: answer %v to a message with QR %t", udp, resp, req.Response)
			}
			if resp == nil {
				continue
			}
			wire, err := resp.Pack()
			if err != nil {
				t.Fatalf("udp %t: answer does not pack: %v\n%v", udp, err, resp)
			}
			if resp.Id != req.Id || !resp.Response {
				t.Fatalf("udp %t: id %d qr %t, want %d true", udp, resp.Id, resp.Response, req.Id)
			}
			limit := dns.MaxMsgSize
			if udp {
				limit = dns.MinMsgSize
				if opt := req.IsEdns0(); opt != nil {
					limit = min(max(int(opt.UDPSize()), dns.MinMsgSize), sipdns.DefaultMaxUDPSize)
				}
			}
			if len(wire) > limit {
				t.Fatalf("udp %t: answer of %d bytes, limit %d", udp, len(wire), limit)
			}
			if err := new(dns.Msg).Unpack(wire); err != nil {
				t.Fatalf("udp %t: answer does not unpack: %v", udp, err)
			}
		}
	})
}
