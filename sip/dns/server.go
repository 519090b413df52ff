package dns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/miekg/dns"

	"github.com/phoneprov/phoneprov/sip/srclimit"
)

// maxSources bounds the sources the rate limiter tracks in one second.
const maxSources = 16384

// udpReadSize is the read buffer for UDP queries; queries are small, but
// EDNS options may make them larger than 512 bytes.
const udpReadSize = dns.DefaultMsgSize

// Server answers DNS queries for one zone. Build it with New; serve it with
// ServeUDP and ServeTCP, once per connection, and stop it with Shutdown.
type Server struct {
	cfg     Config
	zone    atomic.Pointer[zone]
	limiter *srclimit.Limiter // nil when the rate limit is off

	mu      sync.Mutex
	closed  bool
	running []*running
}

// running is one miekg/dns server started by ServeUDP or ServeTCP.
type running struct {
	srv     *dns.Server
	started chan struct{} // closed once srv accepts queries
	done    chan struct{} // closed once srv returned
}

var _ dns.Handler = (*Server)(nil)

// New checks cfg, applies its defaults and builds the zone.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("dns config: %w", err)
	}
	z, err := newZone(cfg)
	if err != nil {
		return nil, fmt.Errorf("dns config: %w", err)
	}
	s := &Server{cfg: cfg}
	s.zone.Store(z)
	if cfg.RateLimit > 0 {
		s.limiter = srclimit.New(cfg.RateLimit, maxSources, nil)
	}
	return s, nil
}

// SetNodes replaces the cluster's live nodes in the SRV records (see
// Config.Nodes); queries see the old zone or the new one, never a mix.
func (s *Server) SetNodes(nodes []Node) error {
	cfg := s.cfg
	cfg.Nodes = nodes
	z, err := newZone(cfg)
	if err != nil {
		return err
	}
	s.zone.Store(z)
	return nil
}

// ServeUDP answers queries arriving on pc until Shutdown, then returns nil.
// It closes pc on return. After Shutdown it closes pc and returns
// ErrServerClosed.
func (s *Server) ServeUDP(pc net.PacketConn) error {
	if pc == nil {
		return fmt.Errorf("serving dns over udp: %w", ErrNoListener)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { s.serve(w, r, true) })
	srv := &dns.Server{PacketConn: pc, Handler: h, UDPSize: udpReadSize}
	if err := s.run(srv, pc); err != nil {
		return fmt.Errorf("serving dns over udp on %s: %w", pc.LocalAddr(), err)
	}
	return nil
}

// ServeTCP answers queries on connections accepted from l until Shutdown,
// then returns nil. It closes l on return. After Shutdown it closes l and
// returns ErrServerClosed.
func (s *Server) ServeTCP(l net.Listener) error {
	if l == nil {
		return fmt.Errorf("serving dns over tcp: %w", ErrNoListener)
	}
	h := dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) { s.serve(w, r, false) })
	srv := &dns.Server{Listener: l, Handler: h}
	if err := s.run(srv, l); err != nil {
		return fmt.Errorf("serving dns over tcp on %s: %w", l.Addr(), err)
	}
	return nil
}

// run registers srv for Shutdown and serves until it stops.
func (s *Server) run(srv *dns.Server, c interface{ Close() error }) error {
	r := &running{srv: srv, started: make(chan struct{}), done: make(chan struct{})}
	srv.NotifyStartedFunc = func() { close(r.started) }
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.Close()
		return ErrServerClosed
	}
	s.running = append(s.running, r)
	s.mu.Unlock()
	defer close(r.done)
	return srv.ActivateAndServe()
}

// Shutdown stops every ServeUDP and ServeTCP, lets queries in flight finish
// and waits for them until ctx ends. Later Serve calls fail with
// ErrServerClosed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	rs := slices.Clone(s.running)
	s.mu.Unlock()
	var errs []error
	for _, r := range rs {
		select {
		case <-r.started:
		case <-r.done:
		case <-ctx.Done():
			return fmt.Errorf("dns shutdown: %w", ctx.Err())
		}
		select {
		case <-r.done:
			continue // already stopped on its own
		default:
		}
		if err := r.srv.ShutdownContext(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("dns shutdown: %w", err)
	}
	return nil
}

// ServeDNS answers one query; a TCP remote address means TCP, anything else
// datagrams. ServeUDP and ServeTCP use it with the transport known.
func (s *Server) ServeDNS(w dns.ResponseWriter, r *dns.Msg) {
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	s.serve(w, r, !tcp)
}

// serve answers r on w, applying the UDP rate limit.
func (s *Server) serve(w dns.ResponseWriter, r *dns.Msg, udp bool) {
	m := s.Answer(r, udp)
	if m == nil {
		return
	}
	if udp && s.limiter != nil {
		// Past the limit every other answer slips (empty, TC set) and the
		// rest are dropped: a genuine client retries, over TCP after a
		// slip, and a spoofed victim gets at most half the query bytes.
		switch over := s.limiter.Over(sourceOf(w.RemoteAddr())); {
		case over == 0:
		case over%2 == 0:
			return
		default:
			slip(m)
		}
	}
	if err := w.WriteMsg(m); err != nil {
		s.cfg.Logger.Debug("dns write failed", "remote", w.RemoteAddr().String(), "err", err)
		return
	}
	if s.cfg.OnQuery != nil {
		s.cfg.OnQuery(m.Rcode)
	}
}

// slip empties m down to its header, question and OPT record and sets TC:
// the answer to a source over its rate limit. It is no larger than the
// query, and a genuine client retries over TCP.
func slip(m *dns.Msg) {
	m.Answer, m.Ns = nil, nil
	var opt []dns.RR
	if o := m.IsEdns0(); o != nil {
		opt = []dns.RR{o}
	}
	m.Extra = opt
	m.Truncated = true
}

// sourceOf returns the IP of a remote address, or the zero Addr.
func sourceOf(a net.Addr) netip.Addr {
	if u, ok := a.(*net.UDPAddr); ok {
		return u.AddrPort().Addr().Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}
