package dns

import (
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultDomain     = "phoneprov.test"
	DefaultTTL        = 300
	DefaultMaxUDPSize = 1232 // DNS flag day 2020: no IP fragmentation
	DefaultRateLimit  = 200
)

// Fixed names inside the zone, relative to Domain.
const (
	// SIPHost is the label of the host every SRV record points at.
	SIPHost = "sip"
	// NSHost is the label of the name server host named by NS and SOA.
	NSHost = "ns"
	// Hostmaster is the label of the SOA contact mailbox.
	Hostmaster = "hostmaster"
)

// maxTTL is the largest TTL RFC 2181 section 8 allows.
const maxTTL = 1<<31 - 1

// Config describes the zone and the server. The zero value of every field
// but Addresses is usable.
type Config struct {
	// Domain is the zone served (the SIP domain, --domain), with or without
	// the trailing dot, in any case. Default "phoneprov.test".
	Domain string
	// Addresses are published as A (IPv4) and AAAA (IPv6) records for the
	// apex, sip.<Domain>, ns.<Domain> and PublicHost when it is a name inside
	// Domain. Required: at least one unicast IP.
	Addresses []net.IP
	// PublicHost is the provisioning host (--public-host): an IP or a host
	// name. A name inside Domain gets A/AAAA records from Addresses; an IP or
	// a name outside Domain adds nothing. Default "" (none).
	PublicHost string
	// SIPUDPPort is the port of the registrar over UDP, published as
	// _sip._udp SRV and a SIP+D2U NAPTR. Default 0: no such records.
	SIPUDPPort int
	// SIPTCPPort is the port of the registrar over TCP, published as
	// _sip._tcp SRV and a SIP+D2T NAPTR. Default 0: no such records.
	SIPTCPPort int
	// SIPSPort is the port of the registrar over TLS, published as
	// _sips._tcp SRV and a SIPS+D2T NAPTR. Default 0: no such records.
	SIPSPort int
	// STUNPort is the port of the STUN responder, published as _stun._udp
	// SRV. Default 0: no such record.
	STUNPort int
	// TTL is the time to live in seconds of every record, and the negative
	// caching TTL of the SOA. Default 300.
	TTL uint32
	// MaxUDPSize caps the size of UDP answers in bytes, whatever EDNS buffer
	// size the client offers; it is also the size this server advertises.
	// Clients without EDNS get at most 512 bytes. Default 1232; 512-65535.
	MaxUDPSize int
	// RateLimit is the number of UDP answers per second allowed to one
	// source (an IPv4 address or an IPv6 /64). Past it, every other answer
	// goes out empty with the TC bit set, so genuine clients retry over TCP,
	// and the others are dropped: a spoofed source gets at most half the
	// bytes sent in its name. A full table (16,384 sources in a second)
	// slips every answer to a new source. TCP is not limited. Default 0 means 200;
	// negative turns the limit off.
	RateLimit int
	// Logger receives debug lines about failed writes. Default: discard.
	Logger *slog.Logger
	// OnQuery, if set, is called with the response code of every answer
	// written, e.g. for metrics. It must be safe for concurrent use.
	// Default nil.
	OnQuery func(rcode int)
	// Nodes, when set, are the live nodes of a cluster serving the domain
	// (see Server.SetNodes): each gets its own name node<N>.<domain> with
	// its address, and one SRV record per service it offers, instead of
	// the single SIPHost record. Default: none.
	Nodes []Node
}

// Node is one cluster node in the SRV records.
type Node struct {
	IP                                         net.IP
	SIPUDPPort, SIPTCPPort, SIPSPort, STUNPort int
	// Priority and Weight of its SRV records (RFC 2782). Default 10, 10.
	Priority, Weight uint16
}

// withDefaults returns a copy of c with defaults applied to zero fields and
// names in canonical form.
func (c Config) withDefaults() Config {
	if strings.TrimSpace(c.Domain) == "" {
		c.Domain = DefaultDomain
	}
	c.Domain = dns.CanonicalName(strings.TrimSpace(c.Domain))
	c.PublicHost = strings.TrimSpace(c.PublicHost)
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	if c.MaxUDPSize == 0 {
		c.MaxUDPSize = DefaultMaxUDPSize
	}
	if c.RateLimit == 0 {
		c.RateLimit = DefaultRateLimit
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate checks a Config that went through withDefaults.
func (c Config) validate() error {
	if c.Domain == "." {
		return fmt.Errorf("%w %q: the root zone", ErrInvalidDomain, c.Domain)
	}
	if _, ok := dns.IsDomainName(c.Domain); !ok {
		return fmt.Errorf("%w %q", ErrInvalidDomain, c.Domain)
	}
	if len(c.Addresses) == 0 {
		return ErrNoAddresses
	}
	for _, ip := range c.Addresses {
		if !usableIP(ip) {
			return fmt.Errorf("%w %q", ErrInvalidAddress, ip.String())
		}
	}
	if c.PublicHost != "" && publicIP(c.PublicHost) == nil {
		if _, ok := dns.IsDomainName(c.PublicHost); !ok || strings.ContainsAny(c.PublicHost, ":/ ") {
			return fmt.Errorf("%w %q", ErrInvalidPublicHost, c.PublicHost)
		}
	}
	ports := []struct {
		name string
		port int
	}{{"sip udp", c.SIPUDPPort}, {"sip tcp", c.SIPTCPPort}, {"sips", c.SIPSPort}, {"stun", c.STUNPort}}
	for _, p := range ports {
		if p.port < 0 || p.port > 65535 {
			return fmt.Errorf("%w for %s: %d", ErrInvalidPort, p.name, p.port)
		}
	}
	if c.TTL > maxTTL {
		return fmt.Errorf("%w: %d", ErrInvalidTTL, c.TTL)
	}
	if c.MaxUDPSize < dns.MinMsgSize || c.MaxUDPSize > dns.MaxMsgSize {
		return fmt.Errorf("%w: %d", ErrInvalidUDPSize, c.MaxUDPSize)
	}
	return nil
}

// usableIP reports whether ip can be published in an A or AAAA record.
func usableIP(ip net.IP) bool {
	if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
		return false
	}
	return !ip.IsUnspecified() && !ip.IsMulticast()
}

// publicIP returns the IP in host ("192.0.2.1", "2001:db8::1" or
// "[2001:db8::1]"), or nil when host is not an IP.
func publicIP(host string) net.IP {
	return net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
}
