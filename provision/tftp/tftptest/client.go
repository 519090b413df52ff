// Package tftptest is a TFTP client for tests: it fetches one file in
// lock-step, on its own socket, written apart from the server's code.
package tftptest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"
)

// Error is an ERROR packet the server sent.
type Error struct {
	Code    uint16
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("tftp error %d: %s", e.Code, e.Message) }

// Get fetches name from the server listening at server, in mode ("octet"
// or "netascii"), asking for the options opts (name, value, name, value
// …). It returns the file and the options of the server's OACK. Every
// wait is bounded by ctx and by 10 s per packet.
func Get(ctx context.Context, server netip.AddrPort, name, mode string, opts ...string) (data []byte, oack []string, err error) {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: server.Addr().AsSlice()})
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	rrq := []byte{0, 1}
	for _, f := range append([]string{name, mode}, opts...) {
		rrq = append(append(rrq, f...), 0)
	}
	if _, err := conn.WriteToUDPAddrPort(rrq, server); err != nil {
		return nil, nil, err
	}
	var tid netip.AddrPort
	blksize := 512
	next := uint16(1)
	buf := make([]byte, 65536)
	for {
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return nil, nil, err
		}
		if tid.IsValid() && from != tid {
			continue
		}
		tid = from
		if n < 4 {
			return nil, nil, fmt.Errorf("tftptest: short packet % x", buf[:n])
		}
		op, arg := binary.BigEndian.Uint16(buf), binary.BigEndian.Uint16(buf[2:])
		ack := func(block uint16) error {
			_, err := conn.WriteToUDPAddrPort([]byte{0, 4, byte(block >> 8), byte(block)}, tid)
			return err
		}
		switch op {
		case 5:
			return nil, nil, &Error{Code: arg, Message: string(bytes.TrimRight(buf[4:n], "\x00"))}
		case 6:
			oack = nil
			for _, f := range bytes.Split(bytes.TrimSuffix(buf[2:n], []byte{0}), []byte{0}) {
				oack = append(oack, string(f))
			}
			for i := 0; i+1 < len(oack); i += 2 {
				if oack[i] == "blksize" {
					blksize, _ = strconv.Atoi(oack[i+1])
				}
			}
			if err := ack(0); err != nil {
				return nil, nil, err
			}
		case 3:
			if arg != next {
				if arg == next-1 {
					ack(arg) // our ACK was lost
					continue
				}
				return nil, nil, fmt.Errorf("tftptest: DATA %d, want %d", arg, next)
			}
			data = append(data, buf[4:n]...)
			if err := ack(arg); err != nil {
				return nil, nil, err
			}
			if n-4 < blksize {
				return data, oack, nil
			}
			next++
		default:
			return nil, nil, fmt.Errorf("tftptest: unexpected opcode %d", op)
		}
	}
}
