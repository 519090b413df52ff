package api

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// featuresJSON has the default auto attendant answering two numbers, a
// receptionist extension, a site and a user on it.
const featuresJSON = `{
  "account": {"pbx_name": "PBX1", "company_name": "Acme Inc", "messaging_enabled": true},
  "sites": [{"name": "HQ", "address": "1 Main St, New York, NY"}],
  "users": [{"username": "alice", "first_name": "Alice", "last_name": "Ames", "site": "HQ",
    "extensions": [{"number": "1001", "phone_numbers": ["+14155550101"],
      "contacts": [{"name": "Mom", "number": "+14155550188"}], "profile_picture": "https://pics.example/alice.png"}]}],
  "auto_attendants": [{"name": "Main menu", "extension": "444", "active": true, "phone_numbers": ["+14155550100", "+14155550110"]},
    {"name": "Closed", "active": false}],
  "receptionists": [{"extension": "7000", "name": "Front desk", "phone_numbers": ["+14155550700"]}]
}`

func featuresEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	e.want(http.StatusCreated, "POST", "/api/v1/imports/classic", featuresJSON)
	return e
}

// wantRefused checks status and that the error says msg.
func (e *env) wantRefused(status int, method, path string, body any, msg string) {
	e.t.Helper()
	obj := e.want(status, method, path, body)
	if got, _ := obj["error"].(string); !strings.Contains(got, msg) {
		e.t.Fatalf("%s %s: error %q does not say %q", method, path, got, msg)
	}
}

// numbersOf answers GET /numbers?q= as number → "kind id".
func (e *env) numbersOf(q string) map[string]string {
	e.t.Helper()
	_, _, arr := e.do("GET", "/api/v1/numbers?q="+q, nil)
	out := map[string]string{}
	for _, v := range arr {
		n := v.(map[string]any)
		r := n["routes_to"].(map[string]any)
		out[n["number"].(string)] = fmt.Sprintf("%v %v sms=%v", r["kind"], r["id"], n["sms"])
	}
	return out
}

func TestDefaultAutoAttendantReadOnlyAPI(t *testing.T) {
	e := featuresEnv(t)
	_, _, aas := e.do("GET", "/api/v1/auto-attendants", nil)
	def := aas[0].(map[string]any)
	if def["extension"] != "444" || def["default"] != true || def["read_only"] != true || def["name"] != "Main menu" {
		t.Fatalf("default auto attendant %v", def)
	}
	if len(aas) != 2 || aas[1].(map[string]any)["active"] != false {
		t.Fatalf("auto attendants %v: the inactive one is carried inactive", aas)
	}
	e.wantRefused(http.StatusConflict, "PATCH", "/api/v1/auto-attendants/1", `{"name": "Mine"}`, "create a new auto attendant")
	e.wantRefused(http.StatusConflict, "DELETE", "/api/v1/auto-attendants/1", nil, "cannot be edited or removed")
	e.want(http.StatusNotFound, "PATCH", "/api/v1/auto-attendants/99", `{"name": "x"}`)
	e.want(http.StatusBadRequest, "PATCH", "/api/v1/auto-attendants/2", `{"colour": "red"}`)
}

func TestReceptionistRemovalRefusedAPI(t *testing.T) {
	e := featuresEnv(t)
	_, _, rs := e.do("GET", "/api/v1/receptionists", nil)
	if len(rs) != 1 || rs[0].(map[string]any)["extension"] != "7000" {
		t.Fatalf("receptionists %v", rs)
	}
	e.wantRefused(http.StatusConflict, "DELETE", "/api/v1/receptionists/1", nil, "open a case with support")
	e.wantRefused(http.StatusConflict, "PATCH", "/api/v1/receptionists/1", `{"name": "Lobby"}`, "open a case with support")
	e.want(http.StatusNotFound, "DELETE", "/api/v1/receptionists/9", nil)
	if got := e.want(http.StatusOK, "GET", "/api/v1/receptionists/1", nil); got["name"] != "Front desk" {
		t.Fatalf("receptionist changed: %v", got)
	}
	e.wantRefused(http.StatusConflict, "POST", "/api/v1/users", `{"username": "bob", "extension": "7000"}`, "receptionist Front desk")
}

