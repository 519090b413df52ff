package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

// upgradeEnv is an API with the upgrade hooks of cfg.
func upgradeEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	s, err := devicedb.Open(context.Background(), storeOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store, cfg.Token = s, token
	if cfg.Freeze == nil {
		cfg.Freeze = func(d *devicedb.Device, m templates.Model) ([]byte, error) {
			return []byte(`{"device":{"content_type":"text/plain","body":"frozen"}}`), nil
		}
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/api/v1", a.Routes())
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &env{t: t, srv: srv, store: s}
}

// joeJSON is the seeds' example: joe8x8 holds 1001–1004, last logged into
// 1003 on Desktop; an unsupported SoundPoint on 1004.
const joeJSON = `{
  "account": {"pbx_name": "PBX1", "company_name": "Acme Inc"},
  "licenses": [{"id": "L-100", "type": "X4", "country": "US", "service_address": "1 Main St, New York, NY"}],
  "users": [{"username": "joe8x8", "first_name": "Joe", "last_name": "Smith", "email": "joe@acme.example",
    "voicemail_to_email": "link_and_attachment", "time_zone": "America/New_York", "language": "en-US",
    "extensions": [
      {"number": "1001", "phone_numbers": ["+14155550101"], "desktop_login_at": "2020-05-10T09:00:00Z"},
      {"number": "1002", "mobile_login_at": "2020-05-13T09:00:00Z"},
      {"number": "1003", "license_id": "L-100", "desktop_login_at": "2020-05-12T09:00:00Z"},
      {"number": "1004"}]}],
  "devices": [{"mac": "0004f2a1b2c3", "model": "VVX 410", "lines": [{"line": 1, "extension": "1003"}]},
    {"mac": "0004f2000335", "model": "SoundPoint IP 335", "lines": [{"line": 1, "extension": "1004"}]}]
}`

func TestImportJSONRoute(t *testing.T) {
	e := upgradeEnv(t, Config{WelcomeLinkBase: "https://pbx.example/set-password?token="})
	dry := e.want(200, "POST", "/api/v1/imports/classic?dry_run=true", joeJSON)
	if dry["dry_run"] != true {
		t.Fatalf("dry run: %v", dry)
	}
	if _, _, arr := e.do("GET", "/api/v1/users", nil); len(arr) != 0 {
		t.Fatal("the dry run created users")
	}
	rep := e.want(201, "POST", "/api/v1/imports/classic", joeJSON)
	id := int(rep["id"].(float64))
	totals := rep["totals"].(map[string]any)
	if totals["users_created"] != 4.0 || totals["welcome_messages"] != 3.0 || totals["devices_unsupported"] != 1.0 {
		t.Fatalf("totals: %v", totals)
	}
	delete(dry, "id")
	delete(dry, "dry_run")
	delete(rep, "id")
	delete(rep, "dry_run")
	delete(dry, "started_at")
	delete(rep, "started_at")
	if a, b := mustJSON(dry), mustJSON(rep); a != b {
		t.Fatalf("dry run report differs:\n%s\n%s", a, b)
	}
	got := e.want(200, "GET", fmt.Sprintf("/api/v1/imports/%d", id), nil)
	if got["digest"] != rep["digest"] {
		t.Fatalf("stored report: %v", got)
	}
	_, _, runs := e.do("GET", "/api/v1/imports", nil)
	if len(runs) != 1 {
		t.Fatalf("runs: %v", runs)
	}
	e.want(404, "GET", "/api/v1/imports/99", nil)
	e.want(404, "GET", "/api/v1/imports/x", nil)
	_, _, out := e.do("GET", "/api/v1/outbox", nil)
	if len(out) != 3 {
		t.Fatalf("outbox: %v", out)
	}
	m := out[0].(map[string]any)
	if !strings.HasPrefix(m["link"].(string), "https://pbx.example/set-password?token=") || m["status"] != "queued" || m["to"] != "joe@acme.example" {
		t.Fatalf("message: %v", m)
	}
	e.want(422, "GET", "/api/v1/outbox?status=lost", nil)
	// Re-running changes nothing.
	again := e.want(201, "POST", "/api/v1/imports/classic", joeJSON)
	if again["totals"].(map[string]any)["changed"] != false {
		t.Fatalf("re-run: %v", again["totals"])
	}
	// The unsupported device's profile refuses changes, naming the device.
	_, _, us := e.do("GET", "/api/v1/users?username=joe8x8.1004", nil)
	uid := int(us[0].(map[string]any)["id"].(float64))
	refused := e.want(409, "PATCH", fmt.Sprintf("/api/v1/users/%d", uid), map[string]any{"first_name": "Joseph"})
	if msg := refused["error"].(string); !strings.Contains(msg, "0004f2000335") || !strings.Contains(msg, "replace") {
		t.Fatalf("refusal: %s", msg)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestImportCSVRoute(t *testing.T) {
	e := upgradeEnv(t, Config{})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for name, content := range map[string]string{
		"users.csv":      "username,first_name,last_name,email,voicemail_to_email\njoe8x8,Joe,Smith,joe@acme.example,link_only\n",
		"extensions.csv": "username,number,desktop_login_at\njoe8x8,1001,\njoe8x8,1003,2020-05-12T09:00:00Z\n",
		"devices.csv":    "mac,model,line,extension\n0004f2a1b2c3,VVX 410,1,1003\n0004f2a1b2c3,VVX 410,2,1001\n",
	} {
		fw, _ := mw.CreateFormFile("files", "export/"+name)
		fw.Write([]byte(content))
	}
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports/classic", &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var rep devicedb.ImportReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil || res.StatusCode != 201 {
		t.Fatalf("%d %v", res.StatusCode, err)
	}
	if rep.Users[0].Outcome != devicedb.OutcomeSplit || len(rep.Devices[0].Lines) != 2 || rep.Totals.WelcomeMessages != 1 {
		t.Fatalf("report: %+v", rep)
	}
	d := e.want(200, "GET", "/api/v1/devices/0004f2a1b2c3", nil)
	if ls := d["lines"].([]any); len(ls) != 2 || ls[0].(map[string]any)["username"] != "joe8x8" {
		t.Fatalf("device: %v", d)
	}
}

func TestImportRouteRefusals(t *testing.T) {
	e := upgradeEnv(t, Config{})
	bad := e.want(422, "POST", "/api/v1/imports/classic", `{"users": [{"username": "joe8x8", "extensions": [{"number": "1001"}, {"number": "10a"}]},
		{"username": "x"}]}`)
	probs, _ := bad["problems"].([]any)
	if len(probs) != 2 || !strings.Contains(probs[0].(string), `users[0].extensions[1].number`) || !strings.Contains(probs[1].(string), "users[1].username") {
		t.Fatalf("problems: %v", bad)
	}
	e.want(422, "POST", "/api/v1/imports/classic", `{"users": [`)
	e.want(422, "POST", "/api/v1/imports/classic", `{"userz": []}`)
	e.want(400, "POST", "/api/v1/imports/classic?dry_run=perhaps", `{}`)
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports/classic", strings.NewReader("x"))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "text/plain")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 415 {
		t.Fatalf("text/plain: %v %v", res, err)
	}
	// Over 64 MiB: refused without reading it all into memory.
	huge := io.MultiReader(strings.NewReader(`{"users": [`), io.LimitReader(repeat(' '), MaxImportBody), strings.NewReader(`]}`))
	req, _ = http.NewRequest("POST", e.srv.URL+"/api/v1/imports/classic", huge)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err == nil && res.StatusCode != 413 {
		t.Fatalf("huge body: %d", res.StatusCode)
	}
}

// TestImportLargerThanMaxBody: the import route takes exports past the
// 1 MiB limit of the other routes.
func TestImportLargerThanMaxBody(t *testing.T) {
	e := upgradeEnv(t, Config{})
	b, _ := json.Marshal(devicedb.SyntheticExport(4000, 4000, 0))
	if len(b) <= MaxBody {
		t.Fatalf("export of %d bytes is not over MaxBody", len(b))
	}
	rep := e.want(201, "POST", "/api/v1/imports/classic", string(b))
	if rep["totals"].(map[string]any)["users_created"] != 4000.0 {
		t.Fatalf("totals: %v", rep["totals"])
	}
}

type repeat byte

func (r repeat) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}

