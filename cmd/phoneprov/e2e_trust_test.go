package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/icholy/digest"
)

// trustClient fetches phone files with exactly the proof given: a digest
// credential (user != ""), basic credentials (basic), or none, from the
// source address src ("" for the default).
type trustClient struct {
	t    *testing.T
	base string // http://host:port or https://host:port
	src  string
}

func (c trustClient) get(path, ua, user, pw string, basic bool) (int, string) {
	c.t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}
	if c.src != "" {
		tr.DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(c.src)}}).DialContext
	}
	var rt http.RoundTripper = tr
	if user != "" && !basic {
		rt = &digest.Transport{Username: user, Password: pw, Transport: tr, NoReuse: true}
	}
	req, _ := http.NewRequest("GET", c.base+path, nil)
	if ua != "" {
		req.Header.Set("User-Agent", ua)
	} else {
		req.Header["User-Agent"] = []string{""} // none at all
	}
	if basic {
		req.SetBasicAuth(user, pw)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second, Transport: rt}).Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestTrustConfigFetch: under the default --device-auth credentials, a
// secret-bearing file goes only to a request with the vendor's
// User-Agent naming the model plus the device's own proof; everything
// else gets the uniform 404 (or, without any credential, the same 401
// challenge an unknown MAC gets).
func TestTrustConfigFetch(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	const mac = "805ec0a1b2c3"
	path := "/" + mac + ".cfg"
	plain := trustClient{t: t, base: "http://" + p.ports["http"]}
	secure := trustClient{t: t, base: "https://" + p.ports["https"]}
	prov := p.call(t, "GET", "/api/v1/devices/"+mac+"/provisioning", nil, 200)
	user, pw := prov["username"].(string), prov["password"].(string)
	if user == "" || pw == "" || prov["web_ui_password"] == "" || prov["enrollment"] != nil {
		t.Fatalf("provisioning: %v", prov)
	}
	if u, _ := url.Parse(prov["url"].(string)); u == nil || u.Scheme != "https" || u.User.Username() != user ||
		prov["dhcp_option_66"] != prov["url"] {
		t.Fatalf("provisioning URL %q: want https://user:password@host:port/", prov["url"])
	}
	_, notFound := plain.get("/nothing-here", "", "", "", false)
	_, challenge := plain.get("/805ec0ffffff.cfg", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:ff:ff:ff", "", "", false)
	ok := func(name string, code int, body string) {
		t.Helper()
		if code != 200 || !strings.Contains(body, "account.1.password = ") {
			t.Fatalf("%s: %d, want the config", name, code)
		}
	}
	refused := func(name string, code int, body string) {
		t.Helper()
		if code != 404 || body != notFound {
			t.Fatalf("%s: %d %q, want the uniform 404", name, code, body)
		}
	}

	// Not a phone: never served, with or without the right credential.
	for _, ua := range []string{"", "curl/8.5.0", "Mozilla/5.0"} {
		code, body := plain.get(path, ua, "", "", false)
		refused("UA "+ua+", no credential", code, body)
		code, body = plain.get(path, ua, user, pw, false)
		refused("UA "+ua+", right credential", code, body)
	}
	// The wrong phone's User-Agent, with the right credential.
	code, body := plain.get(path, "Yealink SIP-T31P 124.86.0.40 80:5e:c0:a1:b2:c3", user, pw, false)
	refused("another model's UA", code, body)
	// A stolen MAC: the right UA, no credential: the same challenge as an
	// unknown MAC, and no secret.
	code, body = plain.get(path, yealinkUA, "", "", false)
	if code != 401 || body != challenge {
		t.Fatalf("stolen MAC, no credential: %d %q, want the challenge an unknown MAC gets (%q)", code, body, challenge)
	}
	code, body = plain.get(path, yealinkUA, user, "guessed-password", false)
	refused("stolen MAC, guessed password", code, body)
	// The device's credential: digest on HTTP and HTTPS, basic on HTTPS only.
	code, body = plain.get(path, yealinkUA, user, pw, false)
	ok("digest over HTTP", code, body)
	if !strings.Contains(body, pw) {
		t.Fatalf("the config does not carry the device's credential, so the phone could not keep using it:\n%s", body)
	}
	code, body = secure.get(path, yealinkUA, user, pw, true)
	ok("basic over HTTPS", code, body)
	code, body = plain.get(path, yealinkUA, user, pw, true)
	refused("basic over plain HTTP", code, body)
	// identify tells the same.
	q := url.Values{"path": {path}, "user_agent": {"curl/8.5.0"}}
	if ex := p.call(t, "GET", "/api/v1/identify?"+q.Encode(), nil, 200); ex["served"] != false {
		t.Fatalf("identify for curl: %v, want served false", ex)
	}

	// Rotation: the old credential works until the new one is used.
	rot := p.call(t, "POST", "/api/v1/devices/"+mac+"/provisioning/rotate", nil, 200)
	newPW := rot["password"].(string)
	if newPW == pw || rot["username"] != user {
		t.Fatalf("rotate: %v", rot)
	}
	code, body = plain.get(path, yealinkUA, user, pw, false)
	ok("old credential after rotation", code, body)
	if !strings.Contains(body, newPW) {
		t.Fatal("after rotation the config does not hand the phone its new credential")
	}
	code, body = plain.get(path, yealinkUA, user, newPW, false)
	ok("new credential", code, body)
	code, body = plain.get(path, yealinkUA, user, pw, false)
	refused("old credential after the new one was used", code, body)

	// PUT http-auth (the old route) no longer locks the phone out.
	p.call(t, "PUT", "/api/v1/devices/"+mac+"/http-auth", map[string]any{"enabled": true}, 200)
	code, body = plain.get(path, yealinkUA, user, newPW, false)
	ok("after PUT http-auth", code, body)

	// Enrollment: an expired token is refused.
	e := p.call(t, "POST", "/api/v1/devices/"+mac+"/enrollment", map[string]any{"ttl": "1s"}, 201)
	eu, _ := url.Parse(e["url"].(string))
	time.Sleep(1500 * time.Millisecond)
	code, body = plain.get(eu.Path+mac+".cfg", yealinkUA, "", "", false)
	refused("expired enrollment token", code, body)
	// A valid one works once (the phone's boot files in a row, from its
	// address), for that MAC only; then it is used.
	e = p.call(t, "POST", "/api/v1/devices/"+mac+"/enrollment", map[string]any{"ttl": "24h"}, 201)
	eu, _ = url.Parse(e["url"].(string))
	code, body = plain.get(eu.Path+"0004f2a1b2c3.cfg", polyUA, "", "", false)
	refused("enrollment token of another device", code, body)
	phone := trustClient{t: t, base: plain.base, src: "127.0.0.2"}
	code, body = phone.get(eu.Path+mac+".cfg", yealinkUA, "", "", false)
	ok("valid enrollment token", code, body)
	if !strings.Contains(body, newPW) {
		t.Fatal("the enrollment fetch does not hand the phone its permanent credential")
	}
	other := trustClient{t: t, base: plain.base, src: "127.0.0.3"}
	code, body = other.get(eu.Path+mac+".cfg", yealinkUA, "", "", false)
	refused("reused enrollment token", code, body)
	prov = p.call(t, "GET", "/api/v1/devices/"+mac+"/provisioning", nil, 200)
	if en, _ := prov["enrollment"].(map[string]any); en == nil || en["used_at"] == nil {
		t.Fatalf("enrollment use not shown: %v", prov["enrollment"])
	}
	audit := string(p.raw(t, "GET", "/api/v1/audit?entity=device&entity_id="+mac))
	if !strings.Contains(audit, "enrollment_used") {
		t.Fatalf("enrollment use not audited: %s", audit)
	}

	// Uploads: the same proof as a GET, and only for models that upload.
	put := func(c trustClient, path, ua, user, pw string) int {
		t.Helper()
		var rt http.RoundTripper = http.DefaultTransport
		if user != "" {
			rt = &digest.Transport{Username: user, Password: pw}
		}
		req, _ := http.NewRequest("PUT", c.base+path, strings.NewReader("log line\n"))
		req.Header.Set("User-Agent", ua)
		res, err := (&http.Client{Timeout: 10 * time.Second, Transport: rt}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	const poly = "0004f2a1b2c3"
	if code := put(plain, "/"+poly+"-app.log", "", "", ""); code != 404 {
		t.Fatalf("upload with no User-Agent: %d, want 404", code)
	}
	if code := put(plain, "/"+poly+"-app.log", polyUA, "", ""); code != 401 {
		t.Fatalf("upload without credential: %d, want the challenge", code)
	}
	if code := put(plain, "/"+mac+"-app.log", polyUA, user, newPW); code != 404 {
		t.Fatalf("upload for the Yealink: %d, want 404", code)
	}
	if ups := string(p.raw(t, "GET", "/api/v1/devices/"+poly+"/uploads")); ups != "[]\n" && ups != "[]" {
		t.Fatalf("refused uploads were stored: %s", ups)
	}
	pu, ppw := p.credential(poly)
	if code := put(plain, "/"+poly+"-app.log", polyUA, pu, ppw); code != 204 {
		t.Fatalf("upload with the Poly's credential: %d, want 204", code)
	}
}

// TestTrustSlowUploadsAndWalk: 200 slow PUT bodies and a MAC walk from a
// known phone's own address never keep that phone from its config.
func TestTrustSlowUploadsAndWalk(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	const mac = "805ec0a1b2c3"
	user, pw := p.credential(mac)
	plain := trustClient{t: t, base: "http://" + p.ports["http"]}

	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 200; i++ {
		c, err := net.DialTimeout("tcp", p.ports["http"], 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "PUT /0004f2a1b2c3-app.log HTTP/1.1\r\nHost: x\r\nUser-Agent: %s\r\nContent-Length: 100000\r\n\r\nx", polyUA)
	}
	var trickle sync.WaitGroup
	stop := make(chan struct{})
	trickle.Add(1)
	go func() { // a byte a second on every connection
		defer trickle.Done()
		for i := 0; i < 30; i++ {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
			}
			for _, c := range conns {
				c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				c.Write([]byte("x"))
			}
		}
	}()
	var fetched, busy atomic.Int64
	for i := 0; i < 30; i++ {
		code, body := plain.get("/"+mac+".cfg", yealinkUA, user, pw, false)
		switch {
		case code == 503:
			busy.Add(1)
		case code != 200 || !strings.Contains(body, "account.1.password = "):
			t.Fatalf("phone fetch %d among slow uploads: %d", i, code)
		default:
			fetched.Add(1)
		}
		time.Sleep(100 * time.Millisecond)
	}
	close(stop)
	trickle.Wait()
	if busy.Load() != 0 {
		t.Fatalf("the phone got 503 %d times among 200 slow uploads", busy.Load())
	}

	// The walk: unknown MACs from 127.0.0.1 with a phone's User-Agent and a
	// made-up credential, interleaved with the real phone's fetches from
	// the same address.
	blocked := false
	for i := 0; i < 40; i++ {
		code, _ := plain.get(fmt.Sprintf("/805ec0%06x.cfg", i), yealinkUA, "dnobody", "none", false)
		if code == 429 {
			blocked = true
		} else if code != 404 {
			t.Fatalf("walk %d: %d", i, code)
		}
		if code, _ := plain.get("/"+mac+".cfg", yealinkUA, user, pw, false); code != 200 {
			t.Fatalf("the known phone behind the walking address, after %d unknown MACs: %d", i+1, code)
		}
	}
	if !blocked {
		t.Fatal("the walk of 40 unknown MACs was never blocked")
	}
}

// TestTrustMetricsMethods: made-up HTTP methods do not grow /metrics.
func TestTrustMetricsMethods(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	size := func() int { return len(p.raw(t, "GET", "/metrics")) }
	c := &http.Client{Timeout: 5 * time.Second}
	send := func(m, path string) {
		req, _ := http.NewRequest(m, "http://"+p.ports["http"]+path, nil)
		if res, err := c.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	send("BREW", "/api/v1/users")
	send("BREW", "/805ec0a1b2c3.cfg")
	before := size()
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for i := 0; i < 1000; i++ {
		m := make([]byte, 8)
		for j := range m {
			m[j] = letters[rand.IntN(len(letters))]
		}
		send(string(m), []string{"/api/v1/users", "/805ec0a1b2c3.cfg", "/healthz", "/ui/"}[i%4])
	}
	after := size()
	if after-before > 4096 {
		t.Fatalf("/metrics grew from %d to %d bytes after 1,000 made-up methods", before, after)
	}
}

// TestTrustDeviceAuthFlags: network mode needs --allow; open mode warns.
func TestTrustDeviceAuthFlags(t *testing.T) {
	bin := binary(t)
	out, err := exec.Command(bin, "serve", "--data", t.TempDir(), "--device-auth", "network").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "--allow") {
		t.Fatalf("--device-auth network with --allow any: exit %d\n%s", code, out)
	}
	out, err = exec.Command(bin, "serve", "--data", t.TempDir(), "--device-auth", "sometimes").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "credentials, network or open") {
		t.Fatalf("--device-auth sometimes: exit %d\n%s", code, out)
	}
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1", "--device-auth", "open")
	if !strings.Contains(p.log.String(), "--device-auth open") {
		t.Fatalf("open mode without a warning:\n%s", p.log)
	}
	// Open: the phone's User-Agent is enough, curl still gets nothing.
	plain := trustClient{t: t, base: "http://" + p.ports["http"]}
	if code, _ := plain.get("/805ec0a1b2c3.cfg", yealinkUA, "", "", false); code != 200 {
		t.Fatalf("open mode, phone UA: %d", code)
	}
	if code, _ := plain.get("/805ec0a1b2c3.cfg", "curl/8.5.0", "", "", false); code != 404 {
		t.Fatalf("open mode, curl: %d", code)
	}
	p = start(t, bin, filepath.Join(t.TempDir(), "data2"), "--demo", "--public-host", "127.0.0.1",
		"--device-auth", "network", "--allow", "127.0.0.2/32")
	in := trustClient{t: t, base: "http://" + p.ports["http"], src: "127.0.0.2"}
	plain.base = in.base
	if code, _ := plain.get("/805ec0a1b2c3.cfg", yealinkUA, "", "", false); code != 404 {
		t.Fatalf("network mode, outside --allow: %d", code)
	}
	if code, _ := in.get("/805ec0a1b2c3.cfg", yealinkUA, "", "", false); code != 200 {
		t.Fatalf("network mode, inside --allow: %d", code)
	}
}

func exitCode(err error) int {
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}
