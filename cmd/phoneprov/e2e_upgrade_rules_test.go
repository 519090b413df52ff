package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/emiago/sipgo"
)

// TestReplacedDeviceStopsRegistering: after a supported-to-supported
// replacement answers, the old device is no longer listed in
// GET /registrations and its next REGISTER refresh is refused; the new
// device registers with its new credentials.
func TestReplacedDeviceStopsRegistering(t *testing.T) {
	bin := binary(t)
	p := start(t, bin, filepath.Join(t.TempDir(), "data"), "--public-host", "127.0.0.1")
	old := addPhone(t, p, "805ec0a1b201", "swapme", "3201")
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("Yealink SIP-T46U 108.86.0.90"))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := register(t.Context(), client, p.ports["sip"], old, 5097); err != nil {
		t.Fatalf("register before the replacement: %v", err)
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
	err = register(t.Context(), client, p.ports["sip"], old, 5097)
	var se *statusErr
	if !errors.As(err, &se) || (se.code != 401 && se.code != 403 && se.code != 404) {
		t.Fatalf("the replaced device's REGISTER refresh: %v, want a refusal", err)
	}
	if r := regs(); len(r) != 0 {
		t.Fatalf("the refused refresh left a binding: %v", r)
	}
	code, body, err := fetchConfig(&http.Client{Timeout: 10 * time.Second}, "http://"+p.ports["http"], "805ec0a1b202")
	kv := configValues(body)
	if code != 200 || kv["account.1.password"] == "" {
		t.Fatalf("new device's config: %d %v", code, err)
	}
	newPhone := phone{mac: "805ec0a1b202", ext: old.ext, authName: kv["account.1.auth_name"], password: kv["account.1.password"]}
	if err := register(t.Context(), client, p.ports["sip"], newPhone, 5098); err != nil {
		t.Fatalf("the new device does not register: %v", err)
	}
	p.stop(t)
}