// TestImportHoldsAdminWrites: while an import runs, admin writes answer
// 503 saying an upgrade is in progress and until when; reads, including
// the config server's device reads, go on.
func TestImportHoldsAdminWrites(t *testing.T) {
	inFreeze, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e := upgradeEnv(t, Config{Freeze: func(d *devicedb.Device, m templates.Model) ([]byte, error) {
		once.Do(func() { close(inFreeze) })
		select {
		case <-release:
		case <-time.After(20 * time.Second):
		}
		return []byte(`{}`), nil
	}})
	u := e.want(201, "POST", "/api/v1/users", map[string]any{"username": "early", "extension": "2001"})
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2000001", "model": "VVX 410"})
	e.want(200, "PUT", "/api/v1/devices/0004f2000001/lines/1", map[string]any{"user_id": u["id"]})
	done := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/imports/classic", strings.NewReader(joeJSON))
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		res.Body.Close()
		done <- res.StatusCode
	}()
	select {
	case <-inFreeze:
	case <-time.After(20 * time.Second):
		t.Fatal("import did not start")
	}
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/users", strings.NewReader(`{"username": "blocked"}`))
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body errorBody
	json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || !strings.Contains(body.Error, "upgrade") || !strings.Contains(body.Error, "until about") {
		t.Fatalf("admin write during the import: %d %q", res.StatusCode, body.Error)
	}
	e.want(503, "POST", "/api/v1/imports/classic", joeJSON)
	// Reads too (the FAQ: the portal is inaccessible), except the
	// import's own progress and the OpenAPI document.
	for _, path := range []string{"/api/v1/users", "/api/v1/devices/0004f2000001", "/api/v1/imports", "/api/v1/imports/scheduled"} {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var wb windowBody
		json.NewDecoder(res.Body).Decode(&wb)
		res.Body.Close()
		if res.StatusCode != 503 || res.Header.Get("Retry-After") == "" || wb.ImportID == 0 || wb.ExpectedEnd.IsZero() {
			t.Fatalf("GET %s during the import: %d %+v", path, res.StatusCode, wb)
		}
		body.Error = fmt.Sprint(wb.ImportID)
	}
	prog := e.want(200, "GET", "/api/v1/imports/"+body.Error, nil)
	if prog["status"] != "running" || prog["expected_end"] == nil {
		t.Fatalf("progress: %v", prog)
	}
	e.want(200, "GET", "/api/v1/openapi.json", nil)
	if d, err := e.store.DeviceConfig(context.Background(), "0004f2000001"); err != nil || len(d.Lines) != 1 || d.Lines[0].Password == "" {
		t.Fatalf("config read during the import: %v", err)
	}
	close(release)
	if st := <-done; st != 201 {
		t.Fatalf("import: %d", st)
	}
	// The window closes by itself.
	e.want(201, "POST", "/api/v1/users", map[string]any{"username": "after"})
	e.want(200, "GET", "/api/v1/users", nil)
	if rep := e.want(200, "GET", "/api/v1/imports/"+body.Error, nil); rep["digest"] == nil {
		t.Fatalf("report after the import: %v", rep)
	}
}

