package dns_test

import (
	"context"
	"errors"
	"maps"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// TestServeAfterShutdown checks that Serve calls after Shutdown fail with
// ErrServerClosed and close what they were given, and that nil listeners
// are refused.
func TestServeAfterShutdown(t *testing.T) {
	s := newServer(t, testConfig())
	if err := s.ServeUDP(nil); !errors.Is(err, sipdns.ErrNoListener) {
		t.Errorf("ServeUDP(nil) = %v, want ErrNoListener", err)
	}
	if err := s.ServeTCP(nil); !errors.Is(err, sipdns.ErrNoListener) {
		t.Errorf("ServeTCP(nil) = %v, want ErrNoListener", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown of an idle server: %v", err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ServeUDP(pc); !errors.Is(err, sipdns.ErrServerClosed) {
		t.Errorf("ServeUDP after Shutdown = %v, want ErrServerClosed", err)
	}
	if err := s.ServeTCP(l); !errors.Is(err, sipdns.ErrServerClosed) {
		t.Errorf("ServeTCP after Shutdown = %v, want ErrServerClosed", err)
	}
	if _, err := pc.WriteTo([]byte{0}, pc.LocalAddr()); !errors.Is(err, net.ErrClosed) {
		t.Errorf("packet conn still open: %v", err)
	}
	if _, err := l.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("listener still open: %v", err)
	}
}

// TestShutdownWithOpenConnection checks that an idle TCP client does not
// hold Shutdown up, and that both Serve calls return nil.
func TestShutdownWithOpenConnection(t *testing.T) {
	s := newServer(t, testConfig())
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { errs <- s.ServeUDP(pc) }()
	go func() { errs <- s.ServeTCP(l) }()

	conn, err := dns.DialTimeout("tcp", l.Addr().String(), dnstest.Timeout)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := zoneCases()["soa"]
	if err := conn.WriteMsg(c.Msg()); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(dnstest.Timeout))
	resp, err := conn.ReadMsg()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Check(resp); err != nil {
		t.Error(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	start := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Shutdown took %v with an idle connection", d)
	}
	for range 2 {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("Serve returned %v after Shutdown, want nil", err)
			}
		case <-ctx.Done():
			t.Fatal("Serve did not return after Shutdown")
		}
	}
}

// TestServeDNSHandler runs the exported handler under a plain miekg/dns
// server: it must tell TCP from UDP by itself (no truncation over TCP).
func TestServeDNSHandler(t *testing.T) {
	s := newServer(t, bigConfig(100))
	for _, network := range []string{"udp", "tcp"} {
		t.Run(network, func(t *testing.T) {
			srv := &dns.Server{Handler: s}
			var addr string
			if network == "udp" {
				pc, err := net.ListenPacket("udp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv.PacketConn, addr = pc, pc.LocalAddr().String()
			} else {
				l, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				srv.Listener, addr = l, l.Addr().String()
			}
			started := make(chan struct{})
			srv.NotifyStartedFunc = func() { close(started) }
			done := make(chan error, 1)
			go func() { done <- srv.ActivateAndServe() }()
			<-started
			defer func() {
				srv.Shutdown()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			req := new(dns.Msg)
			req.SetQuestion("sip.phoneprov.test.", dns.TypeA)
			resp, err := dnstest.Exchange(network, addr, req)
			if err != nil {
				t.Fatal(err)
			}
			wantTC, wantMax := network == "udp", 100
			if network == "udp" {
				wantMax = 30
			}
			if resp.Truncated != wantTC || len(resp.Answer) > wantMax || len(resp.Answer) == 0 {
				t.Errorf("tc %t with %d answers, want tc %t and 1-%d", resp.Truncated, len(resp.Answer), wantTC, wantMax)
			}
		})
	}
}

// TestOnQuery checks that the hook sees the rcode of every answer written.
func TestOnQuery(t *testing.T) {
	var mu sync.Mutex
	got := map[int]int{}
	cfg := testConfig()
	cfg.OnQuery = func(rcode int) {
		mu.Lock()
		got[rcode]++
		mu.Unlock()
	}
	srv := dnstest.Start(t, cfg)
	cases := zoneCases()
	for _, name := range []string{"soa", "nxdomain", "out of zone", "any notimp"} {
		if _, err := dnstest.Exchange("udp", srv.UDPAddr, cases[name].Msg()); err != nil {
			t.Fatal(err)
		}
	}
	want := map[int]int{dns.RcodeSuccess: 1, dns.RcodeNameError: 1, dns.RcodeRefused: 1, dns.RcodeNotImplemented: 1}
	// The hook runs after the write, so the client may see the last answer
	// first: poll for a bounded time.
	deadline := time.Now().Add(dnstest.Timeout)
	for {
		mu.Lock()
		same := maps.Equal(got, want)
		seen := maps.Clone(got)
		mu.Unlock()
		if same {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("OnQuery saw %v, want %v", seen, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
