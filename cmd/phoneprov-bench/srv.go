package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// srvTarget is one SRV record of the registrar.
type srvTarget struct {
	Priority, Weight uint16
	Addr             string // IP:port once resolved (the port alone before)
	Name             string // the record's target host name
}

// ErrNoSRV is a DNS answer without a usable SRV or address record.
var ErrNoSRV = errors.New("no usable record")

// lookupSRV asks server (IP:port, UDP, from local when not nil) for
// _sip._udp.<domain> (or _sip._tcp) as a phone's stub resolver does, picks
// one record (pickSRV with rnd) and returns it with its target's address:
// from the additional section, else (phoneprov's UDP answers carry none)
// from an A query for the target.
func lookupSRV(ctx context.Context, server string, local net.IP, domain, transport string, rnd float64) (srvTarget, error) {
	c := &dns.Client{Net: "udp", Timeout: 2 * time.Second}
	if local != nil {
		c.Dialer = &net.Dialer{LocalAddr: &net.UDPAddr{IP: local}, Timeout: 2 * time.Second}
	}
	ask := func(name string, t uint16) (*dns.Msg, error) {
		q := new(dns.Msg)
		q.SetQuestion(dns.Fqdn(name), t)
		in, _, err := c.ExchangeContext(ctx, q, server)
		if err == nil && in.Rcode != dns.RcodeSuccess {
			err = fmt.Errorf("%s %s: rcode %s", dns.TypeToString[t], name, dns.RcodeToString[in.Rcode])
		}
		return in, err
	}
	owner := "_sip._" + strings.ToLower(transport) + "." + domain
	in, err := ask(owner, dns.TypeSRV)
	if err != nil {
		return srvTarget{}, err
	}
	var ts []srvTarget
	for _, rr := range in.Answer {
		if s, ok := rr.(*dns.SRV); ok && s.Target != "." {
			ts = append(ts, srvTarget{Priority: s.Priority, Weight: s.Weight, Name: strings.TrimSuffix(s.Target, "."),
				Addr: strconv.Itoa(int(s.Port))})
		}
	}
	if len(ts) == 0 {
		return srvTarget{}, fmt.Errorf("the SRV records of %s: %w", owner, ErrNoSRV)
	}
	pick := pickSRV(ts, rnd)
	ip := addressIn(in.Extra, pick.Name)
	if ip == "" {
		a, err := ask(pick.Name, dns.TypeA)
		if err != nil {
			return srvTarget{}, err
		}
		if ip = addressIn(a.Answer, pick.Name); ip == "" {
			return srvTarget{}, fmt.Errorf("address of %s: %w", pick.Name, ErrNoSRV)
		}
	}
	pick.Addr = net.JoinHostPort(ip, pick.Addr)
	return pick, nil
}

// addressIn is the first A or AAAA record of name in rrs, "" when none.
func addressIn(rrs []dns.RR, name string) string {
	name = dns.Fqdn(name)
	for _, rr := range rrs {
		if !strings.EqualFold(rr.Header().Name, name) {
			continue
		}
		switch a := rr.(type) {
		case *dns.A:
			return a.A.String()
		case *dns.AAAA:
			return a.AAAA.String()
		}
	}
	return ""
}

// pickSRV chooses one record as RFC 2782 says: the lowest priority, then
// at random in proportion to weight (records of weight 0 only when all
// are 0). rnd is in [0, 1).
func pickSRV(ts []srvTarget, rnd float64) srvTarget {
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Priority < ts[j].Priority })
	best := ts[:1]
	for len(best) < len(ts) && ts[len(best)].Priority == ts[0].Priority {
		best = ts[:len(best)+1]
	}
	total := 0
	for _, t := range best {
		total += int(t.Weight)
	}
	if total == 0 {
		return best[int(rnd*float64(len(best)))]
	}
	x := int(rnd * float64(total))
	for _, t := range best {
		if x < int(t.Weight) {
			return t
		}
		x -= int(t.Weight)
	}
	return best[len(best)-1]
}