func TestSMSOnlyForUSCanadaWhileMessagingAPI(t *testing.T) {
	e := newEnv(t)
	if acct := e.want(http.StatusOK, "GET", "/api/v1/account", nil); acct["messaging_enabled"] != true {
		t.Fatalf("a new account: %v", acct)
	}
	ids := map[string]float64{}
	for user, number := range map[string]string{"us": "+14155550101", "ca": "+16045550102", "jm": "+18765550103", "uk": "+442075550104"} {
		u := e.want(http.StatusCreated, "POST", "/api/v1/users", map[string]string{"username": user + "-user"})
		ids[user] = u["id"].(float64)
		e.want(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%v/numbers", u["id"]), map[string]string{"number": number})
	}
	for _, step := range []struct {
		messaging bool
		sms       map[string]bool
	}{
		{true, map[string]bool{"us": true, "ca": true, "jm": false, "uk": false}},
		{false, map[string]bool{"us": false, "ca": false, "jm": false, "uk": false}},
		{true, map[string]bool{"us": true, "ca": true, "jm": false, "uk": false}},
	} {
		if acct := e.want(http.StatusOK, "PATCH", "/api/v1/account", map[string]bool{"messaging_enabled": step.messaging}); acct["messaging_enabled"] != step.messaging {
			t.Fatalf("account %v", acct)
		}
		for user, want := range step.sms {
			if u := e.want(http.StatusOK, "GET", fmt.Sprintf("/api/v1/users/%v", ids[user]), nil); u["sms"] != want {
				t.Errorf("messaging %v, %s: sms %v, want %v", step.messaging, user, u["sms"], want)
			}
		}
		nums := e.numbersOf("")
		if nums["+14155550101"] != fmt.Sprintf("user %v sms=%v", ids["us"], step.messaging) || !strings.HasSuffix(nums["+18765550103"], "sms=false") {
			t.Errorf("messaging %v: numbers %v", step.messaging, nums)
		}
	}
	e.want(http.StatusUnprocessableEntity, "PATCH", "/api/v1/account", `{}`)
	e.want(http.StatusBadRequest, "PATCH", "/api/v1/account", `{"pbx_name": "x"}`)
}

func TestSiteAddressFlowsToLicensesAPI(t *testing.T) {
	e := newEnv(t)
	site := e.want(http.StatusCreated, "POST", "/api/v1/sites", `{"name": "Seattle", "address": "400 Pine St, Seattle, WA", "emergency_location": "400 Pine St, Floor 3"}`)
	e.want(http.StatusConflict, "POST", "/api/v1/sites", `{"name": "seattle", "address": "x"}`)
	e.want(http.StatusUnprocessableEntity, "POST", "/api/v1/sites", `{"name": "No address"}`)
	u := e.want(http.StatusCreated, "POST", "/api/v1/users", `{"username": "alice", "extension": "1001"}`)
	held := e.want(http.StatusCreated, "POST", "/api/v1/licenses", `{"type": "X4", "country": "US", "service_address": "1 Main St, New York, NY"}`)
	spare := e.want(http.StatusCreated, "POST", "/api/v1/licenses", `{"type": "X4", "country": "US", "service_address": "1 Main St, New York, NY"}`)
	e.want(http.StatusOK, "POST", fmt.Sprintf("/api/v1/users/%v/licenses", u["id"]), map[string]any{"license_id": held["id"]})
	addr := func(l map[string]any) any {
		return e.want(http.StatusOK, "GET", fmt.Sprintf("/api/v1/licenses/%v", l["id"]), nil)["service_address"]
	}
	got := e.want(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/users/%v", u["id"]), map[string]any{"site_id": site["id"]})
	if got["site_id"] != site["id"] || addr(held) != "400 Pine St, Seattle, WA" || addr(spare) != "1 Main St, New York, NY" {
		t.Fatalf("user %v; licenses %v, %v", got, addr(held), addr(spare))
	}
	e.want(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/sites/%v", site["id"]), `{"address": "500 Pike St, Seattle, WA"}`)
	if addr(held) != "500 Pike St, Seattle, WA" {
		t.Fatalf("after the site moved: %v", addr(held))
	}
	// An unassigned license keeps a manual address; an assigned one's is
	// its site's.
	e.want(http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/licenses/%v", spare["id"]), `{"service_address": "9 Bay St, Wilmington, DE"}`)
	e.want(http.StatusConflict, "PATCH", fmt.Sprintf("/api/v1/licenses/%v", held["id"]), `{"service_address": "elsewhere"}`)
	if addr(spare) != "9 Bay St, Wilmington, DE" {
		t.Fatalf("manual address: %v", addr(spare))
	}
	e.want(http.StatusUnprocessableEntity, "PATCH", fmt.Sprintf("/api/v1/users/%v", u["id"]), `{"site_id": 99}`)
	// Several unassigned licenses take a site's address at once; an
	// assigned one refuses the whole change.
	e.want(http.StatusConflict, "POST", "/api/v1/licenses/service-address", map[string]any{"license_ids": []any{spare["id"], held["id"]}, "site_id": site["id"]})
	_, _, sum := e.do("POST", "/api/v1/licenses/service-address", map[string]any{"license_ids": []any{spare["id"]}, "site_id": site["id"]})
	if len(sum) != 1 || sum[0].(map[string]any)["before"] != "9 Bay St, Wilmington, DE" || addr(spare) != "500 Pike St, Seattle, WA" {
		t.Fatalf("summary %v; address %v", sum, addr(spare))
	}
	if got := e.want(http.StatusOK, "GET", fmt.Sprintf("/api/v1/sites/%v", site["id"]), nil); got["users"] != 1.0 || got["emergency_location"] != "400 Pine St, Floor 3" {
		t.Fatalf("site %v", got)
	}
	e.want(http.StatusNotFound, "GET", "/api/v1/sites/abc", nil)
}

func TestNumberMoveBetweenAutoAttendantsAPI(t *testing.T) {
	e := featuresEnv(t)
	nums := e.numbersOf("")
	for n, want := range map[string]string{"+14155550100": "auto_attendant 1 sms=false", "+14155550101": "user 1 sms=true",
		"+14155550700": "receptionist 1 sms=false"} {
		if nums[n] != want {
			t.Fatalf("%s routes %q, want %q (all: %v)", n, nums[n], want, nums)
		}
	}
	sc := e.want(http.StatusCreated, "POST", "/api/v1/schedules", `{"name": "Business hours"}`)
	nu := e.want(http.StatusCreated, "POST", "/api/v1/auto-attendants",
		map[string]any{"name": "New main", "extension": "2000", "schedule_id": sc["id"], "phone_numbers": []string{"+14155550100"}})
	e.want(http.StatusCreated, "POST", "/api/v1/auto-attendants", map[string]any{"name": "Support", "schedule_id": sc["id"]})
	path := fmt.Sprintf("/api/v1/auto-attendants/%v", nu["id"])
	e.want(http.StatusOK, "PATCH", path, `{"phone_numbers": ["+14155550100", "+14155550110"]}`)
	if def := e.want(http.StatusOK, "GET", "/api/v1/auto-attendants/1", nil); len(def["phone_numbers"].([]any)) != 0 {
		t.Fatalf("the default still answers %v", def["phone_numbers"])
	}
	if got := e.numbersOf("+14155550110")["+14155550110"]; got != fmt.Sprintf("auto_attendant %v sms=false", nu["id"]) {
		t.Fatalf("moved number routes %q", got)
	}
	_, _, scs := e.do("GET", "/api/v1/schedules", nil)
	if len(scs[0].(map[string]any)["auto_attendants"].([]any)) != 2 {
		t.Fatalf("one schedule for two auto attendants: %v", scs)
	}
	e.wantRefused(http.StatusConflict, "PATCH", path, `{"phone_numbers": ["+14155550101"]}`, "belongs to user alice")
	e.wantRefused(http.StatusConflict, "PATCH", path, `{"phone_numbers": ["+14155550700"]}`, "open a case with support")
	e.wantRefused(http.StatusConflict, "POST", "/api/v1/users/1/numbers", `{"number": "+14155550110"}`, `auto attendant "New main"`)
	e.wantRefused(http.StatusConflict, "DELETE", path, nil, "point those numbers elsewhere first")
	u := e.want(http.StatusOK, "GET", "/api/v1/users/1", nil)
	if c := u["contacts"].([]any); len(c) != 1 || u["profile_picture"] != "https://pics.example/alice.png" || u["site_id"] != 1.0 {
		t.Fatalf("user carries %v", u)
	}
}
