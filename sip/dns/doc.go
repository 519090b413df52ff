// Package dns is phoneprov's authoritative DNS responder for the SIP domain:
// it answers SOA, NS, SRV, NAPTR and A/AAAA from a small zone built in memory
// from Config, over UDP and TCP.
//
// The zone for Domain "phoneprov.test" with every service on looks like:
//
//	phoneprov.test.            SOA   ns.phoneprov.test. hostmaster.phoneprov.test. 1 3600 600 86400 300
//	phoneprov.test.            NS    ns.phoneprov.test.
//	phoneprov.test.            NAPTR 10 10 "s" "SIP+D2U"  "" _sip._udp.phoneprov.test.
//	phoneprov.test.            NAPTR 20 10 "s" "SIP+D2T"  "" _sip._tcp.phoneprov.test.
//	phoneprov.test.            NAPTR 30 10 "s" "SIPS+D2T" "" _sips._tcp.phoneprov.test.
//	_sip._udp.phoneprov.test.  SRV   10 10 5060 sip.phoneprov.test.
//	_sip._tcp.phoneprov.test.  SRV   10 10 5060 sip.phoneprov.test.
//	_sips._tcp.phoneprov.test. SRV   10 10 5061 sip.phoneprov.test.
//	_stun._udp.phoneprov.test. SRV   10 10 3478 sip.phoneprov.test.
//	phoneprov.test., sip.phoneprov.test., ns.phoneprov.test. and the
//	public host when it is a name inside the zone: A/AAAA from Config.Addresses
//
// Answers follow RFC 1034/2308/6891/8482: names outside the zone are
// REFUSED, missing names get NXDOMAIN and missing types NODATA, both with
// the SOA in the authority section; ANY gets NOTIMP. SRV, NAPTR and NS
// answers carry the records a client needs next in the additional section.
// UDP answers are cut to the client's EDNS buffer size (512 bytes without
// EDNS) with the TC bit set so that the client retries over TCP.
//
// Import it under another name, e.g. sipdns, next to github.com/miekg/dns.
package dns
