package api

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestPutSameLineIsIdempotent: PUT of the user already on the line keeps
// its credentials and adds no audit entry; the rotate action changes them.
func TestPutSameLineIsIdempotent(t *testing.T) {
	e := newEnv(t)
	u := e.want(201, "POST", "/api/v1/users", map[string]any{"username": "alice", "extension": "1001"})
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2aabbcc", "model": "VVX 410"})
	body := map[string]any{"user_id": u["id"]}
	first := e.want(200, "PUT", "/api/v1/devices/0004f2aabbcc/lines/1", body)
	authOf := func(d map[string]any) string { return d["lines"].([]any)[0].(map[string]any)["auth_user"].(string) }
	_, _, before := e.do("GET", "/api/v1/audit?entity=device", nil)
	again := e.want(200, "PUT", "/api/v1/devices/0004f2aabbcc/lines/1", body)
	_, _, after := e.do("GET", "/api/v1/audit?entity=device", nil)
	if authOf(again) != authOf(first) || len(after) != len(before) {
		t.Fatalf("PUT again: auth user %s -> %s, audit entries %d -> %d", authOf(first), authOf(again), len(before), len(after))
	}
	rot := e.want(200, "POST", "/api/v1/devices/0004f2aabbcc/lines/1/rotate", nil)
	if authOf(rot) == authOf(first) {
		t.Fatal("rotate kept the auth user")
	}
	e.want(404, "POST", "/api/v1/devices/0004f2aabbcc/lines/2/rotate", nil)
}

// TestOpenAPIWithoutToken: the OpenAPI document is served openly; every
// other route still wants the token.
func TestOpenAPIWithoutToken(t *testing.T) {
	e := newEnv(t)
	for path, want := range map[string]int{"/api/v1/openapi.json": 200, "/api/v1/users": 401, "/api/v1/devices/openapi.json": 401} {
		res, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != want {
			t.Errorf("GET %s without a token: %d, want %d", path, res.StatusCode, want)
		}
	}
}

// raw sends a request with the token and returns status, content type and body.
func (e *env) raw(method, path string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header.Get("Content-Type"), string(b)
}

// TestOverviewSearchCSVAdmins: the overview's figures, device search,
// CSV exports and admin management over the API.
func TestOverviewSearchCSVAdmins(t *testing.T) {
	e := newEnv(t)
	u := e.want(201, "POST", "/api/v1/users", map[string]any{"username": "zoe", "extension": "1007", "first_name": "=cmd()"})
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2aabbcc", "model": "VVX 410"})
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2ddeeff", "model": "VVX 410"})
	e.want(200, "PUT", "/api/v1/devices/0004f2aabbcc/lines/1", map[string]any{"user_id": u["id"]})
	e.want(201, "POST", "/api/v1/licenses", map[string]any{"type": "X4", "country": "US"})
	o := e.want(200, "GET", "/api/v1/overview", nil)
	for k, want := range map[string]float64{"devices_supported": 2, "lines_provisioned": 1, "licenses_unassigned": 1, "devices_pending": 0, "lines_registered": 0} {
		if o[k] != want {
			t.Errorf("overview %s = %v, want %v (%v)", k, o[k], want, o)
		}
	}
	for q, want := range map[string]int{"aa:bb": 1, "zoe": 1, "1007": 1, "0004f2": 2, "nothing": 0} {
		if _, _, ds := e.do("GET", "/api/v1/devices?q="+url.QueryEscape(q), nil); len(ds) != want {
			t.Errorf("q=%s: %d devices, want %d", q, len(ds), want)
		}
	}
	st, ct, body := e.raw("GET", "/api/v1/devices?format=csv&q=zoe")
	if st != 200 || !strings.HasPrefix(ct, "text/csv") || !strings.Contains(body, "0004f2aabbcc,Poly,VVX 410,active") || strings.Contains(body, "ddeeff") {
		t.Errorf("devices CSV: %d %s\n%s", st, ct, body)
	}
	if st, _, body := e.raw("GET", "/api/v1/users?format=csv"); st != 200 || !strings.Contains(body, ",zoe,'=cmd(),") {
		t.Errorf("users CSV (formula cells quoted): %d\n%s", st, body)
	}
	if st, _, body := e.raw("GET", "/api/v1/licenses?format=csv"); st != 200 || strings.Count(body, "\n") != 2 {
		t.Errorf("licenses CSV: %d\n%s", st, body)
	}
	e.want(400, "GET", "/api/v1/users?format=xml", nil)

	// The fetches behind the overview's series.
	now := time.Now()
	if err := e.store.RecordFetches(context.Background(), []devicedb.FetchRecord{{MAC: "0004f2aabbcc", At: now, File: "a.cfg", Status: 200},
		{MAC: "0004f2aabbcc", At: now, File: "b.cfg", Status: 404}}); err != nil {
		t.Fatal(err)
	}
	if _, _, fs := e.do("GET", "/api/v1/fetches?outcome=refused", nil); len(fs) != 1 || fs[0].(map[string]any)["mac"] != "0004f2aabbcc" || fs[0].(map[string]any)["status"] != float64(404) {
		t.Errorf("refused fetches: %v", fs)
	}
	hour := strconv.FormatInt(now.Truncate(time.Hour).Unix(), 10)
	if _, _, fs := e.do("GET", "/api/v1/fetches?hour="+hour, nil); len(fs) != 2 {
		t.Errorf("fetches of the hour: %v", fs)
	}
	e.want(422, "GET", "/api/v1/fetches?outcome=lost", nil)
	e.want(400, "GET", "/api/v1/fetches?hour=noon", nil)

	e.want(201, "POST", "/api/v1/admins", map[string]any{"name": "carol", "password": "a long enough password"})
	e.want(409, "POST", "/api/v1/admins", map[string]any{"name": "carol", "password": "a long enough password"})
	e.want(422, "POST", "/api/v1/admins", map[string]any{"name": "dave", "password": "short"})
	e.want(201, "POST", "/api/v1/admins", map[string]any{"name": "dave", "password": "another long password"})
	if _, _, as := e.do("GET", "/api/v1/admins", nil); len(as) != 2 || as[0].(map[string]any)["name"] != "carol" {
		t.Fatalf("admins: %v", as)
	}
	e.want(204, "POST", "/api/v1/admins/carol/password", map[string]any{"password": "a brand new password"})
	e.want(204, "DELETE", "/api/v1/admins/carol", nil)
	e.want(409, "DELETE", "/api/v1/admins/dave", nil)
	e.want(404, "DELETE", "/api/v1/admins/carol", nil)
}
