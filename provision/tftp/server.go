// Package tftp is a read-only TFTP server (RFC 1350) with the option
// extension, block size, timeout and transfer size options of RFC 2347,
// 2348 and 2349.
package tftp

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// Source gives the file a client asks for. Any error is answered with
// TFTP error 1 "File not found", whatever the reason, as the HTTP config
// routes answer every refusal with the same 404.
type Source interface {
	Open(ctx context.Context, from netip.AddrPort, name string) (File, error)
}

// File is an open file: its size and its bytes at any offset. A
// *bytes.Reader is one; when a File is also an io.Closer it is closed
// once its transfer ends.
type File interface {
	io.ReaderAt
	Size() int64
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context, from netip.AddrPort, name string) (File, error)

// Open calls f.
func (f SourceFunc) Open(ctx context.Context, from netip.AddrPort, name string) (File, error) {
	return f(ctx, from, name)
}

// MaxNetascii is the largest file sent in netascii mode, which is
// converted in memory (configs, not firmware images).
const MaxNetascii = 16 << 20

// Option limits (RFC 2348, RFC 2349).
const (
	MinBlockSize = 8
	MaxBlockSize = 65464
)

// Config configures a Server.
type Config struct {
	// Source answers read requests. Required.
	Source Source
	// MaxTransfers bounds the transfers running at once; a request past
	// it is dropped (the client retransmits it). Default 64.
	MaxTransfers int
	// MaxPerSource bounds the transfers from one IP address. Default 4.
	MaxPerSource int
	// BlockSize caps the blksize option (8..65464); a client asking for
	// more gets this. Default 1468 (an Ethernet frame without IP
	// fragments).
	BlockSize int
	// Timeout is the retransmission timeout until a client's timeout
	// option (1..255 s) says otherwise. Default 2 s.
	Timeout time.Duration
	// Retries is how often a packet is sent again before the transfer
	// is given up. Default 5.
	Retries int
	// OpenTimeout bounds Source.Open. Default 10 s.
	OpenTimeout time.Duration
	// OnDropped is called for each request dropped because a cap was
	// reached. Optional.
	OnDropped func()
	// Logger; default slog.Default().
	Logger *slog.Logger
}

func (c *Config) defaults() error {
	if c.Source == nil {
		return errors.New("tftp: config needs a Source")
	}
	if c.MaxTransfers <= 0 {
		c.MaxTransfers = 64
	}
	if c.MaxPerSource <= 0 {
		c.MaxPerSource = 4
	}
	if c.BlockSize == 0 {
		c.BlockSize = 1468
	}
	if c.BlockSize < MinBlockSize || c.BlockSize > MaxBlockSize {
		return errors.New("tftp: BlockSize must be 8..65464")
	}
	if c.Timeout <= 0 {
		c.Timeout = 2 * time.Second
	}
	if c.Retries <= 0 {
		c.Retries = 5
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// Server serves read requests. Build it with New, run it with Serve.
type Server struct {
	cfg      Config
	mu       sync.Mutex
	running  int
	bySource map[netip.Addr]int
	byPeer   map[netip.AddrPort]bool
}

// New checks cfg and returns a server.
func New(cfg Config) (*Server, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, bySource: map[netip.Addr]int{}, byPeer: map[netip.AddrPort]bool{}}, nil
}

// Serve answers the requests arriving on conn until ctx ends or conn
// fails; each transfer runs on its own ephemeral UDP socket (its TID) on
// conn's address. Serve closes conn and waits for the transfers to end
// before it returns.
func (s *Server) Serve(ctx context.Context, conn net.PacketConn) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		conn.Close()
		wg.Wait()
	}()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	buf := make([]byte, 2048)
	for {
		n, addr, err := conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		peer, ok := addrPort(addr)
		if !ok {
			continue
		}
		p, err := ParsePacket(buf[:n])
		switch {
		case err != nil:
			if n >= 2 && buf[0] == 0 && (buf[1] == byte(opRRQ) || buf[1] == byte(opWRQ)) {
				conn.WriteTo(errorPacket(errIllegalOp, "Illegal TFTP operation"), addr)
			}
			continue // not a request: no answer, nothing to reflect
		case p.Op == opWRQ:
			conn.WriteTo(errorPacket(errAccess, "Access violation"), addr)
			continue
		case p.Op != opRRQ:
			continue // stray packets on the listening port
		}
		if !s.admit(peer) {
			s.cfg.Logger.Debug("tftp request not started: a cap is reached or it is a retransmission", "from", peer.String(), "file", p.Name)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.leave(peer)
			s.transfer(ctx, conn.LocalAddr(), peer, p)
		}()
	}
}

// admit reserves a transfer slot for peer; false when a cap is reached or
// the request repeats one already in transfer (a retransmitted RRQ,
// ignored without being counted as dropped).
func (s *Server) admit(peer netip.AddrPort) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byPeer[peer] {
		return false
	}
	if s.running >= s.cfg.MaxTransfers || s.bySource[peer.Addr()] >= s.cfg.MaxPerSource {
		if s.cfg.OnDropped != nil {
			s.cfg.OnDropped()
		}
		return false
	}
	s.running++
	s.bySource[peer.Addr()]++
	s.byPeer[peer] = true
	return true
}

func (s *Server) leave(peer netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running--
	if s.bySource[peer.Addr()]--; s.bySource[peer.Addr()] <= 0 {
		delete(s.bySource, peer.Addr())
	}
	delete(s.byPeer, peer)
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
	u, ok := a.(*net.UDPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := u.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), ap.IsValid()
}

// negotiate applies the request's options: the accepted ones go into the
// OACK, in the order asked.
func (s *Server) negotiate(p Packet, size int64) (blksize int, timeout time.Duration, oack []Option) {
	blksize, timeout = 512, s.cfg.Timeout
	for _, o := range p.Options {
		n, err := strconv.Atoi(o.Value)
		if err != nil || n < 0 {
			continue
		}
		switch o.Name {
		case "blksize":
			if n < MinBlockSize || n > MaxBlockSize {
				continue
			}
			blksize = min(n, s.cfg.BlockSize)
			oack = append(oack, Option{o.Name, strconv.Itoa(blksize)})
		case "timeout":
			if n < 1 || n > 255 {
				continue
			}
			timeout = time.Duration(n) * time.Second
			oack = append(oack, Option{o.Name, o.Value})
		case "tsize":
			if p.Mode != "octet" {
				continue // a netascii file's size on the wire is not its size
			}
			oack = append(oack, Option{o.Name, strconv.FormatInt(size, 10)})
		}
	}
	return blksize, timeout, oack
}
