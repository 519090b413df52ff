package sip

import (
	"net"
	"time"
)

// stampedConn is a UDP socket whose ReadFrom also records when the kernel
// received the datagram (SO_TIMESTAMPNS), so the fast path sees how long
// a REGISTER waited in the socket's receive buffer — seconds, when the
// process is starved of CPU — and drops one its sender has already
// retransmitted before copying or parsing it (see udpshed.go). Only
// sipgo's read loop (one goroutine per socket) calls ReadFrom, and the
// read filter runs in that goroutine right after it: at needs no lock.
type stampedConn struct {
	*net.UDPConn
	oob [64]byte
	at  time.Time // kernel receive time of the last datagram read
}

// received returns when the last datagram read was received: the kernel's
// stamp, or now when it is missing or implausible (more than a minute
// old, or in the future: the wall clock was stepped).
func (c *stampedConn) received(now time.Time) time.Time {
	if c.at.IsZero() || c.at.After(now) || now.Sub(c.at) > time.Minute {
		return now
	}
	return c.at
}

// stampConn returns pc wrapped to record kernel receive times, or pc
// itself where that is not available.
func stampConn(pc net.PacketConn) net.PacketConn {
	uc, ok := pc.(*net.UDPConn)
	if !ok || !enableRxStamps(uc) {
		return pc
	}
	return &stampedConn{UDPConn: uc}
}
