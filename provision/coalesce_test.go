package provision

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingListener counts the writes that reach the sockets.
type countingListener struct {
	net.Listener
	writes *atomic.Int64
}

type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{c, l.writes}, nil
}

func (c *countingConn) Write(b []byte) (int, error) { c.writes.Add(1); return c.Conn.Write(b) }
func (c *countingConn) ReadFrom(r io.Reader) (int64, error) {
	c.writes.Add(1)
	return io.Copy(c.Conn, r)
}

// TestCoalescingSizes sends bodies around the 4 KiB boundaries over keep-
// alive connections: every body arrives whole, in order, with no stall,
// and a 5 KiB body costs one socket write instead of two.
func TestCoalescingSizes(t *testing.T) {
	var writes atomic.Int64
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := CoalescingListener(countingListener{raw, &writes})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(n))
		}
		w.Write(bytes.Repeat([]byte{'x'}, n))
	})}
	go srv.Serve(l)
	defer srv.Close()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, chunked := range []string{"", "1"} {
		for _, n := range []int{0, 1, 100, 3900, 4000, 4096, 4097, 5000, 8192, 8191, 8193, 12288, 70000} {
			res, err := c.Get(fmt.Sprintf("http://%s/?n=%d&chunked=%s", raw.Addr(), n, chunked))
			if err != nil {
				t.Fatalf("n=%d chunked=%q: %v", n, chunked, err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if len(b) != n {
				t.Fatalf("n=%d chunked=%q: got %d bytes", n, chunked, len(b))
			}
		}
	}
	// One 5000-byte response on a fresh connection: one write.
	conn, err := net.Dial("tcp", raw.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	before := writes.Load()
	fmt.Fprintf(conn, "GET /?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	if len(b) != 5000 {
		t.Fatalf("got %d bytes", len(b))
	}
	if w := writes.Load() - before; w != 1 {
		t.Fatalf("a 5000-byte response took %d socket writes, want 1", w)
	}
}

// TestCoalescingConcurrentClients runs many keep-alive clients under -race.
func TestCoalescingConcurrentClients(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("abcdefgh"), 1024) // exactly 8 KiB
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) })}
	go srv.Serve(CoalescingListener(raw))
	defer srv.Close()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				res, err := c.Get("http://" + raw.Addr().String() + "/")
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if !bytes.Equal(b, body) {
					t.Errorf("body of %d bytes differs", len(b))
					return
				}
			}
		}()
	}
	wg.Wait()
}
