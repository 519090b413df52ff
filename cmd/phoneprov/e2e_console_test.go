package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The console's browser tests drive Debian's headless Chromium through
// chromedriver's WebDriver HTTP protocol (net/http only). Screenshots go
// to $PHONEPROV_ARTIFACTS (or a temporary directory).

const elementKey = "element-6066-11e4-a52e-4f735466cecf"

// browser is one WebDriver session.
type browser struct {
	t    *testing.T
	base string // http://127.0.0.1:PORT/session/ID
	shot string // screenshot directory
	c    *http.Client
}

func needBrowser(t *testing.T) (chromium, driver string) {
	t.Helper()
	chromium, err1 := exec.LookPath("chromium")
	driver, err2 := exec.LookPath("chromedriver")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("chromium and chromedriver are required under CI=true (apt-get install chromium chromium-driver): %v %v", err1, err2)
		}
		t.Skip("chromium or chromedriver missing (apt-get install chromium chromium-driver)")
	}
	return chromium, driver
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	chromium, driver := needBrowser(t)
	cmd := exec.Command(driver, "--port=0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	portc := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`started successfully on port (\d+)`)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				portc <- m[1]
			}
		}
	}()
	var port string
	select {
	case port = <-portc:
	case <-time.After(20 * time.Second):
		t.Fatal("chromedriver did not say its port within 20 s")
	}
	shots := os.Getenv("PHONEPROV_ARTIFACTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, base: "http://127.0.0.1:" + port, shot: shots, c: &http.Client{Timeout: 60 * time.Second}}
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome", "unhandledPromptBehavior": "accept",
		"goog:chromeOptions": map[string]any{"binary": chromium, "args": []string{"--headless", "--no-sandbox", "--disable-gpu",
			"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			"--disable-dev-shm-usage", "--user-data-dir=" + t.TempDir(), "--window-size=1280,800"}},
	}}}
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	b.call("POST", "/session", caps, &sess)
	if sess.SessionID == "" {
		t.Fatal("no WebDriver session")
	}
	b.base += "/session/" + sess.SessionID
	t.Cleanup(func() { b.call("DELETE", "", nil, nil) })
	return b
}

// call sends one WebDriver command and decodes its "value" into out.
func (b *browser) call(method, path string, body, out any) {
	b.t.Helper()
	if err := b.try(method, path, body, out); err != nil {
		b.t.Fatal(err)
	}
}

// errStale is a WebDriver answer saying the element went away: the page
// was re-rendered between finding it and using it (a form post reloads
// the page). Callers find the element again.
type errStale struct{ msg string }

func (e errStale) Error() string { return e.msg }

