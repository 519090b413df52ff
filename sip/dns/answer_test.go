package dns_test

import (
	"sync"
	"testing"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestZone asks every case of zoneCases over real UDP and TCP sockets with
// miekg's client.
func TestZone(t *testing.T) {
	srv := dnstest.Start(t, testConfig())
	for _, network := range []string{"udp", "tcp"} {
		for name, c := range zoneCases() {
			t.Run(network+"/"+name, func(t *testing.T) {
				resp, err := dnstest.Exchange(network, srv.Addr(network), c.Msg())
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Over(network == "udp").Check(resp); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// newServer builds a Server for direct calls of Answer.
func newServer(t testing.TB, cfg sipdns.Config) *sipdns.Server {
	t.Helper()
	s, err := sipdns.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAnswerProtocol covers requests the zone lookup never sees: bad
// opcodes, question counts, EDNS versions and classes.
func TestAnswerProtocol(t *testing.T) {
	s := newServer(t, testConfig())
	query := func(edit func(m *dns.Msg)) *dns.Msg {
		m := new(dns.Msg)
		m.SetQuestion("sip.phoneprov.test.", dns.TypeA)
		edit(m)
		return m
	}
	opt := func(version uint8) *dns.OPT {
		o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
		o.SetUDPSize(4096)
		o.SetVersion(version)
		return o
	}
	tests := []struct {
		name    string
		req     *dns.Msg
		rcode   int
		answers int
		opt     bool // an OPT record expected in the answer
	}{
		{"plain", query(func(*dns.Msg) {}), dns.RcodeSuccess, 1, false},
		{"edns", query(func(m *dns.Msg) { m.Extra = append(m.Extra, opt(0)) }), dns.RcodeSuccess, 1, true},
		{"edns version 1", query(func(m *dns.Msg) { m.Extra = append(m.Extra, opt(1)) }), dns.RcodeBadVers, 0, true},
		{"two opt", query(func(m *dns.Msg) { m.Extra = append(m.Extra, opt(0), opt(0)) }), dns.RcodeFormatError, 0, false},
		{"no question", query(func(m *dns.Msg) { m.Question = nil }), dns.RcodeFormatError, 0, false},
		{"two questions", query(func(m *dns.Msg) { m.Question = append(m.Question, m.Question[0]) }), dns.RcodeFormatError, 0, false},
		{"notify", query(func(m *dns.Msg) { m.Opcode = dns.OpcodeNotify }), dns.RcodeNotImplemented, 0, false},
		{"update", query(func(m *dns.Msg) { m.Opcode = dns.OpcodeUpdate }), dns.RcodeNotImplemented, 0, false},
		{"chaos", query(func(m *dns.Msg) { m.Question[0].Qclass = dns.ClassCHAOS }), dns.RcodeRefused, 0, false},
		{"not fqdn", query(func(m *dns.Msg) { m.Question[0].Name = "sip.phoneprov.test" }), dns.RcodeFormatError, 0, false},
		{"bad name", query(func(m *dns.Msg) { m.Question[0].Name = "a..phoneprov.test." }), dns.RcodeFormatError, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.req.String()
			resp := s.Answer(tt.req, true)
			if resp == nil {
				t.Fatal("no answer")
			}
			wire, err := resp.Pack()
			if err != nil {
				t.Fatalf("answer does not pack: %v", err)
			}
			got := new(dns.Msg)
			if err := got.Unpack(wire); err != nil {
				t.Fatal(err)
			}
			if got.Rcode != tt.rcode || len(got.Answer) != tt.answers || (got.IsEdns0() != nil) != tt.opt {
				t.Errorf("rcode %s, %d answers, opt %t; want %s, %d, %t", dns.RcodeToString[got.Rcode],
					len(got.Answer), got.IsEdns0() != nil, dns.RcodeToString[tt.rcode], tt.answers, tt.opt)
			}
			if !got.Response || got.Id != tt.req.Id {
				t.Errorf("response %t id %d, want true %d", got.Response, got.Id, tt.req.Id)
			}
			if after := tt.req.String(); before != after {
				t.Error("Answer changed the request")
			}
		})
	}
}

// TestAnswerDropsResponses checks that messages that are themselves
// responses, and nil, get no answer (no loops between servers).
func TestAnswerDropsResponses(t *testing.T) {
	s := newServer(t, testConfig())
	m := new(dns.Msg)
	m.SetQuestion("phoneprov.test.", dns.TypeSOA)
	m.Response = true
	if got := s.Answer(m, true); got != nil {
		t.Errorf("answered a response: %v", got)
	}
	if got := s.Answer(nil, false); got != nil {
		t.Errorf("answered nil: %v", got)
	}
}

// TestAnswerEDNS checks the OPT record of answers: this server's size, the
// DO bit copied, version 0.
func TestAnswerEDNS(t *testing.T) {
	s := newServer(t, testConfig())
	for _, do := range []bool{false, true} {
		m := new(dns.Msg)
		m.SetQuestion("_sip._udp.phoneprov.test.", dns.TypeSRV)
		m.SetEdns0(4096, do)
		opt := s.Answer(m, true).IsEdns0()
		if opt == nil {
			t.Fatal("no OPT in the answer to an EDNS query")
		}
		if opt.UDPSize() != sipdns.DefaultMaxUDPSize || opt.Do() != do || opt.Version() != 0 {
			t.Errorf("OPT size %d do %t version %d, want %d %t 0", opt.UDPSize(), opt.Do(), opt.Version(),
				sipdns.DefaultMaxUDPSize, do)
		}
	}
}

// TestAnswerSharesNothing checks that answers never write into the zone:
// an EDNS answer must not leave its OPT record in the next plain answer,
// and concurrent answers and packing are race free (run with -race).
func TestAnswerSharesNothing(t *testing.T) {
	s := newServer(t, testConfig())
	c := zoneCases()["naptr"]
	withOPT := c.Msg()
	withOPT.SetEdns0(1232, true)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				if _, err := s.Answer(withOPT, true).Pack(); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, udp := range []bool{true, false} {
		if err := c.Over(udp).Check(s.Answer(c.Msg(), udp)); err != nil {
			t.Error(err)
		}
		if opt := s.Answer(c.Msg(), udp).IsEdns0(); opt != nil {
			t.Errorf("plain query got an OPT record: %v", opt)
		}
	}
}
