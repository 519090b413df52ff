package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	yealinkUA = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	polyUA    = "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application"
	// closeLimit bounds how long the server may keep a slow connection:
	// ReadHeaderTimeout (HTTP) and the SIP message timeout are both 10 s.
	closeLimit = 16 * time.Second
)

// slowConn is a connection that sends a request a byte a second.
type slowConn struct {
	kind   string
	closed chan time.Duration // how long after the dial the server closed it
}

// openSlow dials addr, writes first, then, with trickle, one more byte of
// filler every second (at most 30) until the server closes the connection.
func openSlow(t *testing.T, kind, addr, first string, trickle bool) *slowConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	t.Cleanup(func() { c.Close() })
	s, at := &slowConn{kind: kind, closed: make(chan time.Duration, 1)}, time.Now()
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		_ = c.SetReadDeadline(at.Add(40 * time.Second))
		_, err := io.Copy(io.Discard, c) // the server answers nothing, then closes
		if isNetTimeout(err) {
			return // never closed: closed stays empty
		}
		s.closed <- time.Since(at)
	}()
	go func() {
		if first != "" {
			c.Write([]byte(first))
		}
		for i := 0; i < 30 && trickle; i++ {
			select {
			case <-gone:
				return
			case <-time.After(time.Second):
			}
			if _, err := c.Write([]byte("a")); err != nil {
				return
			}
		}
	}()
	return s
}

func isNetTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestHostileSlowAndOversized opens 200 slowloris connections on the HTTP
// port plus stalled ones on HTTPS, SIP TCP and SIP TLS. While they hang, a
// phone still gets its config, the admin API answers, SIP OPTIONS over TCP
// is answered, and oversized requests are refused with 431/413 (never
// 500). Every slow connection is closed by the server within closeLimit.
func TestHostileSlowAndOversized(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	var slow []*slowConn
	for i := 0; i < 200; i++ {
		slow = append(slow, openSlow(t, "http", p.ports["http"], "GET /805ec0a1b2c3.cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: Y", true))
	}
	for i := 0; i < 10; i++ {
		// A TLS record header announcing 512 bytes of ClientHello, then a trickle of them.
		slow = append(slow, openSlow(t, "https", p.ports["https"], "\x16\x03\x01\x02\x00\x01", true))
		slow = append(slow, openSlow(t, "sips", p.ports["sips"], "\x16\x03\x01\x02\x00\x01", true))
		slow = append(slow, openSlow(t, "sips-silent", p.ports["sips"], "", false))
		slow = append(slow, openSlow(t, "sip-tcp", p.ports["sip"], "REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/TCP ", true))
		slow = append(slow, openSlow(t, "sip-tcp-silent", p.ports["sip"], "", false))
	}
	began := time.Now()

	for round := 0; round < 2; round++ {
		time.Sleep(2 * time.Second)
		t0 := time.Now()
		code, body := p.phoneGet(t, "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", yealinkUA)
		if code != 200 || !strings.Contains(body, "account.1.password = ") {
			t.Fatalf("config fetch among slow clients: %d", code)
		}
		p.call(t, "GET", "/api/v1/devices/805ec0a1b2c3", nil, 200)
		if got := sipTCPExchange(t, p.ports["sip"], optionsRequest("TCP", "127.0.0.1:5099")); !strings.HasPrefix(got, "SIP/2.0 200 ") {
			t.Fatalf("SIP OPTIONS over TCP among slow clients: %q", got)
		}
		if d := time.Since(t0); d > 3*time.Second {
			t.Fatalf("legitimate requests took %v among slow clients", d)
		}
		checkOversized(t, p)
	}

	byKind := map[string][]time.Duration{}
	for _, s := range slow {
		select {
		case d := <-s.closed:
			byKind[s.kind] = append(byKind[s.kind], d)
		case <-time.After(time.Until(began.Add(closeLimit))):
			t.Fatalf("a %s slow connection is still open %v after it began", s.kind, time.Since(began))
		}
	}
	for k, ds := range byKind {
		lo, hi := ds[0], ds[0]
		for _, d := range ds {
			lo, hi = min(lo, d), max(hi, d)
		}
		if hi > closeLimit {
			t.Errorf("%s: a slow connection was closed only after %v", k, hi)
		}
		t.Logf("%d %s slow connections closed by the server after %v to %v", len(ds), k, lo.Round(100*time.Millisecond), hi.Round(100*time.Millisecond))
	}
	p.stop(t)
}

