package tftp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// files is the Source of the tests: a fixed set of files, and the names
// it was asked for.
type files struct {
	mu    sync.Mutex
	m     map[string][]byte
	asked []string
}

func (f *files) Open(_ context.Context, _ netip.AddrPort, name string) (File, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, name)
	b, ok := f.m[name]
	if !ok {
		return nil, errors.New("no such file")
	}
	return bytes.NewReader(b), nil
}

func (f *files) names() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.asked...)
}

// start runs a server on 127.0.0.1:0 until the test ends.
func start(t *testing.T, cfg Config) netip.AddrPort {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, conn) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// client sends and receives raw packets on its own socket, for the tests
// of the lock-step itself; every read is bounded by a deadline.
type client struct {
	t    *testing.T
	conn *net.UDPConn
	srv  netip.AddrPort // the listening port
	tid  netip.AddrPort // the transfer's port, once known
}

func newClient(t *testing.T, srv netip.AddrPort) *client {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn, srv: srv}
}

func (c *client) send(to netip.AddrPort, p Packet) {
	c.t.Helper()
	if _, err := c.conn.WriteToUDPAddrPort(p.Encode(), to); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads the next packet within d; ok is false on timeout.
func (c *client) recv(d time.Duration) (p Packet, from netip.AddrPort, ok bool) {
	c.t.Helper()
	buf := make([]byte, MaxBlockSize+4)
	c.conn.SetReadDeadline(time.Now().Add(d))
	n, from, err := c.conn.ReadFromUDPAddrPort(buf)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return Packet{}, from, false
		}
		c.t.Fatal(err)
	}
	p, err = ParsePacket(buf[:n])
	if err != nil {
		c.t.Fatalf("server sent a bad packet % x: %v", buf[:n], err)
	}
	return p, from, true
}

// must reads the next packet, failing the test after 10 s.
func (c *client) must() Packet {
	c.t.Helper()
	p, from, ok := c.recv(10 * time.Second)
	if !ok {
		c.t.Fatal("no packet from the server in 10 s")
	}
	if c.tid.IsValid() && from != c.tid {
		c.t.Fatalf("packet from %v, transfer is with %v", from, c.tid)
	}
	c.tid = from
	return p
}
