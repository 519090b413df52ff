package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBaresipRegistersWithRenderedCredentials is the registrar's end-to-end
// case with a real SIP user agent: baresip registers with the auth user and
// password phoneprov rendered into the phone's config, the binding shows up
// as that user's device, an admin change pushes a check-sync NOTIFY to it,
// and the device's next config fetch confirms the re-sync.
func TestBaresipRegistersWithRenderedCredentials(t *testing.T) {
	if _, err := exec.LookPath("baresip"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("baresip is not installed (CI installs it)")
		}
		t.Skip("baresip not installed")
	}
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--demo", "--public-host", "127.0.0.1")
	const ua = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3"
	fetch := func() string {
		req, _ := http.NewRequest("GET", "http://"+p.ports["http"]+"/805ec0a1b2c3.cfg", nil)
		req.Header.Set("User-Agent", ua)
		res, err := p.phoneDo(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	kv := map[string]string{}
	for _, l := range strings.Split(fetch(), "\n") {
		if k, v, ok := strings.Cut(l, " = "); ok {
			kv[k] = v
		}
	}
	authUser, pass, user := kv["account.1.auth_name"], kv["account.1.password"], kv["account.1.user_name"]
	if authUser == "" || pass == "" || user != "1001" {
		t.Fatalf("rendered credentials: %v", kv)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config"), []byte("module_path /usr/lib/baresip/modules\nmodule account.so\nmodule g711.so\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "accounts"), []byte("<sip:"+user+"@phoneprov.test>;auth_user="+authUser+";auth_pass="+pass+
		";outbound=\"sip:"+p.ports["sip"]+"\";regint=120\n"), 0o600)
	bs := exec.Command("baresip", "-4", "-f", dir, "-t", "30")
	out := &syncBuffer{}
	bs.Stdout, bs.Stderr = out, out
	if err := bs.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { bs.Process.Kill(); bs.Wait() }()

	var regs []map[string]any
	deadline := time.Now().Add(15 * time.Second)
	for len(regs) == 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		json.Unmarshal(p.raw(t, "GET", "/api/v1/registrations?mac=805ec0a1b2c3"), &regs)
	}
	if len(regs) != 1 || !strings.Contains(regs[0]["user_agent"].(string), "baresip") {
		t.Fatalf("registrations: %v\nbaresip:\n%s", regs, out)
	}
	dev := p.call(t, "GET", "/api/v1/devices/805ec0a1b2c3", nil, 200)
	if rs := dev["registrations"].([]any); len(rs) != 1 || rs[0].(map[string]any)["user_id"] != dev["lines"].([]any)[0].(map[string]any)["user_id"] {
		t.Fatalf("device view registrations: %v", dev["registrations"])
	}

	// An admin change to the user alters the phone's config: a NOTIFY goes out.
	p.call(t, "PATCH", "/api/v1/users/1", map[string]any{"first_name": "Alicia"}, 200)
	var st map[string]any
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
		st = map[string]any{}
		if json.Unmarshal(p.raw(t, "GET", "/api/v1/devices/805ec0a1b2c3/resync"), &st) == nil && st["results"] != nil {
			break
		}
	}
	results, _ := st["results"].([]any)
	if st["event"] != "check-sync;reboot=false" || len(results) != 1 || results[0].(map[string]any)["status"] == nil {
		t.Fatalf("re-sync after the change: %v", st)
	}
	if !strings.Contains(fetch(), "Alicia") {
		t.Fatal("re-fetched config lacks the change")
	}
	st = map[string]any{}
	json.Unmarshal(p.raw(t, "GET", "/api/v1/devices/805ec0a1b2c3/resync"), &st)
	if st["confirmed_at"] == nil {
		t.Fatalf("the re-fetch did not confirm the re-sync: %v", st)
	}
	p.stop(t)
}

// raw sends an authenticated request and returns the body.
func (p *proc) raw(t *testing.T, method, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+p.ports["http"]+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return b
}
