package dns

import (
	"strings"

	"github.com/miekg/dns"
)

// Answer returns the response to req as it goes out over UDP (udp true) or
// TCP, or nil when req must get no answer at all (nil, or itself a
// response). It never changes req, does no I/O and is safe for concurrent
// use.
//
// Over UDP the answer is minimal: no additional records but the OPT (a
// NAPTR answer with its SRV and address records would be about ten times
// the size of the query, a gift to reflection attacks; phones ask for the
// SRV and address records next anyway), and the authority section only in
// negative answers, where RFC 2308 needs the SOA. It fits the client's EDNS
// buffer size (512 bytes without EDNS), capped at Config.MaxUDPSize; when
// records had to be left out, the TC bit is set. Over TCP the additional
// section carries the records the answer points at.
func (s *Server) Answer(req *dns.Msg, udp bool) *dns.Msg {
	if req == nil || req.Response {
		return nil
	}
	m := new(dns.Msg)
	m.SetReply(req)
	opts, opt := requestOPT(req)
	switch {
	case req.Opcode != dns.OpcodeQuery:
		m.Rcode = dns.RcodeNotImplemented
	case len(req.Question) != 1 || opts > 1: // RFC 6891 section 6.1.1
		m.Rcode = dns.RcodeFormatError
	case !validName(req.Question[0].Name): // only from callers, never off the wire
		m.Rcode = dns.RcodeFormatError
		m.Question = nil
	case opt != nil && opt.Version() != 0: // RFC 6891 section 6.1.3
		m.Rcode = dns.RcodeBadVers
	default:
		s.zone.Load().answer(m, req.Question[0])
		if udp {
			m.Extra = nil
		}
	}
	if opts == 1 {
		m.Extra = append(m.Extra, s.responseOPT(opt))
	}
	size := dns.MaxMsgSize
	if udp {
		size = s.udpSize(opt)
	}
	m.Truncate(size)
	m.Compress = true
	return m
}

// answer fills m for the question q: the zone lookup proper.
func (z *zone) answer(m *dns.Msg, q dns.Question) {
	name := strings.ToLower(q.Name)
	if q.Qclass != dns.ClassINET || !inZone(name, z.origin) {
		m.Rcode = dns.RcodeRefused
		return
	}
	switch q.Qtype {
	case dns.TypeANY: // RFC 8482 allows refusing ANY; NOTIMP says so plainly
		m.Rcode = dns.RcodeNotImplemented
		return
	case dns.TypeAXFR, dns.TypeIXFR: // no zone transfers
		m.Rcode = dns.RcodeRefused
		return
	}
	m.Authoritative = true
	types, ok := z.names[name]
	if !ok {
		m.Rcode = dns.RcodeNameError
		m.Ns = z.negative
		return
	}
	set := types[q.Qtype]
	if set == nil {
		m.Ns = z.negative // NODATA, RFC 2308 section 2.2
		return
	}
	// The zone's slices are clipped (cap == len): appending to them, as
	// Answer does with the OPT record, copies instead of writing into them.
	m.Answer = set.answer
	m.Extra = set.extra
}

// inZone reports whether the lower-case, fully qualified name is origin or
// below it: origin must follow a label separator, not an escaped dot
// ("a\.zone." is the label "a.zone" in the parent). It does not allocate,
// unlike dns.IsSubDomain.
func inZone(name, origin string) bool {
	if name == origin {
		return true
	}
	i := len(name) - len(origin) - 1 // where the separating dot must be
	if i < 1 || name[i] != '.' || name[i+1:] != origin {
		return false
	}
	backslashes := 0
	for j := i - 1; j >= 0 && name[j] == '\\'; j-- {
		backslashes++
	}
	return backslashes%2 == 0
}

// validName reports whether name is a fully qualified name that packs.
func validName(name string) bool {
	_, ok := dns.IsDomainName(name)
	return ok && dns.IsFqdn(name)
}

// requestOPT counts the OPT records of req and returns the last one.
func requestOPT(req *dns.Msg) (int, *dns.OPT) {
	var n int
	var opt *dns.OPT
	for _, rr := range req.Extra {
		if o, ok := rr.(*dns.OPT); ok {
			n++
			opt = o
		}
	}
	return n, opt
}

// responseOPT is the OPT record of an answer to a query that carried reqOPT:
// version 0, this server's UDP size, and the DO bit copied (RFC 3225).
func (s *Server) responseOPT(reqOPT *dns.OPT) *dns.OPT {
	o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	o.SetUDPSize(uint16(s.cfg.MaxUDPSize))
	if reqOPT.Do() {
		o.SetDo()
	}
	return o
}

// udpSize is the largest UDP answer for a query that carried opt (or none).
func (s *Server) udpSize(opt *dns.OPT) int {
	if opt == nil {
		return dns.MinMsgSize
	}
	size := int(opt.UDPSize())
	return min(max(size, dns.MinMsgSize), s.cfg.MaxUDPSize)
}
