// Package dnstest runs phoneprov's DNS responder on loopback for tests and
// checks its answers against expected records.
package dnstest

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"

	sipdns "github.com/phoneprov/phoneprov/sip/dns"
)

// Timeout bounds every exchange and the shutdown of a Server.
const Timeout = 5 * time.Second

// Server is a DNS responder serving UDP and TCP on 127.0.0.1.
type Server struct {
	*sipdns.Server
	// UDPAddr and TCPAddr are the "127.0.0.1:port" addresses served; the
	// port is the same.
	UDPAddr, TCPAddr string
}

// Start builds a responder from cfg and serves it over UDP and TCP on one
// free port of 127.0.0.1. When the test ends it shuts the responder down and fails the
// test if a Serve method returned an error or did not return in Timeout.
func Start(tb testing.TB, cfg sipdns.Config) *Server {
	tb.Helper()
	srv, err := sipdns.New(cfg)
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	pc, l, err := listen()
	if err != nil {
		tb.Fatalf("dnstest: %v", err)
	}
	errs := make(chan error, 2)
	go func() { errs <- srv.ServeUDP(pc) }()
	go func() { errs <- srv.ServeTCP(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("dnstest: %v", err)
		}
		for range 2 {
			select {
			case err := <-errs:
				if err != nil {
					tb.Errorf("dnstest: %v", err)
				}
			case <-ctx.Done():
				tb.Errorf("dnstest: serve did not return after shutdown")
				return
			}
		}
	})
	return &Server{Server: srv, UDPAddr: pc.LocalAddr().String(), TCPAddr: l.Addr().String()}
}

// listen binds TCP and UDP on one free port of 127.0.0.1, as --dns-addr
// does, so that clients retrying over TCP (dig) find the server.
func listen() (net.PacketConn, net.Listener, error) {
	var err error
	for range 20 {
		var l net.Listener
		l, err = net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, err
		}
		var pc net.PacketConn
		pc, err = net.ListenPacket("udp", l.Addr().String())
		if err == nil {
			return pc, l, nil
		}
		l.Close() // the UDP port is taken: try another port
	}
	return nil, nil, fmt.Errorf("no port free for both udp and tcp: %w", err)
}

// Exchange sends req over network ("udp" or "tcp") to addr and returns the
// answer. A UDP answer with TC set is returned as is, not retried over TCP.
func Exchange(network, addr string, req *dns.Msg) (*dns.Msg, error) {
	c := &dns.Client{Net: network, Timeout: Timeout, UDPSize: dns.MaxMsgSize}
	resp, _, err := c.Exchange(req, addr)
	if err != nil {
		return nil, fmt.Errorf("dnstest: exchange over %s with %s: %w", network, addr, err)
	}
	return resp, nil
}

// Addr returns the server address for network "udp" or "tcp".
func (s *Server) Addr(network string) string {
	if network == "tcp" {
		return s.TCPAddr
	}
	return s.UDPAddr
}
