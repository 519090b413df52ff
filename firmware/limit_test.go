package firmware

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// bigImage is larger than the loopback socket buffers of both ends, so a
// client that stops reading keeps its download's handler busy.
const bigImage = 16 << 20

// stalledGet opens a connection, asks for path and reads nothing.
func stalledGet(t *testing.T, addr, path string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.(*net.TCPConn).SetReadBuffer(64 << 10); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: fw\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond for up to 10s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// readResponse reads one response from c and returns its status and body.
func readResponse(t *testing.T, c net.Conn, br *bufio.Reader, method string) (int, []byte) {
	t.Helper()
	if err := c.SetReadDeadline(time.Now().Add(20 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body
}

func TestConcurrencyCap(t *testing.T) {
	var refused atomic.Int64
	s, _ := openStore(t, "", Config{MaxConcurrent: 2, OnRefused: func() { refused.Add(1) }})
	data := image(bigImage, 3)
	e := mustAdd(t, s, data, "VVX 410", "5.9.4.3247", "sip.ld")
	srv := fwServer(t, s, "VVX 410")
	addr := strings.TrimPrefix(srv.URL, "http://")

	first := stalledGet(t, addr, "/fw/sip.ld")
	stalledGet(t, addr, "/fw/sip.ld")
	waitFor(t, "two downloads in flight", func() bool { return s.InFlight() == 2 })

	resp, body := do(t, "GET", srv.URL+"/fw/sip.ld", nil)
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "30" || refused.Load() != 1 {
		t.Fatalf("third download: status %d, Retry-After %q, refusals %d, %d bytes; want 503, 30, 1",
			resp.StatusCode, resp.Header.Get("Retry-After"), refused.Load(), len(body))
	}
	// Bodiless requests take no slot, and config fetches are unaffected.
	for _, h := range []map[string]string{{"If-None-Match": `"` + e.SHA256 + `"`}, nil} {
		method := "GET"
		if h == nil {
			method = "HEAD"
		}
		if resp, _ := do(t, method, srv.URL+"/fw/sip.ld", h); resp.StatusCode != 304 && resp.StatusCode != 200 {
			t.Errorf("%s %v while full: status %d", method, h, resp.StatusCode)
		}
	}
	if resp, body := do(t, "GET", srv.URL+"/cfg", nil); resp.StatusCode != 200 || string(body) != "config\n" {
		t.Errorf("config fetch while full: %d %q", resp.StatusCode, body)
	}
	if refused.Load() != 1 {
		t.Errorf("refusals %d, want 1", refused.Load())
	}

	// One download finishes; the next request gets the whole image.
	status, got := readResponse(t, first, bufio.NewReader(first), "GET")
	if status != 200 || sumHex(got) != e.SHA256 {
		t.Fatalf("first download: status %d, %d bytes", status, len(got))
	}
	waitFor(t, "a slot to free", func() bool { return s.InFlight() < 2 })
	resp, body = do(t, "GET", srv.URL+"/fw/sip.ld", nil)
	if resp.StatusCode != 200 || sumHex(body) != e.SHA256 {
		t.Errorf("after a slot freed: status %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestStalledDownloadFreesSlot(t *testing.T) {
	s, _ := openStore(t, "", Config{MaxConcurrent: 1, Grace: 300 * time.Millisecond, MinRate: 1 << 40})
	data := image(bigImage, 4)
	mustAdd(t, s, data, "VVX 410", "5.9.4.3247", "sip.ld")
	srv := fwServer(t, s, "VVX 410")
	c := stalledGet(t, strings.TrimPrefix(srv.URL, "http://"), "/fw/sip.ld")
	waitFor(t, "the download to start", func() bool { return s.InFlight() == 1 })
	start := time.Now()
	waitFor(t, "the stalled download to be cut", func() bool { return s.InFlight() == 0 })
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slot freed after %v, want about 300ms", d)
	}
	// The stalled phone never gets the whole image.
	if err := c.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, _ := io.Copy(io.Discard, c); n >= bigImage {
		t.Errorf("stalled client still received %d bytes", n)
	}
	// The slot is free again (a short range: the whole image would not fit
	// in this test's 300ms allowance).
	resp, body := do(t, "GET", srv.URL+"/fw/sip.ld", map[string]string{"Range": "bytes=0-1023"})
	if resp.StatusCode != 206 || !bytes.Equal(body, data[:1024]) {
		t.Errorf("next download: status %d, %d bytes", resp.StatusCode, len(body))
	}
}

// TestDeadlineClearedForNextRequest: a phone that fetches firmware and then
// its config on the same connection must not inherit the download deadline
// (net/http clears it after each response; this pins that we rely on it).
func TestDeadlineClearedForNextRequest(t *testing.T) {
	s, _ := openStore(t, "", Config{Grace: 200 * time.Millisecond, MinRate: 1 << 40})
	e := mustAdd(t, s, image(4096, 5), "VVX 410", "5.9.4.3247", "sip.ld")
	srv := fwServer(t, s, "VVX 410")
	c, err := net.DialTimeout("tcp", strings.TrimPrefix(srv.URL, "http://"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	fmt.Fprintf(c, "GET /fw/sip.ld HTTP/1.1\r\nHost: fw\r\n\r\n")
	if status, body := readResponse(t, c, br, "GET"); status != 200 || sumHex(body) != e.SHA256 {
		t.Fatalf("firmware: %d, %d bytes", status, len(body))
	}
	time.Sleep(400 * time.Millisecond) // past the download's deadline
	fmt.Fprintf(c, "GET /cfg HTTP/1.1\r\nHost: fw\r\n\r\n")
	if status, body := readResponse(t, c, br, "GET"); status != 200 || string(body) != "config\n" {
		t.Fatalf("config on the same connection: %d %q", status, body)
	}
}
