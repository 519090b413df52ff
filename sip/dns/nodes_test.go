package dns_test

import (
	"net"
	"sort"
	"strconv"
	"testing"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
)

// SetNodes puts one SRV record per live node (own name, own address, own
// port) in the zone, and takes a node out when it leaves the list.
func TestSetNodes(t *testing.T) {
	s := newServer(t, testConfig())
	srvs := func(name string) []string {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(name, dns.TypeSRV)
		resp := s.Answer(m, false)
		var out []string
		addr := map[string]string{}
		for _, rr := range resp.Extra {
			if a, ok := rr.(*dns.A); ok {
				addr[a.Hdr.Name] = a.A.String()
			}
		}
		for _, rr := range resp.Answer {
			r := rr.(*dns.SRV)
			out = append(out, r.Target+" "+addr[r.Target]+" "+itoa(r.Port)+" "+itoa(r.Priority)+"/"+itoa(r.Weight))
		}
		sort.Strings(out)
		return out
	}
	nodes := []sipdns.Node{
		{IP: net.ParseIP("127.0.0.2"), SIPUDPPort: 5060, SIPTCPPort: 5060, STUNPort: 3478},
		{IP: net.ParseIP("127.0.0.3"), SIPUDPPort: 5062, SIPTCPPort: 5062, Priority: 20, Weight: 5},
	}
	if err := s.SetNodes(nodes); err != nil {
		t.Fatal(err)
	}
	got := srvs("_sip._udp.phoneprov.test.")
	want := []string{"node1.phoneprov.test. 127.0.0.2 5060 10/10", "node2.phoneprov.test. 127.0.0.3 5062 20/5"}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("_sip._udp with two nodes: %q, want %q", got, want)
	}
	if got := srvs("_stun._udp.phoneprov.test."); len(got) != 1 {
		t.Fatalf("_stun._udp: %q, want node1 only", got)
	}
	if err := s.SetNodes(nodes[1:]); err != nil {
		t.Fatal(err)
	}
	if got := srvs("_sip._udp.phoneprov.test."); len(got) != 1 || got[0] != "node1.phoneprov.test. 127.0.0.3 5062 20/5" {
		t.Fatalf("_sip._udp after node 1 left: %q", got)
	}
}

func itoa(v uint16) string { return strconv.Itoa(int(v)) }
