package provision

import (
	"io"
	"net"
	"sync"
)

// CoalescingListener wraps a listener so that each response leaves in one
// write where net/http would use two. net/http buffers 4 KiB per
// connection: a config of 4–8 KiB (most of them) goes out as a full 4 KiB
// buffer and then the rest. The connection holds a write of exactly that
// size back and sends it with the next write in one writev; anything held
// is sent before the connection reads again (net/http reads the next
// request only after finishing the response) or closes, so nothing waits
// on the client.
func CoalescingListener(l net.Listener) net.Listener { return coalescingListener{l} }

type coalescingListener struct{ net.Listener }

func (l coalescingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &coalescingConn{Conn: c}, nil
}

// heldSize is net/http's per-connection write buffer size.
const heldSize = 4 << 10

// heldBufs lend the held write to a connection only while it holds one:
// an idle keep-alive connection keeps no buffer of ours.
var heldBufs = sync.Pool{New: func() any { b := make([]byte, 0, heldSize); return &b }}

type coalescingConn struct {
	net.Conn
	mu   sync.Mutex
	held []byte
	buf  *[]byte // held's pooled buffer, nil when nothing is held
}

// hold keeps a copy of b to send with the next write.
func (c *coalescingConn) hold(b []byte) {
	c.buf = heldBufs.Get().(*[]byte)
	c.held = append((*c.buf)[:0], b...)
}

// release gives the held buffer back.
func (c *coalescingConn) release() {
	*c.buf = c.held[:0]
	heldBufs.Put(c.buf)
	c.buf, c.held = nil, nil
}

func (c *coalescingConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.held) == 0 {
		if len(b) == heldSize {
			c.hold(b)
			return len(b), nil
		}
		return c.Conn.Write(b)
	}
	var n int64
	var err error
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		bufs := net.Buffers{c.held, b}
		n, err = bufs.WriteTo(tc) // one writev
	} else {
		var m int
		m, err = c.Conn.Write(append(c.held, b...))
		n = int64(m)
	}
	c.release()
	if n -= heldSize; n < 0 {
		n = 0
	}
	return int(n), err
}

// flushLocked sends what is held.
func (c *coalescingConn) flushLocked() error {
	if len(c.held) == 0 {
		return nil
	}
	_, err := c.Conn.Write(c.held)
	c.release()
	return err
}

func (c *coalescingConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	err := c.flushLocked()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(b)
}

// ReadFrom keeps sendfile for file bodies (firmware): net/http uses it when
// the connection has it.
func (c *coalescingConn) ReadFrom(r io.Reader) (int64, error) {
	c.mu.Lock()
	err := c.flushLocked()
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(c.Conn, r)
}

func (c *coalescingConn) Close() error {
	c.mu.Lock()
	c.flushLocked()
	c.mu.Unlock()
	return c.Conn.Close()
}

// CloseWrite keeps net/http's graceful close of TCP connections.
func (c *coalescingConn) CloseWrite() error {
	c.mu.Lock()
	err := c.flushLocked()
	c.mu.Unlock()
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		if err2 := cw.CloseWrite(); err == nil {
			err = err2
		}
	}
	return err
}
