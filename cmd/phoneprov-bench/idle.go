package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// IdleConfig is what `idle` holds open.
type IdleConfig struct {
	Addr    string        // host:port of the server (loopback only)
	Conns   int           // connections to hold; default 10000
	Path    string        // the request each connection sends once; default "/"
	UA      string        // its User-Agent
	CAFile  string        // non-empty: TLS, verifying the server against this CA
	Hold    time.Duration // how long to hold them idle; default 10s
	PIDs    []int         // the server's processes, whose RSS is summed
	Workers int           // connections opened at once; default 64
}

// idleCmd opens Conns keep-alive connections to a server, sends one request
// on each and reads the answer, then holds them idle and reports the
// server's RSS per idle connection (from /proc).
func idleCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("idle", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c IdleConfig
	var pids string
	fs.StringVar(&c.Addr, "addr", "", "the server's host:port (loopback)")
	fs.IntVar(&c.Conns, "conns", 10000, "connections to hold open")
	fs.StringVar(&c.Path, "path", "/", "the request each connection sends once before going idle")
	fs.StringVar(&c.UA, "user-agent", "phoneprov-bench", "its User-Agent")
	fs.StringVar(&c.CAFile, "ca", "", "connect over TLS, verifying the server against this CA (PEM)")
	fs.DurationVar(&c.Hold, "hold", 10*time.Second, "how long to hold the connections idle")
	fs.StringVar(&pids, "pids", "", "the server's process ids (comma-separated), whose RSS is summed")
	fs.IntVar(&c.Workers, "workers", 64, "connections opened at once")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, p := range strings.Split(pids, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(p)); err == nil && n > 0 {
			c.PIDs = append(c.PIDs, n)
		}
	}
	if err := runIdle(context.Background(), c, stdout); err != nil {
		fmt.Fprintln(stderr, "phoneprov-bench idle:", err)
		return 1
	}
	return 0
}

func runIdle(ctx context.Context, c IdleConfig, out io.Writer) error {
	host, _, err := net.SplitHostPort(c.Addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %q: give a loopback host:port", c.Addr)
	}
	if c.Conns < 1 || c.Conns > 100000 || c.Workers < 1 || len(c.PIDs) == 0 {
		return errors.New("need 1 <= --conns <= 100000, --workers >= 1 and --pids")
	}
	var tc *tls.Config
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--ca %s: no PEM certificate", c.CAFile)
		}
		tc = &tls.Config{RootCAs: pool, ServerName: host}
	}
	rss0 := rssOf(c.PIDs)
	req := "GET " + c.Path + " HTTP/1.1\r\nHost: " + c.Addr + "\r\nUser-Agent: " + c.UA + "\r\n\r\n"
	conns := make([]net.Conn, c.Conns)
	var next, failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := 0; w < c.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < c.Conns; i = int(next.Add(1)) - 1 {
				conn, err := openIdle(ctx, c.Addr, tc, req)
				if err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				conns[i] = conn
			}
		}()
	}
	wg.Wait()
	opened := time.Since(t0)
	defer func() {
		for _, conn := range conns {
			if conn != nil {
				conn.Close()
			}
		}
	}()
	time.Sleep(c.Hold)
	rss1 := rssOf(c.PIDs)
	// a connection the server closed meanwhile reads EOF at once
	closed := 0
	for _, conn := range conns {
		if conn == nil {
			continue
		}
		conn.SetReadDeadline(time.Now().Add(time.Millisecond))
		var b [1]byte
		if _, err := conn.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			closed++
		}
	}
	held := c.Conns - int(failed.Load()) - closed
	per := 0.0
	if held > 0 {
		per = float64(rss1-rss0) / float64(held)
	}
	fmt.Fprintf(out, "idle: %d connections opened in %.1f s (%d failed", c.Conns, opened.Seconds(), failed.Load())
	if e := firstErr.Load(); e != nil {
		fmt.Fprintf(out, ", first: %s", e)
	}
	fmt.Fprintf(out, "), %d closed by the server within %s, %d held; server RSS %.1f MiB before, %.1f MiB held: %.0f bytes per idle connection\n",
		closed, c.Hold, held, float64(rss0)/(1<<20), float64(rss1)/(1<<20), per)
	return nil
}

// openIdle connects, sends req and reads the whole answer, leaving the
// connection open and idle.
func openIdle(ctx context.Context, addr string, tc *tls.Config, req string) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tc != nil {
		conn = tls.Client(conn, tc)
	}
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReaderSize(conn, 512), nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil || resp.Close {
		conn.Close()
		return nil, fmt.Errorf("answer %d, connection not kept: %v", resp.StatusCode, err)
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

// rssOf sums the resident set of the processes, in bytes.
func rssOf(pids []int) int64 {
	var n int64
	for _, p := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(p) + "/status")
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				n += kb << 10
			}
		}
	}
	return n
}
