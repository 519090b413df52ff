package dns_test

import (
	"fmt"
	"net"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// testConfig is the zone most tests query: every service on, one IPv4 and
// one IPv6 address, and a provisioning host inside the zone.
func testConfig() sipdns.Config {
	return sipdns.Config{
		Domain:     "PhoneProv.test.",
		Addresses:  []net.IP{net.ParseIP("192.0.2.10"), net.ParseIP("2001:db8::10")},
		PublicHost: "prov.phoneprov.test",
		SIPUDPPort: 5060,
		SIPTCPPort: 5060,
		SIPSPort:   5061,
		STUNPort:   3478,
	}
}

// bigConfig publishes n IPv4 addresses, so that address answers outgrow
// 512 bytes (n > 30) and the 1232-byte default cap (n > 75).
func bigConfig(n int) sipdns.Config {
	c := testConfig()
	c.Addresses = nil
	for i := range n {
		c.Addresses = append(c.Addresses, net.IPv4(198, 51, 100+byte(i/250), byte(1+i%250)))
	}
	return c
}

// Records of testConfig, in zone file syntax.
const (
	soa      = "phoneprov.test. 300 IN SOA ns.phoneprov.test. hostmaster.phoneprov.test. 1 3600 600 86400 300"
	ns       = "phoneprov.test. 300 IN NS ns.phoneprov.test."
	srvUDP   = "_sip._udp.phoneprov.test. 300 IN SRV 10 10 5060 sip.phoneprov.test."
	srvTCP   = "_sip._tcp.phoneprov.test. 300 IN SRV 10 10 5060 sip.phoneprov.test."
	srvTLS   = "_sips._tcp.phoneprov.test. 300 IN SRV 10 10 5061 sip.phoneprov.test."
	srvSTUN  = "_stun._udp.phoneprov.test. 300 IN SRV 10 10 3478 sip.phoneprov.test."
	naptrUDP = `phoneprov.test. 300 IN NAPTR 10 10 "s" "SIP+D2U" "" _sip._udp.phoneprov.test.`
	naptrTCP = `phoneprov.test. 300 IN NAPTR 20 10 "s" "SIP+D2T" "" _sip._tcp.phoneprov.test.`
	naptrTLS = `phoneprov.test. 300 IN NAPTR 30 10 "s" "SIPS+D2T" "" _sips._tcp.phoneprov.test.`
)

// addrs returns the A and AAAA records of host in testConfig.
func addrs(host string) []string {
	return []string{
		fmt.Sprintf("%s 300 IN A 192.0.2.10", host),
		fmt.Sprintf("%s 300 IN AAAA 2001:db8::10", host),
	}
}

// zoneCases covers every record type, every negative answer and refusal of
// testConfig. Names are in mixed case on purpose: lookups ignore case.
func zoneCases() map[string]dnstest.Case {
	sip := addrs("sip.phoneprov.test.")
	neg := []string{soa}
	return map[string]dnstest.Case{
		"soa":                       {Qname: "phoneprov.test", Qtype: dns.TypeSOA, Answer: []string{soa}},
		"ns":                        {Qname: "phoneprov.test", Qtype: dns.TypeNS, Answer: []string{ns}, Extra: addrs("ns.phoneprov.test.")},
		"srv sip udp":               {Qname: "_sip._udp.phoneprov.test", Qtype: dns.TypeSRV, Answer: []string{srvUDP}, Extra: sip},
		"srv sip tcp":               {Qname: "_sip._tcp.phoneprov.test", Qtype: dns.TypeSRV, Answer: []string{srvTCP}, Extra: sip},
		"srv sips tcp":              {Qname: "_SIPS._tcp.phoneprov.test", Qtype: dns.TypeSRV, Answer: []string{srvTLS}, Extra: sip},
		"srv stun udp":              {Qname: "_stun._udp.phoneprov.test", Qtype: dns.TypeSRV, Answer: []string{srvSTUN}, Extra: sip},
		"naptr":                     {Qname: "phoneprov.test", Qtype: dns.TypeNAPTR, Answer: []string{naptrUDP, naptrTCP, naptrTLS}, Extra: append([]string{srvUDP, srvTCP, srvTLS}, sip...)},
		"naptr edns":                {Qname: "phoneprov.test", Qtype: dns.TypeNAPTR, EDNS: 1232, Answer: []string{naptrUDP, naptrTCP, naptrTLS}, Extra: append([]string{srvUDP, srvTCP, srvTLS}, sip...)},
		"a sip":                     {Qname: "Sip.PhoneProv.Test", Qtype: dns.TypeA, Answer: sip[:1]},
		"aaaa sip":                  {Qname: "sip.phoneprov.test", Qtype: dns.TypeAAAA, Answer: sip[1:]},
		"a apex":                    {Qname: "phoneprov.test", Qtype: dns.TypeA, Answer: addrs("phoneprov.test.")[:1]},
		"aaaa apex":                 {Qname: "phoneprov.test", Qtype: dns.TypeAAAA, Answer: addrs("phoneprov.test.")[1:]},
		"a ns":                      {Qname: "ns.phoneprov.test", Qtype: dns.TypeA, Answer: addrs("ns.phoneprov.test.")[:1]},
		"a public host":             {Qname: "prov.phoneprov.test", Qtype: dns.TypeA, Answer: addrs("prov.phoneprov.test.")[:1]},
		"aaaa public":               {Qname: "prov.phoneprov.test", Qtype: dns.TypeAAAA, Answer: addrs("prov.phoneprov.test.")[1:]},
		"nxdomain":                  {Qname: "nope.phoneprov.test", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: neg},
		"nxdomain below target":     {Qname: "x.sip.phoneprov.test", Qtype: dns.TypeA, Rcode: dns.RcodeNameError, Ns: neg},
		"nxdomain srv":              {Qname: "_sip._sctp.phoneprov.test", Qtype: dns.TypeSRV, Rcode: dns.RcodeNameError, Ns: neg},
		"nodata type":               {Qname: "sip.phoneprov.test", Qtype: dns.TypeMX, Ns: neg},
		"nodata srv a":              {Qname: "_sip._udp.phoneprov.test", Qtype: dns.TypeA, Ns: neg},
		"nodata txt":                {Qname: "phoneprov.test", Qtype: dns.TypeTXT, Ns: neg},
		"nodata empty non-terminal": {Qname: "_udp.phoneprov.test", Qtype: dns.TypeSRV, Ns: neg},
		"any notimp":                {Qname: "phoneprov.test", Qtype: dns.TypeANY, Rcode: dns.RcodeNotImplemented},
		"axfr refused":              {Qname: "phoneprov.test", Qtype: dns.TypeAXFR, Rcode: dns.RcodeRefused},
		"out of zone":               {Qname: "example.com", Qtype: dns.TypeA, Rcode: dns.RcodeRefused},
		"root":                      {Qname: ".", Qtype: dns.TypeNS, Rcode: dns.RcodeRefused},
		"parent":                    {Qname: "test", Qtype: dns.TypeSOA, Rcode: dns.RcodeRefused},
		"suffix only":               {Qname: "xphoneprov.test", Qtype: dns.TypeA, Rcode: dns.RcodeRefused},
		"zone as label":             {Qname: "phoneprov.test.example.com", Qtype: dns.TypeA, Rcode: dns.RcodeRefused},
		"public out of zone":        {Qname: "prov.example.net", Qtype: dns.TypeA, Rcode: dns.RcodeRefused},
	}
}
