package cli

import (
	"errors"
	"fmt"
	"net"
	"syscall"
)

// listenPair opens UDP and TCP on the same port (SIP and DNS use both).
// With port 0 the UDP port is chosen first and TCP takes the same one,
// trying again a few times if another process holds it on TCP.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for try := 0; try < 10; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		tcpAddr := net.JoinHostPort(host, fmt.Sprint(pc.LocalAddr().(*net.UDPAddr).Port))
		l, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if port != "0" || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("no port free for both UDP and TCP on %s after 10 tries", host)
}
