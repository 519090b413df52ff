//go:build !(linux && (amd64 || arm64))

package sip

import "net"

// enableRxStamps: kernel receive timestamps are read on 64-bit Linux only.
func enableRxStamps(*net.UDPConn) bool { return false }
