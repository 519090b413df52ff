//go:build linux && (amd64 || arm64)

package sip

import (
	"encoding/binary"
	"net"
	"syscall"
	"time"
)

// enableRxStamps asks the kernel for a receive timestamp with each
// datagram on uc.
func enableRxStamps(uc *net.UDPConn) bool {
	rc, err := uc.SyscallConn()
	if err != nil {
		return false
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	}); err != nil || serr != nil {
		return false
	}
	return true
}

// ReadFrom reads a datagram as net.UDPConn's does and keeps its kernel
// receive time in c.at (zero when the kernel gave none).
func (c *stampedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	n, oobn, _, addr, err := c.ReadMsgUDP(b, c.oob[:])
	c.at = rxStamp(c.oob[:oobn])
	if err != nil {
		return n, nil, err // a nil *net.UDPAddr must not become a non-nil net.Addr
	}
	return n, addr, nil
}

// rxStamp finds the SCM_TIMESTAMPNS control message in oob (64-bit Linux
// layout: a 16-byte cmsghdr, then a timespec of two int64s) without
// allocating.
func rxStamp(oob []byte) time.Time {
	for len(oob) >= syscall.SizeofCmsghdr {
		l := int(binary.NativeEndian.Uint64(oob[0:8]))
		level := int32(binary.NativeEndian.Uint32(oob[8:12]))
		typ := int32(binary.NativeEndian.Uint32(oob[12:16]))
		if l < syscall.SizeofCmsghdr || l > len(oob) {
			return time.Time{}
		}
		if level == syscall.SOL_SOCKET && typ == syscall.SCM_TIMESTAMPNS && l >= syscall.SizeofCmsghdr+16 {
			d := oob[syscall.SizeofCmsghdr:]
			return time.Unix(int64(binary.NativeEndian.Uint64(d[0:8])), int64(binary.NativeEndian.Uint64(d[8:16])))
		}
		next := (l + 7) &^ 7 // CMSG_ALIGN
		if next > len(oob) {
			return time.Time{}
		}
		oob = oob[next:]
	}
	return time.Time{}
}
