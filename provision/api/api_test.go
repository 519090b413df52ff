package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

const token = "test-token-0123456789"

type env struct {
	t     *testing.T
	srv   *httptest.Server
	store *devicedb.Store
}

func newEnv(t *testing.T) *env {
	t.Helper()
	s, err := devicedb.Open(context.Background(), storeOptions(t))
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Store: s, Token: token})
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount("/api/v1", a.Routes())
	srv := httptest.NewServer(r)
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &env{t: t, srv: srv, store: s}
}

// do sends a request with the admin token and decodes the JSON answer.
func (e *env) do(method, path string, body any) (int, map[string]any, []any) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode == http.StatusNoContent {
		return res.StatusCode, nil, nil
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("%s %s: content type %q, body %s", method, path, ct, raw)
	}
	var obj map[string]any
	var arr []any
	if len(raw) > 0 && raw[0] == '[' {
		if err := json.Unmarshal(raw, &arr); err != nil {
			e.t.Fatal(err)
		}
	} else if err := json.Unmarshal(raw, &obj); err != nil {
		e.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
	}
	if res.StatusCode >= 400 {
		if msg, _ := obj["error"].(string); msg == "" {
			e.t.Fatalf("%s %s: %d without an error message: %s", method, path, res.StatusCode, raw)
		}
	}
	return res.StatusCode, obj, arr
}

func (e *env) want(status int, method, path string, body any) map[string]any {
	e.t.Helper()
	got, obj, _ := e.do(method, path, body)
	if got != status {
		e.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, got, status, obj)
	}
	return obj
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	for _, h := range []string{"", "Bearer wrong", "Basic " + token, "Bearer " + token + "x"} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/users", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 401 || res.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d, want 401 with a challenge", h, res.StatusCode)
		}
	}
}

func TestBadInput(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"malformed JSON", "POST", "/api/v1/users", `{"username": `, 400},
		{"unknown field", "POST", "/api/v1/users", `{"username":"abc","shoe_size":42}`, 400},
		{"wrong type", "POST", "/api/v1/users", `{"username":42}`, 400},
		{"two values", "POST", "/api/v1/users", `{"username":"abc"}{"username":"abd"}`, 400},
		{"empty body", "POST", "/api/v1/users", ``, 400},
		{"too big", "POST", "/api/v1/users", `{"username":"` + strings.Repeat("a", MaxBody) + `"}`, 413},
		{"invalid field", "POST", "/api/v1/users", `{"username":"abc","time_zone":"Nowhere/City"}`, 422},
		{"user id not a number", "GET", "/api/v1/users/abc", nil, 404},
		{"no such user", "GET", "/api/v1/users/4242", nil, 404},
		{"bad limit", "GET", "/api/v1/users?limit=0", nil, 400},
		{"bad cursor", "GET", "/api/v1/devices?cursor=%21%21", nil, 422},
		{"bad license status", "GET", "/api/v1/licenses?status=lost", nil, 422},
		{"bad mac", "GET", "/api/v1/devices/xyz", nil, 422},
		{"no such device", "GET", "/api/v1/devices/000000000001", nil, 404},
		{"no such route", "GET", "/api/v1/phones", nil, 404},
		{"method not allowed", "PUT", "/api/v1/users", nil, 405},
		{"line not a number", "PUT", "/api/v1/devices/000000000001/lines/x", `{"user_id":1}`, 404},
		{"missing user_id", "PUT", "/api/v1/devices/000000000001/lines/1", `{}`, 422},
		{"missing license_id", "POST", "/api/v1/users/1/licenses", `{}`, 422},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t
			e.want(c.status, c.method, c.path, c.body)
		})
	}
}

