package dns_test

import (
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestNewErrors checks that every bad Config is refused with its named error.
func TestNewErrors(t *testing.T) {
	ok := testConfig()
	tests := []struct {
		name string
		edit func(c *sipdns.Config)
		want error
	}{
		{"no addresses", func(c *sipdns.Config) { c.Addresses = nil }, sipdns.ErrNoAddresses},
		{"short ip", func(c *sipdns.Config) { c.Addresses = []net.IP{{1, 2, 3}} }, sipdns.ErrInvalidAddress},
		{"nil ip", func(c *sipdns.Config) { c.Addresses = []net.IP{nil} }, sipdns.ErrInvalidAddress},
		{"unspecified ip", func(c *sipdns.Config) { c.Addresses = []net.IP{net.IPv4zero} }, sipdns.ErrInvalidAddress},
		{"multicast ip", func(c *sipdns.Config) { c.Addresses = []net.IP{net.ParseIP("ff02::1")} }, sipdns.ErrInvalidAddress},
		{"root domain", func(c *sipdns.Config) { c.Domain = "." }, sipdns.ErrInvalidDomain},
		{"empty label", func(c *sipdns.Config) { c.Domain = "a..test" }, sipdns.ErrInvalidDomain},
		{"long label", func(c *sipdns.Config) { c.Domain = strings.Repeat("a", 64) + ".test" }, sipdns.ErrInvalidDomain},
		{"domain too long for srv", func(c *sipdns.Config) { c.Domain = strings.Repeat(strings.Repeat("a", 60)+".", 4) }, sipdns.ErrInvalidDomain},
		{"public host url", func(c *sipdns.Config) { c.PublicHost = "http://prov.phoneprov.test" }, sipdns.ErrInvalidPublicHost},
		{"public host port", func(c *sipdns.Config) { c.PublicHost = "prov.phoneprov.test:8080" }, sipdns.ErrInvalidPublicHost},
		{"negative port", func(c *sipdns.Config) { c.SIPUDPPort = -1 }, sipdns.ErrInvalidPort},
		{"big port", func(c *sipdns.Config) { c.STUNPort = 65536 }, sipdns.ErrInvalidPort},
		{"ttl", func(c *sipdns.Config) { c.TTL = 1 << 31 }, sipdns.ErrInvalidTTL},
		{"udp size small", func(c *sipdns.Config) { c.MaxUDPSize = 511 }, sipdns.ErrInvalidUDPSize},
		{"udp size big", func(c *sipdns.Config) { c.MaxUDPSize = 65536 }, sipdns.ErrInvalidUDPSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.edit(&c)
			s, err := sipdns.New(c)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New() = %v, %v; want %v", s, err, tt.want)
			}
			if msg := err.Error(); strings.ToLower(msg) != msg || strings.HasSuffix(msg, ".") {
				t.Errorf("error text %q: want lower case, no trailing dot", msg)
			}
		})
	}
}

// TestConfigZones checks how Config fields shape the zone: defaults, ports
// switched off, public host forms, duplicate addresses, TTL.
func TestConfigZones(t *testing.T) {
	v4 := net.ParseIP("192.0.2.10")
	tests := []struct {
		name  string
		cfg   sipdns.Config
		cases []dnstest.Case
	}{
		{"defaults", sipdns.Config{Addresses: []net.IP{v4}}, []dnstest.Case{
			{Qname: "phoneprov.test", Qtype: dns.TypeSOA, Answer: []string{soa}},
			{Qname: "phoneprov.test", Qtype: dns.TypeNAPTR, Ns: []string{soa}},
			{Qname: "_sip._udp.phoneprov.test", Qtype: dns.TypeSRV, Rcode: dns.RcodeNameError, Ns: []string{soa}},
		}},
		{"udp only, ttl 60, duplicate addresses", sipdns.Config{Domain: "Example.TEST", Addresses: []net.IP{v4, v4.To4()},
			SIPUDPPort: 5062, TTL: 60, PublicHost: "192.0.2.99"}, []dnstest.Case{
			{Qname: "example.test", Qtype: dns.TypeNAPTR,
				Answer: []string{`example.test. 60 IN NAPTR 10 10 "s" "SIP+D2U" "" _sip._udp.example.test.`},
				Extra:  []string{"_sip._udp.example.test. 60 IN SRV 10 10 5062 sip.example.test.", "sip.example.test. 60 IN A 192.0.2.10"}},
			{Qname: "_sip._tcp.example.test", Qtype: dns.TypeSRV, Rcode: dns.RcodeNameError,
				Ns: []string{"example.test. 60 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60"}},
			{Qname: "sip.example.test", Qtype: dns.TypeAAAA,
				Ns: []string{"example.test. 60 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 60"}},
		}},
		{"public host is the apex", sipdns.Config{Domain: "example.test", PublicHost: "Example.Test.", Addresses: []net.IP{v4}}, []dnstest.Case{
			{Qname: "example.test", Qtype: dns.TypeA, Answer: []string{"example.test. 300 IN A 192.0.2.10"}},
		}},
		{"public host deep in zone", sipdns.Config{Domain: "example.test", PublicHost: "a.b.example.test", Addresses: []net.IP{v4}}, []dnstest.Case{
			{Qname: "a.b.example.test", Qtype: dns.TypeA, Answer: []string{"a.b.example.test. 300 IN A 192.0.2.10"}},
			{Qname: "b.example.test", Qtype: dns.TypeA,
				Ns: []string{"example.test. 300 IN SOA ns.example.test. hostmaster.example.test. 1 3600 600 86400 300"}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.cfg)
			for _, c := range tt.cases {
				if err := c.Check(s.Answer(c.Msg(), false)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}
