package tftp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"time"
)

// transfer answers one read request from its own socket: the error, or
// the OACK and the file block by block, each sent again until its ACK
// arrives or the retries run out.
func (s *Server) transfer(ctx context.Context, local net.Addr, peer netip.AddrPort, req Packet) {
	log := s.cfg.Logger.With("from", peer.String(), "file", req.Name)
	laddr := &net.UDPAddr{}
	if la, ok := local.(*net.UDPAddr); ok {
		laddr.IP, laddr.Zone = la.IP, la.Zone
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		log.Warn("tftp: opening a transfer socket", "err", err)
		return
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	name, ok := cleanName(req.Name)
	var f File
	if ok {
		octx, cancel := context.WithTimeout(ctx, s.cfg.OpenTimeout)
		f, err = s.cfg.Source.Open(octx, peer, name)
		cancel()
		if c, isCloser := f.(io.Closer); err == nil && isCloser {
			defer c.Close()
		}
	}
	if ok && err == nil && req.Mode == "netascii" {
		f, err = netascii(f)
	}
	if !ok || err != nil {
		log.Debug("tftp: file not served", "err", err)
		conn.WriteToUDPAddrPort(errorPacket(errNotFound, "File not found"), peer)
		return
	}
	size := f.Size()
	blksize, timeout, oack := s.negotiate(req, size)
	x := &exchanger{conn: conn, peer: peer, timeout: timeout, retries: s.cfg.Retries, buf: make([]byte, 1024)}
	if len(oack) > 0 {
		if !x.exchange(Packet{Op: opOACK, Options: oack}.Encode(), 0) {
			log.Debug("tftp: transfer given up", "stage", "oack")
			return
		}
	}
	pkt := make([]byte, 4+blksize)
	for block := int64(1); ; block++ {
		off := (block - 1) * int64(blksize)
		n := int(min(int64(blksize), size-off))
		// Block numbers are 16 bits: past 65535 they wrap to 0.
		binary.BigEndian.PutUint16(pkt, opDATA)
		binary.BigEndian.PutUint16(pkt[2:], uint16(block))
		if got, err := f.ReadAt(pkt[4:4+n], off); got < n {
			log.Warn("tftp: reading the file", "err", err)
			conn.WriteToUDPAddrPort(errorPacket(errNotDefined, "Read error"), peer)
			return
		}
		if !x.exchange(pkt[:4+n], uint16(block)) {
			log.Debug("tftp: transfer given up", "block", block)
			return
		}
		if n < blksize {
			log.Debug("tftp: file sent", "bytes", size, "blksize", blksize)
			return
		}
	}
}

// netascii reads a file whole and converts it (configs are small).
func netascii(f File) (File, error) {
	if f.Size() > MaxNetascii {
		return nil, errors.New("tftp: file too large for netascii mode")
	}
	b := make([]byte, f.Size())
	if n, err := f.ReadAt(b, 0); n < len(b) {
		return nil, err
	}
	return bytes.NewReader(toNetascii(b)), nil
}

// exchanger is the lock-step of one transfer: send a packet, wait for its
// ACK.
type exchanger struct {
	conn    *net.UDPConn
	peer    netip.AddrPort
	timeout time.Duration
	retries int
	buf     []byte
}

// exchange sends pkt until the ACK of block want arrives (true), the peer
// sends an ERROR or the retries run out (false). Other ACKs are ignored,
// never answered: resending on a duplicate ACK would double every packet
// from then on (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1). Packets
// from another address or port get ERROR 5 and change nothing.
func (x *exchanger) exchange(pkt []byte, want uint16) bool {
	for try := 0; try <= x.retries; try++ {
		if _, err := x.conn.WriteToUDPAddrPort(pkt, x.peer); err != nil {
			return false
		}
		deadline := time.Now().Add(x.timeout)
		for {
			x.conn.SetReadDeadline(deadline)
			n, from, err := x.conn.ReadFromUDPAddrPort(x.buf)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break // send again
			}
			if err != nil {
				return false
			}
			from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
			p, perr := ParsePacket(x.buf[:n])
			if from != x.peer {
				if perr != nil || p.Op != opERROR {
					x.conn.WriteToUDPAddrPort(errorPacket(errUnknownTID, "Unknown transfer ID"), from)
				}
				continue
			}
			switch {
			case perr != nil:
				continue
			case p.Op == opERROR:
				return false
			case p.Op == opACK && p.Block == want:
				return true
			}
		}
	}
	x.conn.WriteToUDPAddrPort(errorPacket(errNotDefined, "Timed out"), x.peer)
	return false
}