// checkOversized sends oversized requests: each gets its exact refusal.
func checkOversized(t *testing.T, p *proc) {
	t.Helper()
	big := strings.Repeat("h", 100<<10)
	for _, path := range []string{"/805ec0a1b2c3.cfg", "/api/v1/devices"} {
		got := rawHTTP(t, p.ports["http"], "GET "+path+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "+p.token+"\r\nX-Big: "+big+"\r\n\r\n")
		if !strings.HasPrefix(got, "HTTP/1.1 431 ") {
			t.Fatalf("100 KiB header on %s: %.80q, want 431", path, got)
		}
	}
	huge := bytes.Repeat([]byte("x"), 2<<20)
	for _, tc := range []struct {
		method, path, ua string
		body             []byte
		want             int
	}{
		{"PUT", "/0004f2a1b2c3-app.log", polyUA, []byte("boot ok\n"), 204},
		{"PUT", "/0004f2a1b2c3-app.log", polyUA, huge, 413},
		{"POST", "/api/v1/users", "", huge, 400}, // not JSON: refused at its first byte
		{"POST", "/api/v1/users", "", append([]byte(`{"username":"a","first_name":"`), huge...), 413},
		{"POST", "/api/v1/licenses", "", append([]byte(`{"type":"X4","country":"US","service_address":"`), huge...), 413},
		{"POST", "/api/v1/imports/classic?dry_run=true", "", bytes.Repeat([]byte(" "), 65<<20), 413},
	} {
		req, _ := http.NewRequest(tc.method, "http://"+p.ports["http"]+tc.path, bytes.NewReader(tc.body))
		req.Header.Set("User-Agent", tc.ua)
		c := &http.Client{Timeout: 30 * time.Second}
		var res *http.Response
		var err error
		if tc.ua != "" { // a phone's upload, with its credential
			res, err = p.phoneDo(c, req)
		} else {
			req.Header.Set("Authorization", "Bearer "+p.token)
			res, err = c.Do(req)
		}
		if err != nil {
			t.Fatalf("%s %s with %d bytes: %v", tc.method, tc.path, len(tc.body), err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != tc.want {
			t.Fatalf("%s %s with %d bytes: %d, want %d", tc.method, tc.path, len(tc.body), res.StatusCode, tc.want)
		}
	}
	body := strings.Repeat("b", 100<<10)
	msg := strings.Replace(optionsRequest("TCP", "127.0.0.1:5099"), "Content-Length: 0", "Content-Type: text/plain\r\nContent-Length: "+strconv.Itoa(len(body)), 1) + body
	if got := sipTCPExchange(t, p.ports["sip"], msg); got != "" {
		t.Fatalf("100 KiB SIP message over TCP answered %.80q; want the connection closed", got)
	}
}

// rawHTTP sends req on a new connection and returns the raw answer.
func rawHTTP(t *testing.T, addr, req string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Write([]byte(req)) // the server may answer before reading it all
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}

// getUA fetches url with a User-Agent and returns the status and body.
// getUA fetches url with a User-Agent and no credential.
func getUA(t *testing.T, url, ua string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("User-Agent", ua)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// readAnswer reads one HTTP/1.1 answer from br and returns it raw,
// without its Date line (the one header allowed to differ).
func readAnswer(br *bufio.Reader) (string, error) {
	var head strings.Builder
	n := -1
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		k, v, _ := strings.Cut(line, ":")
		switch {
		case strings.EqualFold(k, "date"):
			continue
		case strings.EqualFold(k, "content-length"):
			n, _ = strconv.Atoi(strings.TrimSpace(v))
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	if n < 0 {
		return "", fmt.Errorf("answer without Content-Length:\n%s", head.String())
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return "", err
	}
	return head.String() + string(body), nil
}
