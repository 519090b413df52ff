package dnstest

import (
	"fmt"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Case is one query and the answer expected from the responder.
type Case struct {
	// Qname and Qtype make the question (class IN). Qname need not be
	// fully qualified.
	Qname string
	Qtype uint16
	// EDNS, when not zero, adds an OPT record with this UDP buffer size.
	EDNS uint16
	// Rcode is the response code expected.
	Rcode int
	// Truncated is the TC bit expected.
	Truncated bool
	// Answer, Ns and Extra are the records expected in each section, in
	// zone file syntax and in any order. Extra leaves out the OPT record.
	Answer, Ns, Extra []string
}

// Over returns the case as it is answered over UDP (udp true): minimal,
// without additional records; or unchanged, for TCP.
func (c Case) Over(udp bool) Case {
	if udp {
		c.Extra = nil
	}
	return c
}

// Msg returns the query of the case.
func (c Case) Msg() *dns.Msg {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(c.Qname), c.Qtype)
	if c.EDNS != 0 {
		m.SetEdns0(c.EDNS, false)
	}
	return m
}

// Check compares resp with the case. Answers that come from the zone
// (NOERROR, NXDOMAIN) must be authoritative; others must not.
func (c Case) Check(resp *dns.Msg) error {
	if resp == nil {
		return fmt.Errorf("%s %s: no answer", c.Qname, dns.TypeToString[c.Qtype])
	}
	var errs []string
	if resp.Rcode != c.Rcode {
		errs = append(errs, fmt.Sprintf("rcode %s, want %s", dns.RcodeToString[resp.Rcode], dns.RcodeToString[c.Rcode]))
	}
	wantAA := c.Rcode == dns.RcodeSuccess || c.Rcode == dns.RcodeNameError
	if resp.Authoritative != wantAA {
		errs = append(errs, fmt.Sprintf("aa %t, want %t", resp.Authoritative, wantAA))
	}
	if resp.Truncated != c.Truncated {
		errs = append(errs, fmt.Sprintf("tc %t, want %t", resp.Truncated, c.Truncated))
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, dns.Fqdn(c.Qname)) ||
		resp.Question[0].Qtype != c.Qtype {
		errs = append(errs, fmt.Sprintf("question %v not echoed", resp.Question))
	}
	var extra []dns.RR
	for _, rr := range resp.Extra {
		if rr.Header().Rrtype != dns.TypeOPT {
			extra = append(extra, rr)
		}
	}
	for _, s := range []struct {
		name string
		got  []dns.RR
		want []string
	}{{"answer", resp.Answer, c.Answer}, {"authority", resp.Ns, c.Ns}, {"additional", extra, c.Extra}} {
		if err := sameRecords(s.got, s.want); err != nil {
			errs = append(errs, s.name+": "+err.Error())
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s %s: %s", c.Qname, dns.TypeToString[c.Qtype], strings.Join(errs, "; "))
	}
	return nil
}

// sameRecords compares records with their expected text, ignoring order.
func sameRecords(got []dns.RR, want []string) error {
	g := make([]string, 0, len(got))
	for _, rr := range got {
		g = append(g, rr.String())
	}
	w := make([]string, 0, len(want))
	for _, s := range want {
		rr, err := dns.NewRR(s)
		if err != nil {
			return fmt.Errorf("bad expected record %q: %w", s, err)
		}
		w = append(w, rr.String())
	}
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		return fmt.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(g, "\n\t"), strings.Join(w, "\n\t"))
	}
	return nil
}