func TestUserLicenseDeviceFlow(t *testing.T) {
	e := newEnv(t)
	u := e.want(201, "POST", "/api/v1/users", map[string]any{"username": "alice", "first_name": "Alice", "last_name": "A",
		"email": "alice@acme.example", "extension": "1001", "time_zone": "Europe/Paris", "language": "fr-FR",
		"voicemail_to_email": "attachment_only"})
	for _, f := range []string{"id", "username", "first_name", "last_name", "email", "extension", "time_zone", "language",
		"voicemail_to_email", "status", "licenses"} {
		if _, ok := u[f]; !ok {
			t.Errorf("user JSON lacks %q: %v", f, u)
		}
	}
	if u["contact"] != true {
		t.Error("unlicensed user not flagged as contact")
	}
	id := int(u["id"].(float64))
	uid := "/api/v1/users/" + itoa(id)
	e.want(409, "POST", "/api/v1/users", map[string]any{"username": "ALICE"})
	e.want(422, "POST", "/api/v1/users", map[string]any{"username": "zed", "extension": "555"})
	e.want(409, "POST", "/api/v1/users", map[string]any{"username": "zed", "extension": "444"})

	l := e.want(201, "POST", "/api/v1/licenses", map[string]any{"type": "X4", "country": "US", "service_address": "1 Main St"})
	if l["status"] != "unassigned" || l["id"] == "" {
		t.Fatalf("license: %v", l)
	}
	lid := l["id"].(string)
	e.want(422, "POST", "/api/v1/licenses", map[string]any{"type": "X10", "country": "US"})
	e.want(200, "POST", uid+"/licenses", map[string]any{"license_id": lid})
	if _, _, ls := e.do("GET", "/api/v1/licenses?status=assigned&country=US&type=X4", nil); len(ls) != 1 {
		t.Fatalf("assigned licenses: %v", ls)
	}
	e.want(200, "POST", uid+"/deactivate", nil)
	if _, _, ls := e.do("GET", "/api/v1/licenses?status=suspended", nil); len(ls) != 1 {
		t.Fatalf("suspended after deactivate: %v", ls)
	}
	e.want(200, "POST", uid+"/reactivate", nil)

	e.want(422, "POST", "/api/v1/devices", map[string]any{"mac": "00:04:f2:00:03:35", "model": "SoundPoint IP 335"})
	e.want(422, "POST", "/api/v1/devices", map[string]any{"mac": "00:04:f2:00:03:35", "model": "No Such Phone"})
	d := e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "00:04:F2:AA:BB:CC", "model": "VVX 410"})
	if d["mac"] != "0004f2aabbcc" || d["supported"] != true || d["vendor"] != "Poly" {
		t.Fatalf("device: %v", d)
	}
	e.want(409, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2aabbcc", "model": "VVX 410"})
	d = e.want(200, "PUT", "/api/v1/devices/0004F2AABBCC/lines/1", map[string]any{"user_id": id})
	lines := d["lines"].([]any)
	line := lines[0].(map[string]any)
	if line["username"] != "alice" || line["extension"] != "1001" || line["enabled"] != true {
		t.Fatalf("line: %v", line)
	}
	if _, ok := line["password"]; ok {
		t.Fatal("the API shows a SIP password")
	}
	e.want(422, "PUT", "/api/v1/devices/0004f2aabbcc/lines/99", map[string]any{"user_id": id})
	got := e.want(200, "GET", "/api/v1/devices/00-04-f2-aa-bb-cc", nil)
	for _, f := range []string{"mac", "vendor", "model", "supported", "status", "lines", "last_fetch"} {
		if _, ok := got[f]; !ok {
			t.Errorf("device JSON lacks %q", f)
		}
	}
	e.want(200, "DELETE", "/api/v1/devices/0004f2aabbcc/lines/1", nil)
	e.want(204, "DELETE", "/api/v1/devices/0004f2aabbcc", nil)
	e.want(404, "GET", "/api/v1/devices/0004f2aabbcc", nil)
	e.want(200, "DELETE", uid+"/licenses/"+lid, nil)
	e.want(404, "DELETE", uid+"/licenses/"+lid, nil)
	p := e.want(200, "PATCH", uid, map[string]any{"first_name": "Alicia", "extension": "1005"})
	if p["first_name"] != "Alicia" || p["extension"] != "1005" {
		t.Fatalf("patch: %v", p)
	}
	e.want(204, "DELETE", uid, nil)
	e.want(404, "GET", uid, nil)

	_, _, audit := e.do("GET", "/api/v1/audit?limit=5", nil)
	if len(audit) != 5 || audit[0].(map[string]any)["action"] != "delete" {
		t.Fatalf("audit newest first: %v", audit)
	}
	_, _, models := e.do("GET", "/api/v1/models", nil)
	if len(models) < 10 {
		t.Fatalf("models: %d", len(models))
	}
	m := models[0].(map[string]any)
	for _, f := range []string{"vendor", "model", "supported", "lines"} {
		if _, ok := m[f]; !ok {
			t.Errorf("model JSON lacks %q", f)
		}
	}
}

func TestListPaginationHeaders(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 5; i++ {
		e.want(201, "POST", "/api/v1/users", map[string]any{"username": "user" + itoa(i)})
	}
	seen := 0
	path := "/api/v1/users?limit=2"
	for i := 0; i < 5 && path != ""; i++ {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var us []map[string]any
		json.NewDecoder(res.Body).Decode(&us)
		res.Body.Close()
		seen += len(us)
		path = ""
		if link := res.Header.Get("Link"); link != "" {
			path = strings.TrimSuffix(strings.TrimPrefix(strings.Split(link, ";")[0], "<"), ">")
		}
	}
	if seen != 5 {
		t.Fatalf("walked %d users through Link headers, want 5", seen)
	}
	_, _, us := e.do("GET", "/api/v1/users?username=USER3", nil)
	if len(us) != 1 {
		t.Fatalf("username filter: %v", us)
	}
}

func itoa(i int) string { return strings.TrimSpace(strings.Repeat(" ", 0) + jsonNum(i)) }

func jsonNum(i int) string { b, _ := json.Marshal(i); return string(b) }