func TestReplaceRoute(t *testing.T) {
	type call struct{ old, new string }
	var mu sync.Mutex
	var calls []call
	e := upgradeEnv(t, Config{OnReplaced: func(ctx context.Context, o, n string) {
		mu.Lock()
		calls = append(calls, call{o, n})
		mu.Unlock()
	}})
	e.want(201, "POST", "/api/v1/imports/classic", joeJSON)
	plan := e.want(200, "POST", "/api/v1/devices/0004f2000335/replace", map[string]any{"new_mac": "0004f2dddddd", "new_model": "VVX 150", "dry_run": true})
	if plan["dry_run"] != true || plan["procedure"] != "new_profile" || len(plan["steps"].([]any)) < 5 || len(calls) != 0 {
		t.Fatalf("plan: %v", plan)
	}
	e.want(404, "GET", "/api/v1/devices/0004f2dddddd", nil)
	res := e.want(200, "POST", "/api/v1/devices/0004f2000335/replace", map[string]any{"new_mac": "00:04:F2:DD:DD:DD", "new_model": "VVX 150"})
	if res["procedure"] != "new_profile" || len(calls) != 1 || calls[0] != (call{"0004f2000335", "0004f2dddddd"}) {
		t.Fatalf("result %v, hook calls %v", res, calls)
	}
	e.want(404, "GET", "/api/v1/devices/0004f2000335", nil)
	res = e.want(200, "POST", "/api/v1/devices/0004f2a1b2c3/replace", map[string]any{"new_mac": "0004f2eeeeee", "new_model": "VVX 450"})
	if res["procedure"] != "swap" || res["old_device"].(map[string]any)["status"] != "retired" || len(calls) != 2 {
		t.Fatalf("swap: %v", res)
	}
	e.want(422, "POST", "/api/v1/devices/0004f2eeeeee/replace", map[string]any{"new_mac": "0004f2ffffff", "new_model": "SoundPoint IP 650"})
	e.want(409, "POST", "/api/v1/devices/0004f2eeeeee/replace", map[string]any{"new_mac": "0004f2dddddd", "new_model": "VVX 450"})
	e.want(400, "POST", "/api/v1/devices/0004f2eeeeee/replace", map[string]any{"new_mac": "0004f2ffffff", "model": "VVX 450"})
	if len(calls) != 2 {
		t.Fatalf("hook called for refused replacements: %v", calls)
	}
}

