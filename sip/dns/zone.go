package dns

import (
	"fmt"
	"maps"
	"slices"

	"github.com/miekg/dns"
)

// SOA timers, in seconds. No secondary ever reads them (there is no zone
// transfer) but RFC 1035 wants them.
const (
	soaSerial  = 1
	soaRefresh = 3600
	soaRetry   = 600
	soaExpire  = 86400
)

// service is one SRV record and the NAPTR record that points at it.
type service struct {
	owner string // relative to the domain
	naptr string // NAPTR service field; "" for no NAPTR
	order uint16 // NAPTR order
	port  int
}

// services lists the SRV records in the order their NAPTR records rank.
// Order and preference follow the issue: UDP, then TCP, then TLS.
func services(c Config) []service {
	return []service{
		{owner: "_sip._udp", naptr: "SIP+D2U", order: 10, port: c.SIPUDPPort},
		{owner: "_sip._tcp", naptr: "SIP+D2T", order: 20, port: c.SIPTCPPort},
		{owner: "_sips._tcp", naptr: "SIPS+D2T", order: 30, port: c.SIPSPort},
		{owner: "_stun._udp", port: c.STUNPort},
	}
}

// rrset is the answer to one (name, type) and its additional section,
// computed once when the zone is built.
type rrset struct {
	answer []dns.RR
	extra  []dns.RR
}

// zone is the read-only, in-memory zone. Every name holds its records by
// type; empty non-terminals (e.g. _udp.<domain>) are present with no types,
// so they answer NODATA rather than NXDOMAIN (RFC 8020).
type zone struct {
	origin   string
	negative []dns.RR // the authority section of NXDOMAIN and NODATA: the SOA
	names    map[string]map[uint16]*rrset
}

// newZone builds the zone for a Config that went through withDefaults and
// validate.
func newZone(c Config) (*zone, error) {
	d := c.Domain
	z := &zone{origin: d, names: map[string]map[uint16]*rrset{d: {}}}
	hdr := func(name string, t uint16) dns.RR_Header {
		return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: c.TTL}
	}
	sipHost := SIPHost + "." + d
	nsHost := NSHost + "." + d

	soa := &dns.SOA{Hdr: hdr(d, dns.TypeSOA), Ns: nsHost, Mbox: Hostmaster + "." + d,
		Serial: soaSerial, Refresh: soaRefresh, Retry: soaRetry, Expire: soaExpire, Minttl: c.TTL}
	z.negative = []dns.RR{soa}
	z.add(soa)
	z.add(&dns.NS{Hdr: hdr(d, dns.TypeNS), Ns: nsHost})

	hosts := []string{d, sipHost, nsHost}
	if c.PublicHost != "" && publicIP(c.PublicHost) == nil {
		if h := dns.CanonicalName(c.PublicHost); dns.IsSubDomain(d, h) {
			hosts = append(hosts, h)
		}
	}
	for _, h := range hosts {
		for _, ip := range c.Addresses {
			if ip4 := ip.To4(); ip4 != nil {
				z.add(&dns.A{Hdr: hdr(h, dns.TypeA), A: ip4})
			} else {
				z.add(&dns.AAAA{Hdr: hdr(h, dns.TypeAAAA), AAAA: ip.To16()})
			}
		}
	}

	for i, s := range services(c) {
		if len(c.Nodes) > 0 {
			// One SRV record per live node offering the service.
			owner := s.owner + "." + d
			for n, node := range c.Nodes {
				port := []int{node.SIPUDPPort, node.SIPTCPPort, node.SIPSPort, node.STUNPort}[i]
				if port == 0 || node.IP == nil {
					continue
				}
				target := fmt.Sprintf("node%d.%s", n+1, d)
				if ip4 := node.IP.To4(); ip4 != nil {
					z.add(&dns.A{Hdr: hdr(target, dns.TypeA), A: ip4})
				} else {
					z.add(&dns.AAAA{Hdr: hdr(target, dns.TypeAAAA), AAAA: node.IP.To16()})
				}
				z.add(&dns.SRV{Hdr: hdr(owner, dns.TypeSRV), Priority: orDefault(node.Priority), Weight: orDefault(node.Weight),
					Port: uint16(port), Target: target})
				if s.naptr != "" {
					z.add(&dns.NAPTR{Hdr: hdr(d, dns.TypeNAPTR), Order: s.order, Preference: 10,
						Flags: "s", Service: s.naptr, Replacement: owner})
				}
			}
			continue
		}
		if s.port == 0 {
			continue
		}
		owner := s.owner + "." + d
		z.add(&dns.SRV{Hdr: hdr(owner, dns.TypeSRV), Priority: 10, Weight: 10,
			Port: uint16(s.port), Target: sipHost})
		if s.naptr != "" {
			z.add(&dns.NAPTR{Hdr: hdr(d, dns.TypeNAPTR), Order: s.order, Preference: 10,
				Flags: "s", Service: s.naptr, Replacement: owner})
		}
	}

	for name := range z.names {
		if _, ok := dns.IsDomainName(name); !ok || len(name) > 254 {
			return nil, fmt.Errorf("%w: name %q too long", ErrInvalidDomain, name)
		}
	}
	z.addEmptyNonTerminals()
	for _, types := range z.names {
		for _, set := range types {
			set.answer = slices.Clip(set.answer)
			set.extra = z.extraFor(set.answer)
		}
	}
	return z, nil
}

