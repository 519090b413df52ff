package main

// See e2e_faults_test.go for what the fault tests hold the server to.

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// slowDownload fetches url as a phone on a slow link (a small receive
// buffer, read at about 12 MB/s) so that the server's handler stays busy
// writing it; started is closed after 2 MiB.
func slowDownload(url, ua string, started chan<- struct{}) ([]byte, error) {
	small := func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10) })
	}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: (&net.Dialer{Control: small}).DialContext}}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("User-Agent", ua)
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return nil, &statusErr{res.StatusCode}
	}
	var got []byte
	buf := make([]byte, 64<<10)
	for i := 0; i < 100000; i++ {
		n, err := res.Body.Read(buf)
		got = append(got, buf[:n]...)
		if len(got) >= 1<<20 && started != nil {
			close(started)
			started = nil
		}
		if err == io.EOF {
			return got, nil
		}
		if err != nil {
			return got, err
		}
		time.Sleep(2 * time.Millisecond)
	}
	return got, errors.New("download: too many reads")
}

// TestFaultGracefulRestart sends SIGTERM while phones fetch their config
// over HTTP and HTTPS on keep-alive connections and one downloads a 16 MiB
// firmware image slowly. The download, in flight at SIGTERM, completes
// whole. Every config fetch is a complete 200 with the same body, or is
// refused once the listeners are closed: Go's client, like a phone,
// retries an idempotent GET whose idle connection the server closed (RFC
// 9112 section 9.3.1), and net/http closes idle connections and requests
// not yet read when it shuts down; a reset or a truncated body is a
// failure.
func TestFaultGracefulRestart(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--demo", "--public-host", "127.0.0.1", "--sips-addr", "", "--stun-addr", "", "--dns-addr", ""}
	p := start(t, bin, data, args...)
	const mac, ua = "805ec0a1b2c3", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	img := make([]byte, 8<<20)
	rand.Read(img)
	file := filepath.Join(t.TempDir(), "fw.rom")
	if err := os.WriteFile(file, img, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "firmware", "add", file, "--model", "T46U", "--version", "108.86.0.95", "--target",
		"--server", "http://"+p.ports["http"], "--data", data).CombinedOutput(); err != nil {
		t.Fatalf("firmware add: %v\n%s", err, out)
	}
	plain := &http.Client{Timeout: 10 * time.Second}
	code, ref, err := fetchConfig(p, plain, "http://"+p.ports["http"], mac)
	fwURL, _ := url.Parse(configValues(ref)["static.firmware.url"])
	if code != 200 || !strings.Contains(ref, "account.1.enable = 1") || fwURL == nil || fwURL.Path == "" {
		t.Fatalf("config before: %d %v\n%.300s", code, err, ref)
	}
	fwPath := fwURL.EscapedPath() // on the host the phone is told (--public-host)
	res, err := plain.Get("http://" + p.ports["http"] + "/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, _ := io.ReadAll(res.Body)
	res.Body.Close()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatalf("CA certificate: %q", caPEM)
	}

	var ok, refused, inFlight atomic.Int64
	var termAt atomic.Int64 // unix nanoseconds; 0 before SIGTERM
	var mu sync.Mutex
	var failures []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 16; w++ {
		base, tr := "http://"+p.ports["http"], &http.Transport{MaxIdleConnsPerHost: 1}
		if w%4 == 3 {
			base, tr = "https://"+p.ports["https"], &http.Transport{MaxIdleConnsPerHost: 1, TLSClientConfig: &tls.Config{RootCAs: pool}}
		}
		c := &http.Client{Timeout: 10 * time.Second, Transport: tr}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer tr.CloseIdleConnections()
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				sentAt := time.Now().UnixNano()
				code, body, err := fetchConfig(p, c, base, mac)
				switch {
				case err == nil && code == 200 && body == ref:
					ok.Add(1)
					if at := termAt.Load(); at != 0 && sentAt < at {
						inFlight.Add(1)
					}
				case errors.Is(err, syscall.ECONNREFUSED):
					refused.Add(1)
					return // the listener is closed
				default:
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s: status %d, %d of %d bytes, %v", base, code, len(body), len(ref), err))
					mu.Unlock()
					return
				}
			}
		}()
	}
	for i := 0; i < 100 && ok.Load() < 200; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	started, dl := make(chan struct{}), make(chan error, 1)
	go func() {
		got, err := slowDownload("http://"+p.ports["http"]+fwPath, ua, started)
		if err == nil && !bytes.Equal(got, img) {
			err = fmt.Errorf("got %d bytes of %d, not the image", len(got), len(img))
		}
		dl <- err
	}()
	select {
	case <-started:
	case err := <-dl:
		t.Fatalf("firmware download ended before SIGTERM: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("firmware download did not start within 10 s")
	}
	termAt.Store(time.Now().UnixNano())
	p.stop(t)
	close(stop)
	wg.Wait()
	if err := <-dl; err != nil {
		t.Errorf("firmware download in flight at SIGTERM: %v", err)
	}
	t.Logf("%d fetches complete (%d of them sent before SIGTERM and answered after), %d refused after the listeners closed, %d failed",
		ok.Load(), inFlight.Load(), refused.Load(), len(failures))
	if len(failures) > 0 {
		t.Fatalf("fetches cut by the graceful shutdown:\n%s", strings.Join(failures, "\n"))
	}
	if ok.Load() < 200 || inFlight.Load() == 0 {
		t.Fatalf("%d fetches, %d in flight at SIGTERM: no load to drain", ok.Load(), inFlight.Load())
	}

	runCheck(t, bin, data)
	p = start(t, bin, data, args...)
	code, after, err := fetchConfig(p, plain, "http://"+p.ports["http"], mac)
	a, b := configValues(after), configValues(ref)
	if code != 200 || a["account.1.auth_name"] != b["account.1.auth_name"] || a["account.1.password"] != b["account.1.password"] {
		t.Fatalf("config after the restart: %d %v\n%.300s", code, err, after)
	}
	d := p.call(t, "GET", "/api/v1/devices/"+mac, nil, 200)
	if len(d["lines"].([]any)) != 1 {
		t.Fatalf("demo device after the restart: %v", d)
	}
	p.stop(t)
}
