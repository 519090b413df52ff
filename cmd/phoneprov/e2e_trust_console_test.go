package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// addAdmin creates the admin alice (password "correct horse battery") in
// a new data directory and returns the directory.
func addAdmin(t *testing.T, bin string) string {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	add := dataCommand(t, bin, data, "admin", "add", "--data", data, "alice")
	add.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := add.CombinedOutput(); err != nil || !strings.Contains(string(out), "admin alice added") {
		t.Fatalf("admin add: %v %s", err, out)
	}
	return data
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// consoleClient is a browser-like client of the console at base, sending
// from the loopback address src ("" for any).
func consoleClient(t *testing.T, src string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	d := &net.Dialer{Timeout: 10 * time.Second}
	if src != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	return &http.Client{Jar: jar, Timeout: 60 * time.Second,
		Transport:     &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// csrfOf loads page from base with c and returns its CSRF token.
func csrfOf(t *testing.T, c *http.Client, base, page string) string {
	t.Helper()
	res, err := c.Get(base + page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfField.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("no CSRF field on %s: %d %.200s", page, res.StatusCode, b)
	}
	return m[1]
}

// postForm sends a form as a same-origin browser would, with the CSRF token
// tok, and returns the status.
func postForm(t *testing.T, c *http.Client, base, path, tok string, v url.Values) int {
	t.Helper()
	v.Set("csrf", tok)
	req, _ := http.NewRequest("POST", base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// vmHWM reads the peak resident set size of a process, in MiB.
func vmHWM(t *testing.T, pid int) float64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no /proc under CI=true: %v", err)
		}
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return float64(kb) / 1024
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// metric returns the value of an unlabelled metric from /metrics.
func metric(t *testing.T, p *proc, name string) float64 {
	t.Helper()
	_, body := getUA(t, "http://"+p.ports["http"]+"/metrics", "")
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// TestTrustSignInMemoryBound signs in 64 times at once, from 64 loopback
// addresses (so the per-address limit does not refuse them first): at most
// 2 argon2id hashes (19 MiB each) run at once, every sign-in ends in 303
// (signed in) or 503 (busy, try again), and the peak RSS is logged. On a
// server hashing without a cap, 40 sign-ins peaked at 784 MB.
func TestTrustSignInMemoryBound(t *testing.T) {
	const n = 64
	bin := binary(t)
	p := start(t, bin, addAdmin(t, bin))
	base := "http://" + p.ports["http"]
	before := vmHWM(t, p.cmd.Process.Pid)

	clients, toks := make([]*http.Client, n), make([]string, n)
	for i := range n {
		clients[i] = consoleClient(t, fmt.Sprintf("127.0.0.%d", 2+i))
		toks[i] = csrfOf(t, clients[i], base, "/login")
	}
	codes := make([]int, n)
	var wg sync.WaitGroup
	startGate := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			v := url.Values{"name": {"alice"}, "password": {"correct horse battery"}, "csrf": {toks[i]}}
			req, _ := http.NewRequestWithContext(context.Background(), "POST", base+"/login", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if res, err := clients[i].Do(req); err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				codes[i] = res.StatusCode
			}
		}()
	}
	close(startGate)
	wg.Wait()
	peak := vmHWM(t, p.cmd.Process.Pid)
	counts := map[int]int{}
	for _, c := range codes {
		counts[c]++
	}
	hashes := metric(t, p, "phoneprov_password_hashes_peak")
	t.Logf("%d concurrent sign-ins: statuses %v; peak RSS %.0f MiB (%.0f MiB before); at most %.0f argon2id hashes at once",
		n, counts, peak, before, hashes)
	if counts[http.StatusSeeOther]+counts[http.StatusServiceUnavailable] != n || counts[http.StatusSeeOther] == 0 {
		t.Errorf("statuses %v, want only 303 (signed in) and 503 (busy), at least one 303", counts)
	}
	if hashes < 1 || hashes > 2 {
		t.Errorf("%.0f argon2id hashes ran at once, cap 2", hashes)
	}
	p.stop(t)
}

// TestTrustCSRFForgedPair posts a state change (sign-out) with a CSRF
// cookie and field the attacker chose to be equal, then with the token of
// another session, then from another origin: all 403. The session's own
// token from the same origin passes.
func TestTrustCSRFForgedPair(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, addAdmin(t, bin))
	base := "http://" + p.ports["http"]
	signIn := func() (*http.Client, string) {
		c := consoleClient(t, "")
		if st := postForm(t, c, base, "/login", csrfOf(t, c, base, "/login"),
			url.Values{"name": {"alice"}, "password": {"correct horse battery"}}); st != http.StatusSeeOther {
			t.Fatalf("sign-in: %d", st)
		}
		return c, csrfOf(t, c, base, "/ui/devices")
	}
	a, tokA := signIn()
	_, tokB := signIn()

	forged := consoleClient(t, "")
	u, _ := url.Parse(base)
	planted := strings.Repeat("x", 43)
	forged.Jar.SetCookies(u, []*http.Cookie{{Name: "pp_csrf", Value: planted}})
	if st := postForm(t, forged, base, "/logout", planted, url.Values{}); st != http.StatusForbidden {
		t.Errorf("forged cookie/field pair: %d, want 403", st)
	}
	if st := postForm(t, a, base, "/logout", tokB, url.Values{}); st != http.StatusForbidden {
		t.Errorf("another session's token: %d, want 403", st)
	}
	req, _ := http.NewRequest("POST", base+"/logout", strings.NewReader(url.Values{"csrf": {tokA}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	if res, err := a.Do(req); err != nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("own token from another origin: %v %v, want 403", res.StatusCode, err)
	}
	if st := postForm(t, a, base, "/logout", tokA, url.Values{}); st != http.StatusSeeOther {
		t.Errorf("own token, same origin: %d, want 303", st)
	}
	p.stop(t)
}

// TestTrustAdminHTTPSOnly starts the server with --admin-https-only: over
// plain HTTP the API answers 403 JSON and the console 403 HTML naming
// https://, while a phone's config and /healthz are served; over HTTPS the
// API works and console pages carry HSTS.
func TestTrustAdminHTTPSOnly(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--admin-https-only")
	get := func(url string) (*http.Response, string) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := consoleClient(t, "").Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}
	plain, secure := "http://"+p.ports["http"], "https://"+p.ports["https"]
	if res, body := get(plain + "/api/v1/devices"); res.StatusCode != 403 ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, "https://") {
		t.Errorf("API over HTTP: %d %s %q, want 403 JSON naming https://", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, body := get(plain + "/login"); res.StatusCode != 403 ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "https://") {
		t.Errorf("console over HTTP: %d %s %q, want 403 HTML naming https://", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if res, _ := get(plain + "/healthz"); res.StatusCode != 200 {
		t.Errorf("/healthz over HTTP: %d", res.StatusCode)
	}
	// The phone's credential comes from the API, over HTTPS only here.
	var prov struct{ Username, Password string }
	if res, body := get(secure + "/api/v1/devices/805ec0a1b2c3/provisioning"); res.StatusCode != 200 || json.Unmarshal([]byte(body), &prov) != nil {
		t.Fatalf("provisioning over HTTPS: %d %s", res.StatusCode, body)
	}
	credentials.Store(p.token+"805ec0a1b2c3", [2]string{prov.Username, prov.Password})
	if code, _ := p.phoneGet(t, plain+"/805ec0a1b2c3.cfg", yealinkUA); code != 200 {
		t.Errorf("phone config over HTTP: %d, want 200 (phone routes unaffected)", code)
	}
	if res, _ := get(secure + "/api/v1/devices"); res.StatusCode != 200 {
		t.Errorf("API over HTTPS: %d", res.StatusCode)
	}
	if res, _ := get(secure + "/login"); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("console over HTTPS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
	}
	p.stop(t)
}

// TestTrustTLSMinVersion connects with openssl s_client -tls1 to HTTPS and
// SIPS: refused by default (TLS 1.2 minimum), accepted with
// --tls-min-version 1.0, which also logs a warning at start-up. TLS 1.2
// with a CBC suite is refused by default too.
func TestTrustTLSMinVersion(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("openssl is required under CI=true (apt-get install openssl)")
		}
		t.Skip("no openssl")
	}
	// handshake reports whether openssl completes a handshake with args.
	handshake := func(addr string, args ...string) (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		// SECLEVEL=0: OpenSSL 3 itself refuses TLS 1.0 otherwise.
		all := append([]string{"s_client", "-connect", addr, "-servername", "localhost"}, args...)
		cmd := exec.CommandContext(ctx, openssl, all...)
		cmd.Stdin = strings.NewReader("Q\n")
		out, _ := cmd.CombinedOutput()
		s := string(out)
		return strings.Contains(s, "BEGIN CERTIFICATE") && !strings.Contains(s, "Cipher is (NONE)"), s
	}
	tls10 := []string{"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"}
	cbc12 := []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"}
	bin := binary(t)
	for _, tc := range []struct {
		name  string
		extra []string
		want  bool
	}{{"default", nil, false}, {"--tls-min-version 1.0", []string{"--tls-min-version", "1.0"}, true}} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, bin, filepath.Join(t.TempDir(), "data"), tc.extra...)
			for _, svc := range []string{"https", "sips"} {
				if ok, out := handshake(p.ports[svc], tls10...); ok != tc.want {
					t.Errorf("%s: TLS 1.0 handshake %t, want %t\n%.600s", svc, ok, tc.want, out)
				}
				if ok, out := handshake(p.ports[svc], "-tls1_2"); !ok {
					t.Errorf("%s: TLS 1.2 handshake failed\n%.600s", svc, out)
				}
			}
			if ok, out := handshake(p.ports["https"], cbc12...); ok == (tc.extra == nil) {
				t.Errorf("TLS 1.2 with a SHA-1 CBC suite: handshake %t\n%.600s", ok, out)
			}
			warned := strings.Contains(p.log.String(), "TLS older than 1.2 accepted")
			if warned != tc.want {
				t.Errorf("start-up warning logged %t, want %t", warned, tc.want)
			}
			p.stop(t)
		})
	}
}