// TestReplaceVCCRoute: a VCC dedicated extension only takes a locked-down
// contact-center phone.
func TestReplaceVCCRoute(t *testing.T) {
	e := upgradeEnv(t, Config{})
	rep := e.want(201, "POST", "/api/v1/imports/classic", `{"licenses": [{"id": "L-V", "type": "VCC Agent", "country": "US"},
			{"id": "L-X", "type": "X4", "country": "US"}],
		"users": [{"username": "agent", "extensions": [{"number": "3101", "license_id": "L-X"}]}],
		"devices": [{"mac": "805ec0003101", "model": "T46S", "lines": [{"line": 1, "extension": "3101"}]}]}`)
	// The agent is left with VCC Agent only, on the T46S.
	uid := rep["users"].([]any)[0].(map[string]any)["profiles"].([]any)[0].(map[string]any)["user_id"]
	e.want(200, "POST", fmt.Sprintf("/api/v1/users/%v/licenses", uid), map[string]any{"license_id": "L-V"})
	e.want(200, "DELETE", fmt.Sprintf("/api/v1/users/%v/licenses/L-X", uid), nil)
	refused := e.want(422, "POST", "/api/v1/devices/805ec0003101/replace", map[string]any{"new_mac": "805ec0003102", "new_model": "T48U"})
	if !strings.Contains(refused["error"].(string), "VCC dedicated extension") {
		t.Fatalf("refusal: %v", refused)
	}
	e.want(200, "POST", "/api/v1/devices/805ec0003101/replace", map[string]any{"new_mac": "64167f003102", "new_model": "CCX 400"})
}
