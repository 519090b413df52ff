package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
	"github.com/phoneprov/phoneprov/devicedb"
)

// secrets collects every secret the test sees, with where it came from.
type secrets map[string]string

func (s secrets) add(t *testing.T, what, v string) {
	t.Helper()
	if len(v) < 8 {
		t.Fatalf("%s: %q is too short to be a secret worth grepping for", what, v)
	}
	s[v] = what
}

// configValue is the value of key in a rendered config: "key = v" lines
// (Yealink) or key="v" attributes (Poly).
func configValue(t *testing.T, body, key string) string {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), key+" = "); ok {
			return v
		}
		if _, rest, ok := strings.Cut(l, " "+key+`="`); ok {
			v, _, _ := strings.Cut(rest, `"`)
			return v
		}
	}
	t.Fatalf("no %s in config:\n%.300s", key, body)
	return ""
}

// TestHostileNoSecretsInLogs runs the server at debug level through a full
// life: phone fetches, registrations with right and wrong passwords, admin
// console sign-ins, a Classic import with a welcome message and its
// set-password link, a device replacement, a re-sync, per-device HTTP
// digest credentials, and an SMTP URL with a password. Every secret it
// created or saw must be absent from both runs' logs.
func TestHostileNoSecretsInLogs(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	sec := secrets{}
	adminPW, smtpPW := "console-pass-5f2a9c1e", "smtp-pass-8d3b7e40"
	sec.add(t, "console admin password", adminPW)
	sec.add(t, "SMTP password", smtpPW)
	add := dataCommand(t, bin, data, "admin", "add", "--data", data, "opsadmin")
	add.Stdin = strings.NewReader(adminPW + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("admin add: %v\n%s", err, out)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0") // a port nothing listens on once closed
	smtpURL := "smtp://mailer:" + smtpPW + "@" + l.Addr().String() + "?from=noreply@acme.example"
	l.Close()
	p := start(t, bin, data, "--demo", "--log-level", "debug", "--public-host", "127.0.0.1", "--smtp-url", smtpURL)
	sec.add(t, "admin token", p.token)
	base := "http://" + p.ports["http"]

	fetch := func(path, ua string) string {
		code, body := p.phoneGet(t, base+path, ua)
		if code != 200 {
			t.Fatalf("GET %s: %d", path, code)
		}
		return body
	}
	yealink := fetch("/805ec0a1b2c3.cfg", yealinkUA)
	authUser, linePW := configValue(t, yealink, "account.1.auth_name"), configValue(t, yealink, "account.1.password")
	sec.add(t, "Alice's SIP password", linePW)
	sec.add(t, "Alice's HA1", md5hex(authUser+":phoneprov.test:"+linePW))
	sec.add(t, "Bob's SIP password", configValue(t, fetch("/phoneprov-0004f2a1b2c3.cfg", polyUA), "reg.1.auth.password"))
	getUA(t, base+"/805ec0a1b2c4.cfg", yealinkUA) // unknown: 404

	// Registrations: wrong password, then right, from the phone's address.
	phone := newSIPUDP(t, "127.0.0.2", p.ports["sip"])
	ch := phone.register(t, "1001", "", 2*time.Second)
	if got := phone.register(t, "1001", answerAuth(t, ch, authUser, "wrong-password-1", 1), 2*time.Second); sipStatus(got) != "401" {
		t.Fatalf("wrong password: %.100q", got)
	}
	ch = phone.register(t, "1001", "", 2*time.Second)
	if got := phone.register(t, "1001", answerAuth(t, ch, authUser, linePW, 1), 2*time.Second); sipStatus(got) != "200" {
		t.Fatalf("right password: %.100q", got)
	}
	p.call(t, "POST", "/api/v1/devices/805ec0a1b2c3/resync", nil, 202)
	n := phone.recv(3 * time.Second)
	if !strings.HasPrefix(n, "NOTIFY ") {
		t.Fatalf("re-sync sent no NOTIFY to the registered phone: %.100q", n)
	}
	phone.answer(t, n, "200 OK")
	for i := 0; i < 50 && !strings.Contains(string(p.raw(t, "GET", "/api/v1/devices/805ec0a1b2c3/resync")), `"status":200`); i++ {
		time.Sleep(100 * time.Millisecond)
	}

	// Console sign-in, wrong then right.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(path string, form url.Values, want int) *http.Response {
		t.Helper()
		form.Set("csrf", csrfOf(t, browser, base, "/login")) // derived from the session
		res, err := browser.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != want {
			t.Fatalf("POST %s: %d, want %d", path, res.StatusCode, want)
		}
		return res
	}
	if res, err := browser.Get(base + "/login"); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET /login: %v %v", res, err)
	}
	post("/login", url.Values{"name": {"opsadmin"}, "password": {"not-" + adminPW}}, 401)
	for _, c := range post("/login", url.Values{"name": {"opsadmin"}, "password": {adminPW}}, 303).Cookies() {
		sec.add(t, "console cookie "+c.Name, c.Value)
	}

	// A Classic import: Joe's second extension becomes a profile with a
	// welcome message; the imported device gets SIP credentials.
	exp := `{"account":{"pbx_name":"PBX1","company_name":"Acme Inc"},
	 "licenses":[{"id":"L-100","type":"X4","country":"US","service_address":"1 Main St"},{"id":"L-101","type":"X4","country":"US","service_address":"1 Main St"}],
	 "users":[{"username":"joe8x8","first_name":"Joe","last_name":"Smith","email":"joe@acme.example","voicemail_to_email":"disabled",
	   "extensions":[{"number":"2001","license_id":"L-100"},{"number":"2002","license_id":"L-101"}]}],
	 "devices":[{"mac":"0004f2a1b2c9","model":"VVX 410","lines":[{"line":1,"extension":"2001"}]}]}`
	req, _ := http.NewRequest("POST", base+"/api/v1/imports/classic", strings.NewReader(exp))
	req.Header.Set("Authorization", "Bearer "+p.token)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 201 {
		t.Fatalf("import: %v %v", res, err)
	}
	sec.add(t, "imported line's SIP password", configValue(t, fetch("/phoneprov-0004f2a1b2c9.cfg", polyUA), "reg.1.auth.password"))
	var outbox []devicedb.OutboxMessage
	json.Unmarshal(p.raw(t, "GET", "/api/v1/outbox"), &outbox)
	if len(outbox) == 0 || outbox[0].Link == "" {
		t.Fatalf("no welcome message with a link in the outbox: %+v", outbox)
	}
	link, _ := url.Parse(outbox[0].Link)
	token := link.Query().Get("token")
	sec.add(t, "set-password token", token)
	if res, err := browser.Get(base + "/set-password?token=" + url.QueryEscape(token)); err != nil || res.StatusCode != 200 {
		t.Fatalf("set-password page: %v %v", res, err)
	}
	userPW := "user-pass-0c7d21aa"
	sec.add(t, "user password", userPW)
	post("/set-password", url.Values{"token": {token}, "password": {userPW}, "password2": {userPW}}, 200)

	// A replacement gives Bob's line new credentials on the new device.
	p.call(t, "POST", "/api/v1/devices/0004f2a1b2c3/replace", map[string]any{"new_mac": "0004f2a1b2d0", "new_model": "VVX 410"}, 200)
	sec.add(t, "replacement's SIP password", configValue(t, fetch("/phoneprov-0004f2a1b2d0.cfg", polyUA), "reg.1.auth.password"))

	// Per-device HTTP digest credentials: fetches without and with wrong ones.
	p.call(t, "PUT", "/api/v1/devices/805ec0a1b2c3/http-auth", map[string]any{"enabled": true}, 200)
	if code, _ := getUA(t, base+"/805ec0a1b2c3.cfg", yealinkUA); code != 401 {
		t.Fatalf("fetch without device credentials: %d", code)
	}
	if code := digestFetch(t, base, "/805ec0a1b2c3.cfg", "d805ec0a1b2c3", "wrong-http-password"); code != 404 {
		t.Fatalf("fetch with a wrong device password: %d", code)
	}
	p.stop(t)
	logs := p.log.String()

	// The device password is only in the database: read it, then let the
	// device fetch with it in a second run.
	st, err := devicedb.Open(context.Background(), devicedb.Options{Database: testbin.Database(t, data),
		Path: filepath.Join(data, "phoneprov.db"), KeyFile: filepath.Join(data, "secret.key")})
	if err != nil {
		t.Fatal(err)
	}
	httpUser, httpPW, err := st.DeviceHTTPCredentials(context.Background(), "805ec0a1b2c3")
	st.Close()
	if err != nil || httpPW == "" {
		t.Fatalf("device HTTP credentials: %q %v", httpUser, err)
	}
	sec.add(t, "device HTTP password", httpPW)
	p = start(t, bin, data, "--log-level", "debug", "--public-host", "127.0.0.1")
	if code := digestFetch(t, "http://"+p.ports["http"], "/805ec0a1b2c3.cfg", httpUser, httpPW); code != 200 {
		t.Fatalf("fetch with the device credentials: %d", code)
	}
	p.stop(t)
	logs += p.log.String()

	if !strings.Contains(logs, `"level":"DEBUG"`) || len(logs) < 2000 {
		t.Fatalf("the logs are not debug logs of a full run (%d bytes)", len(logs))
	}
	for v, what := range sec {
		if i := strings.Index(logs, v); i >= 0 {
			t.Errorf("%s appears in the log: …%s…", what, logs[max(0, i-200):min(len(logs), i+len(v)+50)])
		}
	}
	t.Logf("%d secrets, none in %d bytes of debug logs of two runs", len(sec), len(logs))
}

func md5hex(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

// digestFetch fetches path as the demo Yealink with HTTP digest
// credentials and returns the final status.
func digestFetch(t *testing.T, base, path, user, pass string) int {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &digest.Transport{Username: user, Password: pass}}
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("User-Agent", yealinkUA)
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 && !bytes.Contains(b, []byte(pass)) {
		t.Fatalf("the config served with device credentials does not carry them")
	}
	return res.StatusCode
}
