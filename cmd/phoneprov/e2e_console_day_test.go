package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// overviewKeys are the figures of GET /api/v1/overview the console's
// home page shows, each as a.fig[data-key=…].
var overviewKeys = []string{"devices_supported", "devices_unsupported", "devices_pending", "devices_retired",
	"lines_registered", "lines_provisioned", "devices_below_target", "licenses_assigned", "licenses_unassigned", "licenses_suspended"}

// TestConsoleOverviewBrowser: in headless Chromium, the overview's figures
// equal what the API answers (screenshots at 1280x800 and 390x844); the
// device search finds a device by part of a MAC and by a user; a bulk
// re-sync reaches a registered phone and shows its progress; admins are
// added, reset and removed.
func TestConsoleOverviewBrowser(t *testing.T) {
	needBrowser(t)
	bin := binary(t)
	data := t.TempDir()
	add := dataCommand(t, bin, data, "admin", "add", "--data", data, "alice")
	add.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("admin add: %v %s", err, out)
	}
	p := start(t, bin, data, "--demo", "--public-host", "127.0.0.1")
	base := "http://" + p.ports["http"]

	// Alice's demo Yealink fetches its config and registers.
	kv := yealinkConfig(t, p)
	phone := newSIPUDP(t, "127.0.0.1", p.ports["sip"])
	ans := phone.register(t, "1001", "", 2*time.Second)
	if st := sipStatus(phone.register(t, "1001", answerAuth(t, ans, kv["account.1.auth_name"], kv["account.1.password"], 1), 2*time.Second)); st != "200" {
		t.Fatalf("demo phone REGISTER: %s", st)
	}
	// The fetch log and the REGISTER counts are written behind (a few
	// seconds): wait until the API shows both.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		o := p.call(t, "GET", "/api/v1/overview", nil, 200)
		if f, _ := o["fetches"].([]any); len(f) > 0 {
			if r, _ := o["registers"].([]any); len(r) > 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("overview never showed the fetch and the REGISTER: %v", o)
		}
	}

	b := newBrowser(t)
	b.open(base + "/")
	b.typeIn("#login input[name=name]", "alice")
	b.typeIn("#login input[name=password]", "correct horse battery")
	b.click("#login button")
	b.waitText("h1", "Overview")

	t.Logf("step: overview figures equal the API's")
	for attempt := 0; ; attempt++ {
		before := p.call(t, "GET", "/api/v1/overview", nil, 200)
		b.open(base + "/")
		var diffs []string
		for _, k := range overviewKeys {
			got := strings.TrimSpace(b.text(fmt.Sprintf(`a.fig[data-key="%s"] .n`, k)))
			if want := fmt.Sprint(before[k]); got != want {
				diffs = append(diffs, fmt.Sprintf("%s: page %s, API %s", k, got, want))
			}
		}
		after := p.call(t, "GET", "/api/v1/overview", nil, 200)
		if len(diffs) == 0 {
			if before["lines_registered"] != float64(1) || before["devices_supported"] != float64(2) {
				t.Fatalf("demo overview: %v", before)
			}
			break
		}
		if attempt == 3 || fmt.Sprint(before) == fmt.Sprint(after) {
			b.screenshot("overview-mismatch")
			t.Fatalf("overview figures differ from GET /api/v1/overview: %v", diffs)
		}
	}
	// The fetch chart's figure links to the fetches behind it.
	served := b.text(`#chart-fetches .total[data-outcome="served"]`)
	b.click(`#chart-fetches .legend a`)
	rows := b.waitText("#fetch-list", "805ec0a1b2c3")
	if n := len(strings.Split(strings.TrimSpace(rows), "\n")) - 1; fmt.Sprint(n) != served { // rows below the header
		t.Fatalf("fetch chart says %s served, the list behind it has %d:\n%s", served, n, rows)
	}
	b.open(base + "/")
	if got := b.text(`#chart-registers .total[data-outcome="ok"]`); got == "" || got == "0" {
		t.Fatalf("REGISTER chart total: %q", got)
	}
	b.click(`a.fig[data-key="devices_supported"]`)
	b.waitText("#devices", "805ec0a1b2c3")
	b.open(base + "/")
	b.click(`a.fig[data-key="lines_registered"]`)
	if got := b.waitText("#devices", "805ec0a1b2c3"); strings.Contains(got, "0004f2a1b2c3") {
		t.Fatalf("registered devices list shows an unregistered phone: %s", got)
	}
	b.open(base + "/")
	b.resize(1280, 800)
	b.screenshot("overview-1280x800")
	b.resize(390, 844)
	b.screenshot("overview-390x844")
	b.resize(1280, 800)

	t.Logf("step: search")
	b.open(base + "/ui/devices")
	b.typeIn("#device-search input[name=q]", "a1:b2")
	b.click("#device-search button")
	if got := b.waitText("#devices", "805ec0a1b2c3"); !strings.Contains(got, "0004f2a1b2c3") {
		t.Fatalf("search a1:b2 does not find both demo phones: %s", got)
	}
	b.typeIn("#device-search input[name=q]", "bob")
	b.click("#device-search button")
	// the list of the search before showed bob's phone too: wait for the
	// one without alice's (waitTextWithout fails if it never comes)
	b.waitTextWithout("#devices", "0004f2a1b2c3", "805ec0a1b2c3")
	b.screenshot("search")

	t.Logf("step: bulk re-sync")
	b.open(base + "/ui/devices")
	b.click("#select-all")
	b.click("#bulk-apply")
	b.waitText("h1", "Re-sync of 2 devices")
	// The phone answers the NOTIFY of its re-sync.
	notify := phone.recv(10 * time.Second)
	if !strings.HasPrefix(notify, "NOTIFY ") {
		t.Fatalf("no NOTIFY reached the registered phone: %q", notify)
	}
	phone.answer(t, notify, "200 OK")
	b.waitText("#bulk-status", "Finished: 2 of 2 devices")
	lines := b.text("#bulk-lines")
	if !strings.Contains(lines, "805ec0a1b2c3: re-sync NOTIFY") || !strings.Contains(lines, "0004f2a1b2c3: not registered") {
		t.Fatalf("bulk re-sync results: %s", lines)
	}
	b.screenshot("bulk-resync")
	b.open(base + "/ui/devices/805ec0a1b2c3")
	b.waitText("#history", "re-sync requested by admin:alice")

	t.Logf("step: admins")
	b.open(base + "/ui/admins")
	b.typeIn("#add-admin input[name=name]", "carol")
	b.typeIn("#add-admin input[name=password]", "carol's long password")
	b.typeIn("#add-admin input[name=password2]", "carol's long password")
	b.click("#add-admin button")
	b.waitText("#flash", "admin carol added")
	if got := b.text("#admins"); !strings.Contains(got, "carol") || !strings.Contains(got, "never") {
		t.Fatalf("admins list: %s", got)
	}
	b.typeIn(`form[action="/ui/admins/carol/password"] input[name=password]`, "a new password for carol")
	b.typeIn(`form[action="/ui/admins/carol/password"] input[name=password2]`, "a new password for carol")
	b.click(`form[action="/ui/admins/carol/password"] button`)
	b.waitText("#flash", "password of carol reset")
	b.screenshot("admins")
	b.call("POST", "/execute/sync", map[string]any{"script": "window.confirm = function () { return true; };", "args": []any{}}, nil)
	b.click(`form[action="/ui/admins/carol/delete"] button`)
	b.waitText("#flash", "admin carol removed")
	if st, body := p.try(&http.Client{Timeout: 10 * time.Second}, "GET", "/api/v1/admins", nil); st != 200 || strings.Contains(string(body), "carol") {
		t.Fatalf("admins after removing carol: %d %s", st, body)
	}
}