func orDefault(v uint16) uint16 {
	if v == 0 {
		return 10
	}
	return v
}

// add puts rr in the zone, skipping an exact duplicate.
func (z *zone) add(rr dns.RR) {
	h := rr.Header()
	types := z.names[h.Name]
	if types == nil {
		types = map[uint16]*rrset{}
		z.names[h.Name] = types
	}
	set := types[h.Rrtype]
	if set == nil {
		set = &rrset{}
		types[h.Rrtype] = set
	}
	if slices.ContainsFunc(set.answer, func(old dns.RR) bool { return dns.IsDuplicate(old, rr) }) {
		return
	}
	set.answer = append(set.answer, rr)
}

// addEmptyNonTerminals adds every name between an owner and the origin.
func (z *zone) addEmptyNonTerminals() {
	for _, name := range slices.Collect(maps.Keys(z.names)) {
		for n := parent(name); len(n) > len(z.origin); n = parent(n) {
			if _, ok := z.names[n]; !ok {
				z.names[n] = map[uint16]*rrset{}
			}
		}
	}
}

// parent strips the first label of a fully qualified name.
func parent(name string) string {
	off, end := dns.NextLabel(name, 0)
	if end {
		return "."
	}
	return name[off:]
}

// records returns the records of one name and type, or nil.
func (z *zone) records(name string, t uint16) []dns.RR {
	if set := z.names[name][t]; set != nil {
		return set.answer
	}
	return nil
}

// extraFor returns the additional section for an answer: the SRV records
// NAPTR answers point at, then the A/AAAA records of every SRV target and
// name server, each set once.
func (z *zone) extraFor(answer []dns.RR) []dns.RR {
	var extra []dns.RR
	var srvs []*dns.SRV
	var hosts []string
	addHost := func(h string) {
		if !slices.Contains(hosts, h) {
			hosts = append(hosts, h)
		}
	}
	seenSRV := map[string]bool{}
	for _, rr := range answer {
		switch rr := rr.(type) {
		case *dns.SRV:
			srvs = append(srvs, rr)
		case *dns.NS:
			addHost(dns.CanonicalName(rr.Ns))
		case *dns.NAPTR:
			repl := dns.CanonicalName(rr.Replacement)
			if rr.Flags != "s" && rr.Flags != "S" || seenSRV[repl] {
				continue
			}
			seenSRV[repl] = true
			for _, s := range z.records(repl, dns.TypeSRV) {
				extra = append(extra, s)
				srvs = append(srvs, s.(*dns.SRV))
			}
		}
	}
	for _, s := range srvs {
		addHost(dns.CanonicalName(s.Target))
	}
	for _, h := range hosts {
		extra = append(extra, z.records(h, dns.TypeA)...)
		extra = append(extra, z.records(h, dns.TypeAAAA)...)
	}
	return slices.Clip(extra)
}