// try is call that returns the failure instead of ending the test.
func (b *browser) try(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, b.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.c.Do(req)
	if err != nil {
		return fmt.Errorf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || resp.StatusCode != http.StatusOK {
		var e struct {
			Value struct {
				Error string `json:"error"`
			} `json:"value"`
		}
		msg := fmt.Sprintf("webdriver %s %s: %d %.500s", method, path, resp.StatusCode, raw)
		// Chromium also says a replaced page's node "does not belong to the
		// document" (an "unknown error"): the same stale element.
		if json.Unmarshal(raw, &e) == nil && (e.Value.Error == "stale element reference" || e.Value.Error == "no such element" ||
			strings.Contains(string(raw), "does not belong to the document")) {
			return errStale{msg}
		}
		return errors.New(msg)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(env.Value, out); err != nil {
		return fmt.Errorf("webdriver %s %s: %v in %.300s", method, path, err, raw)
	}
	return nil
}

// onElement finds css and runs one command on it, finding it again while
// the page re-renders under it (up to 10 s).
func (b *browser) onElement(css, method, suffix string, body, out any) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := b.try(method, "/element/"+b.find(css)+suffix, body, out)
		if err == nil {
			return
		}
		if _, stale := err.(errStale); !stale || time.Now().After(deadline) {
			b.t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *browser) open(url string) {
	b.t.Helper()
	b.call("POST", "/url", map[string]string{"url": url}, nil)
}

// find waits up to 10 s for the CSS selector and returns the element id.
func (b *browser) find(css string) string {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var found []map[string]string
		b.call("POST", "/elements", map[string]string{"using": "css selector", "value": css}, &found)
		if len(found) > 0 {
			return found[0][elementKey]
		}
		if time.Now().After(deadline) {
			b.screenshot("missing-element")
			b.t.Fatalf("no element %q on %s", css, b.text("body"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *browser) text(css string) string {
	b.t.Helper()
	var s string
	b.onElement(css, "GET", "/text", nil, &s)
	return s
}

// value is the current value of a form field.
func (b *browser) value(css string) string {
	b.t.Helper()
	var s string
	b.onElement(css, "GET", "/property/value", nil, &s)
	return s
}

func (b *browser) typeIn(css, s string) {
	b.t.Helper()
	b.onElement(css, "POST", "/clear", map[string]any{}, nil)
	b.onElement(css, "POST", "/value", map[string]string{"text": s}, nil)
}

func (b *browser) click(css string) {
	b.t.Helper()
	b.onElement(css, "POST", "/click", map[string]any{}, nil)
}

// waitText waits up to 15 s for the element to contain want.
func (b *browser) waitText(css, want string) string {
	b.t.Helper()
	return b.waitTextWithout(css, want, "")
}

// waitTextWithout is waitText for a text that also lacks unwanted (when
// not empty): a page that still shows the previous answer is waited out.
func (b *browser) waitTextWithout(css, want, unwanted string) string {
	b.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var found []map[string]string
		b.call("POST", "/elements", map[string]string{"using": "css selector", "value": css}, &found)
		if len(found) > 0 {
			// A stale element means the page is being replaced: look again.
			var s string
			err := b.try("GET", "/element/"+found[0][elementKey]+"/text", nil, &s)
			if _, stale := err.(errStale); err != nil && !stale {
				b.t.Fatal(err)
			}
			if err == nil && strings.Contains(s, want) && (unwanted == "" || !strings.Contains(s, unwanted)) {
				return s
			}
		}
		if time.Now().After(deadline) {
			b.screenshot("missing-text")
			b.t.Fatalf("%q never showed %q (without %q); page:\n%.3000s", css, want, unwanted, b.text("body"))
		}
		time.Sleep(150 * time.Millisecond)
	}
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	var s string
	b.call("GET", "/screenshot", nil, &s)
	png, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(png) < 100 {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	file := strings.ReplaceAll(fmt.Sprintf("%s-%s.png", b.t.Name(), name), "/", "_")
	if err := os.WriteFile(filepath.Join(b.shot, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browser) resize(w, h int) {
	b.t.Helper()
	b.call("POST", "/window/rect", map[string]int{"width": w, "height": h}, nil)
}

// TestConsoleBrowser walks the seeds' workflows in headless Chromium:
// sign in, add a license, a user and a device, assign a line, import a
// Classic export (dry run, then for real), replace the unsupported device
// it brought through the wizard, and find it all in the audit log.
func TestConsoleBrowser(t *testing.T) {
	needBrowser(t)
	bin := binary(t)
	data := t.TempDir()
	add := dataCommand(t, bin, data, "admin", "add", "--data", data, "alice")
	add.Stdin = strings.NewReader("correct horse battery\n")
	if out, err := add.CombinedOutput(); err != nil || !strings.Contains(string(out), "admin alice added") {
		t.Fatalf("admin add: %v %s", err, out)
	}
	p := start(t, bin, data)
	base := "http://" + p.ports["http"]
	b := newBrowser(t)
	// step runs one workflow; the browser fails the whole test, so later
	// steps never run on a broken state.
	step := func(name string, fn func(t *testing.T)) {
		t.Logf("step: %s", name)
		fn(t)
	}

	step("sign in", func(t *testing.T) {
		b.open(base + "/ui/users")
		b.typeIn("#login input[name=name]", "alice")
		b.typeIn("#login input[name=password]", "wrong password")
		b.click("#login button")
		b.waitText("#flash", "wrong admin name or password")
		b.typeIn("#login input[name=password]", "correct horse battery")
		b.click("#login button")
		b.waitText("header", "alice")
		b.waitText("h1", "Users")
		b.screenshot("signed-in")
	})
	step("add a device and assign a line", func(t *testing.T) {
		b.open(base + "/ui/licenses")
		b.click("#add-license summary")
		b.typeIn("#add-license input[name=type]", "X4")
		b.typeIn("#add-license input[name=country]", "US")
		b.typeIn("#add-license input[name=service_address]", "9 Elm St, Boston, MA")
		b.click("#add-license button")
		b.waitText("#flash", "(X4, US) created")
		b.click("#types a")
		b.click("#countries a")
		b.waitText("#license-details", "unassigned")
		if v := b.value("#license-details input[name=service_address]"); v != "9 Elm St, Boston, MA" {
			t.Fatalf("service address field shows %q", v)
		}
		b.screenshot("licenses")
		b.open(base + "/ui/users")
		b.click("#add-user summary")
		for f, v := range map[string]string{"username": "ann", "first_name": "Ann", "last_name": "Lee", "email": "ann@acme.example", "extension": "2001"} {
			b.typeIn("#add-user input[name="+f+"]", v)
		}
		b.click("#add-user button")
		b.waitText("#flash", "user ann created")
		b.click("#assign-license button")
		b.waitText("#flash", "assigned")
		b.open(base + "/ui/devices")
		b.click("#add-device summary")
		b.typeIn("#add-device input[name=mac]", "80:5E:C0:A1:B2:C3")
		b.typeIn("#add-device input[name=model]", "Yealink T46U")
		b.click("#add-device button")
		b.waitText("#flash", "device 805ec0a1b2c3 (T46U) added")
		b.typeIn("#assign-line input[name=user]", "2001")
		b.click("#assign-line button")
		b.waitText("#flash", "line 1 of 805ec0a1b2c3 assigned to ann (extension 2001)")
		b.waitText("#lines", "enabled")
		// The phone fetches its config; the device page shows it in the
		// last fetches and the history (the fetch log is written in batches).
		req, _ := http.NewRequest("GET", base+"/805ec0a1b2c3.cfg", nil)
		req.Header.Set("User-Agent", "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3")
		res, err := p.phoneDo(nil, req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("phone fetch: %d", res.StatusCode)
		}
		for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(300 * time.Millisecond) {
			b.open(base + "/ui/devices/805ec0a1b2c3")
			if strings.Contains(b.text("#history"), "fetched 805ec0a1b2c3.cfg: 200") {
				break
			}
			if time.Now().After(deadline) {
				b.screenshot("no-fetch")
				t.Fatalf("the device history never showed the fetch: %s", b.text("#history"))
			}
		}
		b.waitText("#fetches", "Yealink SIP-T46U")
		b.screenshot("device")
		b.open(base + "/ui/devices?q=805ec0a1b2c3")
		b.waitText("h1", "Device 805ec0a1b2c3")
		b.resize(390, 844)
		b.open(base + "/ui/devices")
		b.waitText("#devices", "805ec0a1b2c3")
		b.screenshot("devices-phone-size")
		b.resize(1280, 800)
	})
	step("import dry run and real import", func(t *testing.T) {
		export, err := filepath.Abs("../../devicedb/testdata/import/seeds-joe.json")
		if err != nil {
			t.Fatal(err)
		}
		b.open(base + "/ui/import")
		b.call("POST", "/element/"+b.find("#upload input[type=file]")+"/value", map[string]string{"text": export}, nil)
		b.click("#upload button")
		b.waitText("#dry-run", "nothing has changed yet")
		b.waitText("#totals", "Acme Inc")
		b.waitText("#report-devices", "unsupported")
		b.screenshot("import-dry-run")
		b.open(base + "/ui/users?q=joe8x8")
		if s := b.text("#users"); strings.Contains(s, "joe8x8") {
			t.Fatalf("the dry run created users: %s", s)
		}
		b.call("POST", "/back", map[string]any{}, nil)
		b.click("#run-import button")
		// The import signs every admin out (the FAQ): sign in again, back
		// to the job page, which shows the result.
		b.waitText("h1", "Sign in")
		b.typeIn("#login input[name=name]", "alice")
		b.typeIn("#login input[name=password]", "correct horse battery")
		b.click("#login button")
		b.waitText("#flash", "import run 1 finished")
		b.screenshot("import-done")
		b.open(base + "/ui/users?q=joe8x8")
		b.waitText("#users", "joe8x8")
	})
	step("replace the unsupported device", func(t *testing.T) {
		b.open(base + "/ui/devices?view=unsupported")
		b.waitText("#devices", "suggested replacement: VVX 150")
		b.open(base + "/ui/replace")
		b.waitText("#unsupported", "0004f2a1b2c4")
		b.click("#unsupported a")
		b.waitText("#old-device", "SoundPoint IP 331")
		b.typeIn("#replace-form input[name=new_mac]", "0004f2c0ffee")
		b.click("#replace-form button")
		b.waitText("#plan", "nothing has changed yet")
		b.screenshot("replace-plan")
		b.click("#confirm-replace button")
		b.waitText("#flash", "device 0004f2a1b2c4 replaced by 0004f2c0ffee")
		b.waitText("h1", "Device 0004f2c0ffee")
		b.screenshot("replaced")
	})
	step("audit log", func(t *testing.T) {
		b.open(base + "/ui/audit?actor=admin:alice")
		got := b.waitText("#audit", "admin:alice")
		for _, want := range []string{"0004f2c0ffee", "805ec0a1b2c3", "sign_in"} {
			if !strings.Contains(got, want) {
				t.Errorf("audit log lacks %q:\n%s", want, got)
			}
		}
		b.screenshot("audit")
	})
}
