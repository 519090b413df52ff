package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// walkPath is the i-th request of a MAC walk: vendor file names in turn,
// over MACs of four vendors' prefixes that the demo database lacks.
func walkPath(i int) string {
	mac := fmt.Sprintf("%s%06x", [...]string{"805ec0", "0004f2", "000b82", "000413"}[i%4], i/4)
	switch i % 6 {
	case 0:
		return "/" + mac + ".cfg" // Yealink, Fanvil
	case 1:
		return "/spa" + mac + ".xml" // Cisco
	case 2:
		return "/cfg" + mac + ".xml" // Grandstream
	case 3:
		return "/" + strings.ToUpper(mac) + ".xml" // Snom, Obihai
	case 4:
		return "/phoneprov-" + mac + ".cfg" // Poly
	}
	return "/" + mac + ".boot" // Yealink boot file
}

// walkRequest is the raw request for path as the walker sends it: with no
// User-Agent, every walkPath names a per-device file of some vendor. (A
// vendor's User-Agent with another vendor's file name gets the uniform 404
// without counting, whatever the MAC: that reveals nothing either.)
func walkRequest(path string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"
}

// walkConn sends the requests of paths on one keep-alive connection from
// 127.0.0.1, pipelined, and returns the raw answers without Date.
func walkConn(br *bufio.Reader, c net.Conn, paths []string) ([]string, error) {
	var b strings.Builder
	for _, p := range paths {
		b.WriteString(walkRequest(p))
	}
	errc := make(chan error, 1)
	go func() { _, err := c.Write([]byte(b.String())); errc <- err }()
	out := make([]string, 0, len(paths))
	for range paths {
		a, err := readAnswer(br)
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, <-errc
}

// TestHostileMACWalk walks PHONEPROV_WALK_COUNT (default 100,000) unknown
// MACs from 127.0.0.1 across vendor file names. No config is served; the
// first 20 answers are the uniform 404 and every later one, the demo
// devices' own MACs included, is the same 429, byte for byte but the Date.
// The demo Yealink at 127.0.0.2 gets its config during and after the walk.
func TestHostileMACWalk(t *testing.T) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("PHONEPROV_WALK_COUNT")); err == nil && v >= 100 {
		n = v
	}
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	dial := func(src string) net.Conn {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
		c, err := d.Dial("tcp", p.ports["http"])
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		_ = c.SetDeadline(time.Now().Add(2 * time.Minute)) // a stalled server fails the test
		return c
	}

	// The first 60 one at a time: the block must come at the 21st.
	c := dial("127.0.0.1")
	br := bufio.NewReader(c)
	var first []string
	for i := 0; i < 60; i++ {
		a, err := walkConn(br, c, []string{walkPath(i)})
		if err != nil {
			t.Fatal(err)
		}
		first = append(first, a...)
	}
	notFound, blocked := first[0], first[20]
	if !strings.HasPrefix(notFound, "HTTP/1.1 404 ") || !strings.HasPrefix(blocked, "HTTP/1.1 429 ") {
		t.Fatalf("first answer %q, 21st %q; want the uniform 404, then 429", notFound, blocked)
	}
	for i, a := range first {
		if want := map[bool]string{true: notFound, false: blocked}[i < 20]; a != want {
			t.Fatalf("answer %d to %s:\n%s\nwant\n%s", i+1, walkPath(i), a, want)
		}
	}

	// The phone at 127.0.0.2, every 100 ms while the walk runs.
	phone := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).DialContext}}
	fetch := func() error {
		req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", nil)
		req.Header.Set("User-Agent", yealinkUA)
		res, err := p.phoneDo(phone, req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		var b strings.Builder
		bufio.NewReader(res.Body).WriteTo(&b)
		if res.StatusCode != 200 || !strings.Contains(b.String(), "account.1.password = ") {
			return fmt.Errorf("status %d", res.StatusCode)
		}
		return nil
	}
	ctx, stop := context.WithCancel(context.Background())
	var phoneOK, phoneBad atomic.Int64
	var phoneWG sync.WaitGroup
	phoneWG.Add(1)
	go func() {
		defer phoneWG.Done()
		for i := 0; i < 1000 && ctx.Err() == nil; i++ {
			if err := fetch(); err != nil {
				phoneBad.Add(1)
				t.Errorf("phone fetch during the walk: %v", err)
			} else {
				phoneOK.Add(1)
			}
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()

	// The rest from 8 connections, 200 requests pipelined at a time.
	const workers, batch = 8, 200
	known := map[int]string{n / 2: "/805ec0a1b2c3.cfg", n - 1: "/phoneprov-0004f2a1b2c3.cfg"}
	var next atomic.Int64
	next.Store(60)
	var answered, odd atomic.Int64
	var oddOne atomic.Value
	var wg sync.WaitGroup
	began := time.Now()
	for w := 0; w < workers; w++ {
		c := dial("127.0.0.1")
		br := bufio.NewReader(c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch)) - batch
				if from >= n {
					return
				}
				var paths []string
				for i := from; i < min(from+batch, n); i++ {
					if k, ok := known[i]; ok {
						paths = append(paths, k)
					} else {
						paths = append(paths, walkPath(i))
					}
				}
				as, err := walkConn(br, c, paths)
				if err != nil {
					t.Errorf("walk batch at %d: %v", from, err)
					return
				}
				for _, a := range as {
					if a != blocked {
						odd.Add(1)
						oddOne.Store(a)
					}
				}
				answered.Add(int64(len(as)))
			}
		}()
	}
	wg.Wait()
	took := time.Since(began)
	stop()
	phoneWG.Wait()
	if got := answered.Load() + 60; got != int64(n) {
		t.Fatalf("%d answers to %d requests", got, n)
	}
	if odd.Load() != 0 {
		t.Fatalf("%d answers differ from the 429; one:\n%s", odd.Load(), oddOne.Load())
	}
	if err := fetch(); err != nil || phoneOK.Load() == 0 || phoneBad.Load() != 0 {
		t.Fatalf("phone at 127.0.0.2: %d fetches served during the walk, %d failed; after: %v", phoneOK.Load(), phoneBad.Load(), err)
	}
	var pending []any
	if err := json.Unmarshal(p.raw(t, "GET", "/api/v1/devices/pending?limit=500"), &pending); err != nil || len(pending) > 20 {
		t.Fatalf("pending devices after the walk: %d (%v); want at most the 20 before the block", len(pending), err)
	}
	t.Logf("MAC walk: %d requests from one source in %v (%.0f/s after the first 60), 0 configs, 20 x 404 then %d x the same 429; "+
		"phone at 127.0.0.2 served %d times meanwhile", n, took.Round(time.Millisecond), float64(n-60)/took.Seconds(), n-20, phoneOK.Load())
	p.stop(t)
}
