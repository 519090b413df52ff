package api

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSeedRuleRefusals: one API call per refusal of issue 14's rules, with
// its status and what the message must say.
func TestSeedRuleRefusals(t *testing.T) {
	e := upgradeEnv(t, Config{})
	rep := e.want(201, "POST", "/api/v1/imports/classic", `{"account": {"pbx_name": "P", "company_name": "C", "phone_system_name": "Old"},
		"licenses": [{"id": "L-V", "type": "VCC Agent", "country": "US"}],
		"users": [{"username": "aaron", "extensions": [{"number": "444", "phone_numbers": ["+14155550444"]}, {"number": "2001"}]},
			{"username": "ghost", "extensions": [{"number": "2002", "virtual": true}]},
			{"username": "numbered", "extensions": [{"number": "2003", "phone_numbers": ["+14155552003"]}]},
			{"username": "agent", "extensions": [{"number": "2004", "license_id": "L-V"}]}],
		"devices": []}`)
	if w, _ := rep["warnings"].([]any); len(w) != 1 || !strings.Contains(w[0].(string), "Phone System Name") {
		t.Fatalf("phone_system_name: %v", rep["warnings"])
	}
	ids := map[string]any{}
	for _, u := range rep["users"].([]any) {
		p := u.(map[string]any)["profiles"].([]any)[0].(map[string]any)
		ids[p["username"].(string)] = p["user_id"]
	}
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "0004f2002004", "model": "VVX 250"})
	cases := []struct {
		name, method, path string
		body               any
		status             int
		says               string
	}{
		{"virtual user given another extension", "PATCH", fmt.Sprintf("/api/v1/users/%v", ids["ghost"]), map[string]any{"extension": "2005"}, 422, "delete the user and create it again"},
		{"virtual user made regular", "PATCH", fmt.Sprintf("/api/v1/users/%v", ids["ghost"]), map[string]any{"extension_kind": "regular"}, 422, "not converted"},
		{"extension removed under a number", "PATCH", fmt.Sprintf("/api/v1/users/%v", ids["numbered"]), map[string]any{"extension": ""}, 409, "+14155552003"},
		{"444's number to a user", "POST", fmt.Sprintf("/api/v1/users/%v/numbers", ids["aaron"]), map[string]any{"number": "+14155550444"}, 409, "default auto attendant"},
		{"VCC-only user on a VVX 250", "PUT", "/api/v1/devices/0004f2002004/lines/1", map[string]any{"user_id": ids["agent"]}, 422, "contact-center phone"},
		{"import with a removal in the future", "POST", "/api/v1/imports/classic?dry_run=true",
			`{"licenses": [{"id": "L-F", "type": "X4", "country": "US", "removed_at": "2999-01-01T00:00:00Z"}], "users": [], "devices": []}`, 422, "in the future"},
		{"schedule a dry run", "POST", "/api/v1/imports/classic?dry_run=true&at=2999-01-01T00:00:00Z", `{"users": []}`, 400, "dry run first"},
		{"schedule at a malformed time", "POST", "/api/v1/imports/classic?at=tomorrow", `{"users": []}`, 400, "RFC 3339"},
		{"schedule in the past", "POST", "/api/v1/imports/classic?at=2001-01-01T00:00:00Z", `{"users": []}`, 422, "not in the future"},
		{"schedule an export with problems", "POST", "/api/v1/imports/classic?at=2999-01-01T00:00:00Z", `{"users": [{"username": "x"}]}`, 422, "username"},
		{"cancel an unknown scheduled import", "DELETE", "/api/v1/imports/scheduled/99", nil, 404, "does not exist"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.want(c.status, c.method, c.path, c.body)
			if msg := fmt.Sprint(got["error"], got["problems"]); !strings.Contains(msg, c.says) {
				t.Fatalf("message %q does not say %q", msg, c.says)
			}
		})
	}
	// What stays allowed.
	e.want(201, "POST", "/api/v1/users", map[string]any{"username": "józef.müller"})
	e.want(200, "PATCH", fmt.Sprintf("/api/v1/users/%v", ids["ghost"]), map[string]any{"last_name": "Still virtual"})
	e.want(201, "POST", "/api/v1/devices", map[string]any{"mac": "64167f002004", "model": "CCX 500"})
	e.want(200, "PUT", "/api/v1/devices/64167f002004/lines/1", map[string]any{"user_id": ids["agent"]})
}

// TestScheduledImportRoutes: schedule, see the window beforehand, cancel.
func TestScheduledImportRoutes(t *testing.T) {
	e := upgradeEnv(t, Config{})
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	si := e.want(201, "POST", "/api/v1/imports/classic?at="+at, joeJSON)
	if si["status"] != "scheduled" || si["scheduled_at"] != at || si["expected_end"] == nil {
		t.Fatalf("scheduled: %v", si)
	}
	_, _, list := e.do("GET", "/api/v1/imports/scheduled", nil)
	if len(list) != 1 || list[0].(map[string]any)["scheduled_at"] != at {
		t.Fatalf("list: %v", list)
	}
	path := fmt.Sprintf("/api/v1/imports/scheduled/%v", si["id"])
	e.want(200, "GET", path, nil)
	if got := e.want(200, "DELETE", path, nil); got["status"] != "cancelled" {
		t.Fatalf("cancel: %v", got)
	}
	e.want(409, "DELETE", path, nil)
	// Nothing was imported.
	if _, _, users := e.do("GET", "/api/v1/users", nil); len(users) != 0 {
		t.Fatalf("users: %v", users)
	}
}
