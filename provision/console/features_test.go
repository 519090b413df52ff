package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestFeaturePages: the numbers list with routes and SMS, the auto
// attendants page, and its one form: a new auto attendant that takes the
// numbers of the read-only 444.
func TestFeaturePages(t *testing.T) {
	e := newEnv(t, Config{})
	e.signIn()
	exp, err := devicedb.DecodeClassicJSON(strings.NewReader(`{
	  "users": [{"username": "alice", "extensions": [{"number": "1001", "phone_numbers": ["+14155550101"]}]}],
	  "auto_attendants": [{"name": "Main menu", "extension": "444", "phone_numbers": ["+14155550100"]}],
	  "receptionists": [{"extension": "7000", "name": "Front desk", "phone_numbers": ["+14155550700"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.ImportClassic(context.Background(), exp, devicedb.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	e.signIn() // the import's window signed every admin out
	for _, tc := range []struct{ path, want string }{
		{"/ui/numbers", `<td>&#43;14155550101</td><td>user</td><td>1001</td>`},
		{"/ui/numbers", `<td>&#43;14155550100</td><td>auto_attendant</td><td>444</td>`},
		{"/ui/numbers?q=7000", `<td>&#43;14155550700</td><td>receptionist</td>`},
		{"/ui/numbers?q=nobody", "No numbers match"},
		{"/ui/auto-attendants", "default, read-only"},
		{"/ui/auto-attendants", "open a case with support"},
		{"/ui/users/1", "SMS: available"},
		{"/ui/imports/1", "auto attendant Main menu (444)"},
		{"/ui/imports/1", "receptionist 7000 Front desk"},
	} {
		st, body := e.get(tc.path)
		if st != http.StatusOK || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d, want %q; body %.3000s", tc.path, st, tc.want, body)
		}
	}
	_, body := e.get("/ui/numbers")
	if !strings.Contains(body, `<a href="/ui/users/1">alice</a></td>
<td>yes</td>`) {
		t.Errorf("alice's US number has no SMS on the page: %.3000s", body)
	}
	for _, tc := range []struct {
		form url.Values
		want string
	}{
		{url.Values{"name": {"Taken"}, "phone_numbers": {"+14155550101"}}, "belongs to user alice"},
		{url.Values{"name": {"New main"}, "extension": {"2000"}, "active": {"1"}, "phone_numbers": {"+14155550100"}}, `now answers &#43;14155550100`},
	} {
		st, body := e.post("/ui/auto-attendants", "/ui/auto-attendants", tc.form)
		if st != http.StatusOK || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="flash"`) {
			t.Errorf("POST %v = %d, want feedback %q; body %.3000s", tc.form, st, tc.want, body)
		}
	}
	aas, err := e.store.ListAutoAttendants(context.Background())
	if err != nil || len(aas) != 2 || len(aas[0].PhoneNumbers) != 0 || aas[1].PhoneNumbers[0] != "+14155550100" {
		t.Fatalf("auto attendants after the form: %+v %v", aas, err)
	}
}
