package provision

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/firmware"
)

// serveTest serves h's HTTP server on a loopback port (over TLS with tc,
// when given) until the test ends, and returns its base URL.
func serveTest(tb testing.TB, h *Server, tc *tls.Config) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	scheme := "http://"
	if tc != nil {
		l, scheme = tls.NewListener(l, tc), "https://"
	}
	serveOn(tb, h, l)
	return scheme + l.Addr().String()
}

// serveOn serves h's HTTP server on l until the test ends.
func serveOn(tb testing.TB, h *Server, l net.Listener) {
	s := h.HTTPServer(nil)
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.ShutdownWithContext(ctx); err != nil {
			tb.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("serve: %v", err)
		}
	})
}

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

// TestConfigInOneWrite: a device's config (over 4 KiB, where net/http
// needed two writes) leaves in one socket write with its headers, on a
// new connection and on a kept-alive one; a HEAD and a 304 too.
func TestConfigInOneWrite(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	e.phones.mode, e.phones.allow = DeviceAuthNetwork, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	var writes atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	serveOn(t, e.h, countingListener{l, &writes})
	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	var etag string
	for _, tc := range []struct {
		method, inm string
		status      int
	}{{"GET", "", 200}, {"GET", "", 200}, {"HEAD", "", 200}, {"GET", "etag", 304}} {
		before := writes.Load()
		req := tc.method + " /" + yealinkMAC + ".cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: " + yealinkUA + "\r\n"
		if tc.inm != "" {
			req += "If-None-Match: " + etag + "\r\n"
		}
		if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, &http.Request{Method: tc.method})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != tc.status || (tc.method == "GET" && tc.status == 200 && (len(b) <= 4096 || int64(len(b)) != res.ContentLength)) {
			t.Fatalf("%s %s: %d, %d bytes, Content-Length %d", tc.method, tc.inm, res.StatusCode, len(b), res.ContentLength)
		}
		etag = res.Header.Get("ETag")
		if w := writes.Load() - before; w != 1 {
			t.Fatalf("%s %s (%d bytes): %d socket writes, want 1", tc.method, tc.inm, len(b), w)
		}
	}
}

// TestFirmwareOverHTTPServer serves a firmware image through the HTTP
// server (http.ServeContent streamed to the connection): the whole image
// with its Content-Length, HEAD, one range, several ranges (multipart),
// If-Range, If-None-Match, and a config fetch on the same connection
// afterwards.
func TestFirmwareOverHTTPServer(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	fw, err := firmware.Open(firmware.Config{Dir: filepath.Join(t.TempDir(), "fw")})
	if err != nil {
		t.Fatal(err)
	}
	image := make([]byte, 1<<20+17)
	for i := range image {
		image[i] = byte(i * 7)
	}
	entry, err := fw.Add(bytes.NewReader(image), "VVX 410", "5.9.7.4477", "3111-46162-001.sip.ld")
	if err != nil {
		t.Fatal(err)
	}
	e.phones.fw = fw
	etag := `"` + entry.SHA256 + `"`
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	do := func(method string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, e.url+"/3111-46162-001.sip.ld", nil)
		req.Header.Set("User-Agent", polyUA)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	for _, tc := range []struct {
		name, method string
		hdr          []string
		status       int
		body         []byte
		length       int64
	}{
		{"whole", "GET", nil, 200, image, int64(len(image))},
		{"head", "HEAD", nil, 200, nil, int64(len(image))},
		{"range", "GET", []string{"Range", "bytes=1000-1999"}, 206, image[1000:2000], 1000},
		{"suffix", "GET", []string{"Range", "bytes=-10"}, 206, image[len(image)-10:], 10},
		{"if-range stale", "GET", []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 200, image, int64(len(image))},
		{"if-range current", "GET", []string{"Range", "bytes=0-9", "If-Range", etag}, 206, image[:10], 10},
		{"not modified", "GET", []string{"If-None-Match", etag}, 304, nil, -1},
		{"unsatisfiable", "GET", []string{"Range", "bytes=99999999-"}, 416, nil, -1},
	} {
		res, body := do(tc.method, tc.hdr...)
		if res.StatusCode != tc.status || (tc.body != nil && !bytes.Equal(body, tc.body)) || (tc.length >= 0 && res.ContentLength != tc.length) {
			t.Errorf("%s: %d, %d bytes, Content-Length %d; want %d, %d bytes, %d", tc.name, res.StatusCode, len(body),
				res.ContentLength, tc.status, len(tc.body), tc.length)
		}
		if tc.status < 300 && res.Header.Get("ETag") != etag {
			t.Errorf("%s: ETag %q, want %q", tc.name, res.Header.Get("ETag"), etag)
		}
	}
	res, body := do("GET", "Range", "bytes=0-9,100-109")
	_, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if res.StatusCode != 206 || err != nil {
		t.Fatalf("two ranges: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for _, want := range [][]byte{image[:10], image[100:110]} {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := io.ReadAll(p); !bytes.Equal(got, want) {
			t.Fatalf("part %q: %x, want %x", p.Header.Get("Content-Range"), got, want)
		}
	}
	if fw.InFlight() != 0 {
		t.Fatalf("%d downloads still hold a slot", fw.InFlight())
	}
	// The connection still serves requests afterwards.
	if res, _ := do("HEAD"); res.StatusCode != 200 {
		t.Fatalf("HEAD after the ranges: %d", res.StatusCode)
	}
}

// TestAdminRequestOutlivesItsBuffer: what the router keeps of a request
// past its end (here the method label of the request counter) is not
// overwritten by the next requests on the connection: /metrics still
// gathers (a corrupted label makes it answer 500) and counts each method.
func TestAdminRequestOutlivesItsBuffer(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{})
	c := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
	defer c.CloseIdleConnections()
	for i := range 20 {
		for _, m := range []string{"POST", "GET", "PATCH", "DELETE", "PUT"} {
			req, _ := http.NewRequest(m, e.url+"/api/v1/users?i="+strconv.Itoa(i), strings.NewReader(`{"username":"x"}`))
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	res, err := c.Get(e.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/metrics: %d %.300s", res.StatusCode, b)
	}
	for _, m := range []string{"POST", "GET", "PATCH", "DELETE", "PUT"} {
		if !strings.Contains(string(b), `method="`+m+`"`) {
			t.Errorf("/metrics counts no %s", m)
		}
	}
}
