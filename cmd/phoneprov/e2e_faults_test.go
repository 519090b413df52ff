package main

// Fault tests (issue #6) against the real binary: kill -9 under load, a full
// disk, a graceful restart under load. What they hold the server to:
//
//   - An admin write answered 2xx was committed and survives kill -9; a
//     create refused with an answer left nothing behind.
//   - A Classic import is one transaction: after kill -9 its users are all
//     there or none, and all of them if it was answered 201.
//   - SIP bindings are written behind (sip.Config.FlushInterval, 1 s as
//     serve runs it). The registrar marks a binding dirty before it answers
//     200 at T, and the flush that starts by T + flushInterval writes it,
//     unless an import holds the database then (from importLead after the
//     import was sent, which is less than the time the server takes to read
//     and plan it, to its answer): that flush waits for the import's end.
//     A binding is required after the restart when that moment plus
//     bindSlack (for the flush waiting behind admin writes and the
//     scheduler) comes before the kill; a later one may or may not be
//     listed.
//   - phoneprov check passes after every kill, and after a full disk.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

const (
	flushInterval = time.Second // sip.DefaultFlushInterval, which serve uses
	bindSlack     = 1500 * time.Millisecond
	importLead    = 500 * time.Millisecond
)

// try sends an admin request and returns the status and body; a transport
// error (the server is gone) is status 0.
func (p *proc) try(c *http.Client, method, path string, body any) (int, []byte) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+p.ports["http"]+path, rd)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := c.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, []byte(err.Error())
	}
	return res.StatusCode, b
}

// listAll pages through an admin list route.
func (p *proc) listAll(t *testing.T, path string) []map[string]any {
	t.Helper()
	var all []map[string]any
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	next := ""
	for i := 0; i < 1000; i++ {
		req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+path+sep+"limit=1000&cursor="+next, nil)
		req.Header.Set("Authorization", "Bearer "+p.token)
		res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page []map[string]any
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
		all = append(all, page...)
		if next = res.Header.Get("X-Next-Cursor"); next == "" {
			return all
		}
	}
	t.Fatalf("GET %s: more than 1000 pages", path)
	return nil
}

// runCheck runs phoneprov check on the data directory and wants "ok".
func runCheck(t *testing.T, bin, data string) {
	t.Helper()
	out, err := dataCommand(t, bin, data, "check", "--data", data).CombinedOutput()
	if err != nil || string(out) != "ok\n" {
		t.Fatalf("phoneprov check: %v\n%s", err, out)
	}
}

// phone is a Yealink with line 1 on a licensed user, and the credentials
// its config carries.
type phone struct{ mac, ext, authName, password string }

func fetchConfig(p *proc, c *http.Client, base, mac string) (int, string, error) {
	var colon []string
	for i := 0; i < 12; i += 2 {
		colon = append(colon, mac[i:i+2])
	}
	req, _ := http.NewRequest("GET", base+"/"+mac+".cfg", nil)
	req.Header.Set("User-Agent", "Yealink SIP-T46U 108.86.0.90 "+strings.Join(colon, ":"))
	res, err := p.phoneDo(c, req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}

func configValues(body string) map[string]string {
	kv := map[string]string{}
	for _, l := range strings.Split(body, "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			kv[k] = v
		}
	}
	return kv
}

func addPhone(t *testing.T, p *proc, mac, username, ext string) phone {
	t.Helper()
	addDevice(t, p, mac, "Yealink T46U", username, ext)
	code, body, err := fetchConfig(p, &http.Client{Timeout: 10 * time.Second}, "http://"+p.ports["http"], mac)
	kv := configValues(body)
	if code != 200 || kv["account.1.enable"] != "1" || kv["account.1.password"] == "" {
		t.Fatalf("config of %s: %d %v\n%.300s", mac, code, err, body)
	}
	return phone{mac: mac, ext: ext, authName: kv["account.1.auth_name"], password: kv["account.1.password"]}
}

// addDevice adds a device of model with line 1 on a new licensed user.
func addDevice(t *testing.T, p *proc, mac, model, username, ext string) {
	t.Helper()
	u := p.call(t, "POST", "/api/v1/users", map[string]any{"username": username, "first_name": "F", "extension": ext}, 201)
	l := p.call(t, "POST", "/api/v1/licenses", map[string]any{"type": "X4", "country": "US", "service_address": "1 Main St"}, 201)
	p.call(t, "POST", fmt.Sprintf("/api/v1/users/%v/licenses", u["id"]), map[string]any{"license_id": l["id"]}, 200)
	p.call(t, "POST", "/api/v1/devices", map[string]any{"mac": mac, "model": model}, 201)
	p.call(t, "PUT", "/api/v1/devices/"+mac+"/lines/1", map[string]any{"user_id": u["id"]}, 200)
}

// register sends one digest-authenticated REGISTER over TCP for ph with a
// contact on port.
func register(ctx context.Context, c *sipgo.Client, addr string, ph phone, port int) error {
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: "phoneprov.test"})
	req.AppendHeader(sip.NewHeader("To", "<sip:"+ph.ext+"@phoneprov.test>"))
	req.AppendHeader(sip.NewHeader("From", "<sip:"+ph.ext+"@phoneprov.test>;tag=faults"))
	req.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:%s@127.0.0.1:%d;transport=tcp>", ph.ext, port)))
	req.AppendHeader(sip.NewHeader("Expires", "3600"))
	req.SetTransport("TCP")
	req.SetDestination(addr)
	res, err := c.Do(ctx, req)
	if err == nil && res.StatusCode == 401 {
		res, err = c.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: ph.authName, Password: ph.password})
	}
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return &statusErr{res.StatusCode}
	}
	return nil
}

// needRoot skips a test that mounts file systems, unless CI=true (CI runs
// as root, so there it is a failure).
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("needs root to mount a tmpfs; CI runs as root")
	}
	t.Skip("needs root to mount a tmpfs")
}
