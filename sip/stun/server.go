package stun

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// readBufferSize is the datagram buffer of each reading goroutine; longer
// datagrams are truncated and so dropped as malformed.
const readBufferSize = 2048

// Server answers STUN Binding requests on the PacketConns given to Serve.
type Server struct {
	cfg   Config
	lim   *limiter
	mu    sync.Mutex
	conns map[net.PacketConn]struct{}
	done  bool
	warn  sync.Once // logs the first source-table overflow
}

// New validates cfg (after applying defaults) and returns a Server.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Server{
		cfg:   cfg,
		lim:   newLimiter(cfg.RatePerSecond, cfg.Burst, cfg.MaxSources),
		conns: make(map[net.PacketConn]struct{}),
	}, nil
}

// udpConn is the allocation-free interface *net.UDPConn offers.
type udpConn interface {
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
}

// Serve answers datagrams read from pc with Config.Workers goroutines until
// pc fails or Close is called. It closes pc before returning, and returns
// nil after Close, ErrServerClosed when called after Close, and the read
// error otherwise. Write errors are logged at debug level and skipped.
func (s *Server) Serve(pc net.PacketConn) error {
	if pc == nil {
		return ErrNilConn
	}
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return ErrServerClosed
	}
	s.conns[pc] = struct{}{}
	s.mu.Unlock()

	errs := make(chan error, s.cfg.Workers)
	for range s.cfg.Workers {
		go func() { errs <- s.serveLoop(pc) }()
	}
	var first error
	for i := range s.cfg.Workers {
		err := <-errs
		if i == 0 {
			first = err
			_ = pc.Close() // stops the other workers
		}
	}
	s.mu.Lock()
	delete(s.conns, pc)
	closed := s.done
	s.mu.Unlock()
	if closed {
		return nil
	}
	return fmt.Errorf("stun: serve %s: %w", pc.LocalAddr(), first)
}

// serveLoop is one reading goroutine; it returns the read error.
func (s *Server) serveLoop(pc net.PacketConn) error {
	in := make([]byte, readBufferSize)
	out := make([]byte, BufferSize)
	uc, fast := pc.(udpConn)
	for {
		var n int
		var src netip.AddrPort
		var from net.Addr
		var err error
		if fast {
			n, src, err = uc.ReadFromUDPAddrPort(in)
		} else {
			n, from, err = pc.ReadFrom(in)
			if ua, ok := from.(*net.UDPAddr); ok {
				src = ua.AddrPort()
			}
		}
		if err != nil {
			return err
		}
		resp, o := Handle(in[:n], src, s.cfg.Software, out)
		if resp != nil {
			ok, overflowed := s.lim.allow(src.Addr(), time.Now())
			if overflowed {
				s.warn.Do(func() {
					s.cfg.Logger.Warn("stun: source table full, new sources share one bucket",
						"max_sources", s.cfg.MaxSources)
				})
			}
			if !ok {
				o, resp = OutcomeThrottled, nil
			}
		}
		if resp != nil {
			if fast {
				_, err = uc.WriteToUDPAddrPort(resp, src)
			} else {
				_, err = pc.WriteTo(resp, from)
			}
			if err != nil && !errors.Is(err, net.ErrClosed) {
				s.cfg.Logger.Debug("stun: write", "to", src, "err", err)
			}
		}
		if s.cfg.OnRequest != nil {
			s.cfg.OnRequest(o.String())
		}
	}
}

// Close stops every Serve call, which then return nil, and makes later
// Serve calls return ErrServerClosed. It closes the PacketConns being
// served and returns the first error from closing them.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = true
	var first error
	for pc := range s.conns {
		if err := pc.Close(); err != nil && first == nil && !errors.Is(err, net.ErrClosed) {
			first = fmt.Errorf("stun: close %s: %w", pc.LocalAddr(), err)
		}
	}
	return first
}
