package api

import (
	"net/http"
	"testing"
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
