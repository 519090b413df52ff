package main

import (
	"context"
	"net"
	"testing"
	"time"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
)

// pickSRV follows RFC 2782: the lowest priority wins; among its records
// the choice is in proportion to weight.
func TestPickSRV(t *testing.T) {
	ts := []srvTarget{
		{Priority: 20, Weight: 90, Name: "backup"},
		{Priority: 10, Weight: 1, Name: "light"},
		{Priority: 10, Weight: 3, Name: "heavy"},
	}
	for _, c := range []struct {
		rnd  float64
		want string
	}{{0, "light"}, {0.24, "light"}, {0.25, "heavy"}, {0.99, "heavy"}} {
		if got := pickSRV(append([]srvTarget(nil), ts...), c.rnd); got.Name != c.want {
			t.Errorf("pickSRV(rnd %v) = %s, want %s", c.rnd, got.Name, c.want)
		}
	}
	zero := []srvTarget{{Priority: 5, Name: "a"}, {Priority: 5, Name: "b"}}
	if a, b := pickSRV(zero, 0.1).Name, pickSRV(zero, 0.9).Name; a != "a" || b != "b" {
		t.Errorf("weights all 0: %s, %s; want a, b", a, b)
	}
}

// lookupSRV against phoneprov's DNS responder on a real socket: its UDP
// answers carry no additional records, so the target's A record is asked
// for; the choice follows the weights and never takes the backup node.
func TestLookupSRV(t *testing.T) {
	srv, err := sipdns.New(sipdns.Config{Domain: "phoneprov.test", Addresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		SIPUDPPort: 5060, RateLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.SetNodes([]sipdns.Node{
		{IP: net.IPv4(127, 0, 0, 2), SIPUDPPort: 5062, Priority: 10, Weight: 10},
		{IP: net.IPv4(127, 0, 0, 3), SIPUDPPort: 5063, Priority: 10, Weight: 30},
		{IP: net.IPv4(127, 0, 0, 4), SIPUDPPort: 5064, Priority: 20, Weight: 10},
	}); err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeUDP(pc)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	got := map[string]int{}
	for i := range 40 {
		p, err := lookupSRV(ctx, pc.LocalAddr().String(), net.IPv4(127, 0, 0, 1), "phoneprov.test", "udp", float64(i)/40)
		if err != nil {
			t.Fatal(err)
		}
		got[p.Addr]++
	}
	if got["127.0.0.2:5062"] != 10 || got["127.0.0.3:5063"] != 30 || len(got) != 2 {
		t.Fatalf("choices over 40 evenly spread draws: %v; want 10 × node 1, 30 × node 2, never the backup", got)
	}
	if _, err := lookupSRV(ctx, pc.LocalAddr().String(), nil, "phoneprov.test", "tls", 0); err == nil {
		t.Fatal("lookup of _sip._tls (no such records): no error")
	}
}
