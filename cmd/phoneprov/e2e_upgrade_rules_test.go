package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestReplacedDeviceStopsRegistering: after a supported-to-supported
// replacement answers, the old device is no longer listed in
// GET /registrations and its next REGISTER refresh is refused; the new
// device registers with its new credentials. The old phone answers
// nothing once registered (a phone that hangs or was unplugged): the
// re-sync NOTIFY to it is retransmitted for seconds, and the registration
// must end at once all the same.
func TestReplacedDeviceStopsRegistering(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--public-host", "127.0.0.1")
	old := addPhone(t, p, "805ec0a1b201", "swapme", "3201")
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if st := rawUDPRegister(t, conn, p.ports["sip"], old, 1); st != 200 {
		t.Fatalf("register before the replacement: %d", st)
	}
	regs := func() []map[string]any {
		var out []map[string]any
		if err := json.Unmarshal(p.raw(t, "GET", "/api/v1/registrations?mac="+old.mac), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if len(regs()) != 1 {
		t.Fatalf("registrations before: %v", regs())
	}
	p.call(t, "POST", "/api/v1/devices/"+old.mac+"/replace", map[string]any{"new_mac": "805ec0a1b202", "new_model": "T46U"}, 200)
	if r := regs(); len(r) != 0 {
		t.Fatalf("the replaced device is still listed right after the replacement answered: %v", r)
	}
	if st := rawUDPRegister(t, conn, p.ports["sip"], old, 3); st != 401 && st != 403 && st != 404 {
		t.Fatalf("the replaced device's REGISTER refresh: %d, want a refusal", st)
	}
	if r := regs(); len(r) != 0 {
		t.Fatalf("the refused refresh left a binding: %v", r)
	}
	code, body, err := fetchConfig(p, &http.Client{Timeout: 10 * time.Second}, "http://"+p.ports["http"], "805ec0a1b202")
	kv := configValues(body)
	if code != 200 || kv["account.1.password"] == "" {
		t.Fatalf("new device's config: %d %v", code, err)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Yealink SIP-T46U 108.86.0.90"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	newPhone := phone{mac: "805ec0a1b202", ext: old.ext, authName: kv["account.1.auth_name"], password: kv["account.1.password"]}
	if err := register(t.Context(), client, p.ports["sip"], newPhone, 5098); err != nil {
		t.Fatalf("the new device does not register: %v", err)
	}
	p.stop(t)
}

// rawUDPRegister registers ph from conn with a digest-authenticated
// REGISTER (CSeq cseq, then cseq+1) and returns the final status. Between
// calls nothing reads conn: the phone answers no NOTIFY. Requests the
// server sent meanwhile are skipped.
func rawUDPRegister(t *testing.T, conn net.PacketConn, server string, ph phone, cseq int) int {
	t.Helper()
	dst, err := net.ResolveUDPAddr("udp", server)
	if err != nil {
		t.Fatal(err)
	}
	local := conn.LocalAddr().String()
	send := func(cseq int, auth string) (int, string) {
		msg := fmt.Sprintf("REGISTER sip:phoneprov.test SIP/2.0\r\nVia: SIP/2.0/UDP %s;rport;branch=z9hG4bK-rules-%d\r\nMax-Forwards: 70\r\n"+
			"From: <sip:%s@phoneprov.test>;tag=rules\r\nTo: <sip:%s@phoneprov.test>\r\nCall-ID: rules-%s\r\nCSeq: %d REGISTER\r\n"+
			"Contact: <sip:%s@%s>\r\nExpires: 3600\r\nUser-Agent: Yealink SIP-T46U 108.86.0.90\r\n%sContent-Length: 0\r\n\r\n",
			local, cseq, ph.ext, ph.ext, ph.mac, cseq, ph.ext, local, auth)
		if _, err := conn.WriteTo([]byte(msg), dst); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 65535)
		for i := 0; i < 50; i++ {
			conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, _, err := conn.ReadFrom(buf)
			if err != nil {
				t.Fatalf("no answer to REGISTER: %v", err)
			}
			res := string(buf[:n])
			var code int
			if _, err := fmt.Sscanf(res, "SIP/2.0 %d", &code); err != nil || !strings.Contains(res, fmt.Sprintf("CSeq: %d REGISTER", cseq)) {
				continue // a NOTIFY or a stale answer
			}
			chal := ""
			for _, l := range strings.Split(res, "\r\n") {
				if k, v, ok := strings.Cut(l, ":"); ok && strings.EqualFold(k, "WWW-Authenticate") && chal == "" {
					chal = strings.TrimSpace(v)
				}
			}
			return code, chal
		}
		t.Fatal("no answer to REGISTER among 50 messages")
		return 0, ""
	}
	code, chal := send(cseq, "")
	if code != 401 {
		return code
	}
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatalf("challenge %q: %v", chal, err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: "REGISTER", URI: "sip:phoneprov.test", Username: ph.authName,
		Password: ph.password, Count: 1, Cnonce: "rulescnonce"})
	if err != nil {
		t.Fatal(err)
	}
	code, _ = send(cseq+1, "Authorization: "+cred.String()+"\r\n")
	return code
}

// consoleSession signs admin alice in to the console over HTTP (CSRF
// cookie and field, as a browser does) and returns the client holding
// the session cookie.
func consoleSession(t *testing.T, base string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	res, err := c.Get(base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on /login: %.500s", page)
	}
	res, err = c.PostForm(base+"/login", url.Values{"csrf": {string(m[1])}, "name": {"alice"}, "password": {"correct horse battery"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "Sign out") {
		t.Fatalf("console sign-in: %d %.500s", res.StatusCode, b)
	}
	return c
}

// get answers the status, Retry-After and body of a GET with client c
// (nil: the admin token).
func (p *proc) get(c *http.Client, path string) (int, string, string) {
	req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+path, nil)
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
		req.Header.Set("Authorization", "Bearer "+p.token)
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Retry-After"), string(b)
}

// TestUpgradeWindowToTheLetter: the FAQ's window against the binary. An
// admin is signed in to the console; during a Classic import the console
// shows the maintenance page with the expected end, the admin API answers
// 503 with Retry-After to reads and writes (except the import's progress,
// the OpenAPI document, /healthz and /metrics), while a phone keeps
// fetching and registering; afterwards the portal is open again and the
// admin was signed out.
func TestUpgradeWindowToTheLetter(t *testing.T) {
	bin := binary(t)
	data := filepath.Join(t.TempDir(), "data")
	add := dataCommand(t, bin, data, "admin", "add", "--data", data, "alice")
	add.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("admin add: %v %s", err, out)
	}
	p := start(t, bin, data, "--public-host", "127.0.0.1")
	base := "http://" + p.ports["http"]
	ph := addPhone(t, p, "805ec0a1b301", "deskphone", "3301")
	console := consoleSession(t, base)
	if st, _, body := p.get(console, "/ui/devices"); st != 200 || !strings.Contains(body, "805ec0a1b301") {
		t.Fatalf("console before the import: %d", st)
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Yealink SIP-T46U 108.86.0.90"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	// The phone fetches and registers throughout.
	var fetchOK, fetchFail, regOK, regFail atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopPhone := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopPhone() // before the test ends, also when it fails
	wg.Add(1)
	go func() {
		defer wg.Done()
		hc := &http.Client{Timeout: 10 * time.Second}
		for i := 0; i < 100000; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if code, _, _ := fetchConfig(p, hc, base, ph.mac); code == 200 {
				fetchOK.Add(1)
			} else {
				fetchFail.Add(1)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			if err := register(ctx, client, p.ports["sip"], ph, 5096); err != nil {
				regFail.Add(1)
				t.Logf("register during the window: %v", err)
			} else {
				regOK.Add(1)
			}
			cancel()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	n := 4000
	if v, err := strconv.Atoi(os.Getenv("PHONEPROV_E2E_IMPORT_USERS")); err == nil && v > 0 {
		n = v
	}
	exp, _ := json.Marshal(devicedb.SyntheticExport(n, n*6/5, n*4/5))
	imported := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", base+"/api/v1/imports/classic", bytes.NewReader(exp))
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := (&http.Client{Timeout: 120 * time.Second}).Do(req)
		if err != nil {
			imported <- 0
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		imported <- res.StatusCode
	}()
	// Wait for the window (bounded), then look at everything inside it.
	// The first 503s may come before the run has its id (the window opens
	// first): wait for one that names it.
	var window map[string]any
	for i := 0; i < 600 && window["import_id"] == nil; i++ {
		st, retry, body := p.get(nil, "/api/v1/users")
		if st == 503 {
			window = nil
			json.Unmarshal([]byte(body), &window)
			if retry == "" {
				t.Fatalf("503 without Retry-After: %s", body)
			}
			if window["import_id"] != nil {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if window == nil {
		t.Fatal("the admin API never answered 503 during the import")
	}
	if window["import_id"] == nil {
		t.Fatalf("no 503 during the import named the import's id: %v", window)
	}
	id := fmt.Sprint(window["import_id"])
	checks := []struct {
		name   string
		c      *http.Client
		path   string
		status int
		says   string
	}{
		{"console read", console, "/ui/devices", 503, `id="expected-end"`},
		{"console sign-in page", console, "/login", 503, "Upgrade in progress"},
		{"API read", nil, "/api/v1/devices", 503, "upgrade"},
		{"API list of scheduled imports", nil, "/api/v1/imports/scheduled", 503, "upgrade"},
		{"the import's progress", nil, "/api/v1/imports/" + id, 200, `"running"`},
		{"OpenAPI document", nil, "/api/v1/openapi.json", 200, "openapi"},
		{"health", nil, "/healthz", 200, ""},
		{"metrics", nil, "/metrics", 200, ""},
	}
	var failed []string
	for _, c := range checks {
		st, retry, body := p.get(c.c, c.path)
		if st != c.status || !strings.Contains(body, c.says) || (st == 503 && retry == "") {
			failed = append(failed, fmt.Sprintf("%s during the import: %d (Retry-After %q) %.300s", c.name, st, retry, body))
		}
	}
	// The checks count only if the window was still open after them.
	if _, _, body := p.get(nil, "/api/v1/imports/"+id); !strings.Contains(body, `"running"`) {
		t.Fatalf("the import ended before the checks did; make the export larger (PHONEPROV_E2E_IMPORT_USERS): %.300s", body)
	}
	for _, f := range failed {
		t.Error(f)
	}
	if st := <-imported; st != 201 {
		t.Fatalf("import: %d", st)
	}
	time.Sleep(300 * time.Millisecond)
	stopPhone()
	t.Logf("during the test: %d config fetches, %d registrations", fetchOK.Load(), regOK.Load())
	if fetchFail.Load() != 0 || regFail.Load() != 0 || fetchOK.Load() == 0 || regOK.Load() == 0 {
		t.Fatalf("phone side: %d/%d fetches, %d/%d registrations failed", fetchFail.Load(), fetchOK.Load(), regFail.Load(), regOK.Load())
	}
	// Open again by itself; the admin was signed out.
	if st, _, body := p.get(console, "/ui/devices"); st != 200 || !strings.Contains(body, `id="login"`) {
		t.Fatalf("console after the import: %d %.300s", st, body)
	}
	if st, _, _ := p.get(nil, "/api/v1/users?limit=1"); st != 200 {
		t.Fatalf("API after the import: %d", st)
	}
	consoleSession(t, base)
	p.stop(t)
}

// TestRemovedLicenseEndsOnTimeOnAServer: a license removed by the provider
// 30 days minus a few seconds ago is suspended and listed everywhere; at
// the 30 days every view drops it at once, reinstate and unassign say it
// is gone, and the scheduler purges it with its audit entry.
func TestRemovedLicenseEndsOnTimeOnAServer(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--scheduler-interval", "1s")
	removed := time.Now().UTC().Truncate(time.Second).Add(-30*24*time.Hour + 4*time.Second)
	rep := p.call(t, "POST", "/api/v1/imports/classic", map[string]any{
		"licenses": []any{map[string]any{"id": "L-END", "type": "X4", "country": "US", "removed_at": removed.Format(time.RFC3339)}},
		"users":    []any{map[string]any{"username": "ender", "extensions": []any{map[string]any{"number": "3401", "license_id": "L-END"}}}},
		"devices":  []any{}}, 201)
	uid := rep["users"].([]any)[0].(map[string]any)["profiles"].([]any)[0].(map[string]any)["user_id"]
	userPath := fmt.Sprintf("/api/v1/users/%v", uid)
	views := func() (license int, userLists bool, listed bool) {
		license, _, _ = p.get(nil, "/api/v1/licenses/L-END")
		_, _, body := p.get(nil, userPath)
		_, _, list := p.get(nil, "/api/v1/licenses")
		return license, strings.Contains(body, "L-END"), strings.Contains(list, "L-END")
	}
	if l, u, ls := views(); l != 200 || !u || !ls {
		t.Fatalf("before the 30 days: license %d, on the user %v, listed %v", l, u, ls)
	}
	time.Sleep(time.Until(removed.Add(30*24*time.Hour)) + 100*time.Millisecond)
	if l, u, ls := views(); l != 404 || u || ls {
		t.Fatalf("at the 30 days: license %d, on the user %v, listed %v", l, u, ls)
	}
	// Reads do not purge: the scheduler does, with its audit entry.
	for i := 0; ; i++ {
		_, _, body := p.get(nil, "/api/v1/audit?entity=license&entity_id=L-END")
		if strings.Contains(body, `"action":"purge"`) {
			break
		}
		if i == 50 {
			t.Fatalf("no purge in the audit log: %s", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.call(t, "POST", "/api/v1/licenses/L-END/reinstate", nil, 404)
	p.call(t, "DELETE", userPath+"/licenses/L-END", nil, 404)
	p.stop(t)
}

// TestScheduledImportRunsOnTime: an import scheduled for a time is listed
// beforehand and run by the server's scheduler at that time.
func TestScheduledImportRunsOnTime(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--scheduler-interval", "1s")
	at := time.Now().UTC().Truncate(time.Second).Add(3 * time.Second)
	req, _ := http.NewRequest("POST", "http://"+p.ports["http"]+"/api/v1/imports/classic?at="+at.Format(time.RFC3339),
		strings.NewReader(`{"users": [{"username": "later", "extensions": [{"number": "3501"}]}], "devices": []}`))
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var si map[string]any
	json.NewDecoder(res.Body).Decode(&si)
	res.Body.Close()
	if res.StatusCode != 201 || si["status"] != "scheduled" {
		t.Fatalf("schedule: %d %v", res.StatusCode, si)
	}
	if _, _, body := p.get(nil, "/api/v1/users?username=later"); body != "[]\n" {
		t.Fatalf("imported before its time: %s", body)
	}
	path := fmt.Sprintf("/api/v1/imports/scheduled/%v", si["id"])
	for i := 0; ; i++ {
		got := p.call(t, "GET", path, nil, 200)
		if got["status"] == "done" {
			if started, _ := time.Parse(time.RFC3339, fmt.Sprint(got["started_at"])); started.Before(at) {
				t.Fatalf("started at %v, before %v", started, at)
			}
			break
		}
		if i == 100 || got["status"] == "failed" {
			t.Fatalf("scheduled import: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, _, body := p.get(nil, "/api/v1/users?username=later"); !strings.Contains(body, `"later"`) {
		t.Fatalf("not imported: %s", body)
	}
	p.stop(t)
}
