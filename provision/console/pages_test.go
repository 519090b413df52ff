package console

import (
	"context"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
)

// TestEveryPostFormHasCSRF is the house rule: no POST form without the
// CSRF field.
func TestEveryPostFormHasCSRF(t *testing.T) {
	forms := regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`)
	n := 0
	err := fs.WalkDir(assets, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		for _, f := range forms.FindAllString(string(b), -1) {
			n++
			if !strings.Contains(f, `name="csrf"`) {
				t.Errorf("%s: POST form without CSRF field: %.120s", p, f)
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("checked %d forms: %v", n, err)
	}
}

func TestPagesAnswer(t *testing.T) {
	e := newEnv(t, Config{})
	e.signIn()
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "ann", FirstName: "Ann", LastName: "Lee", Email: "ann@acme.example", Extension: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.CreateLicense(ctx, devicedb.NewLicense{ID: "L-1", Type: "X4", Country: "US", ServiceAddress: "1 Main St"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
		status     int
	}{
		{"/", "Devices", http.StatusOK},
		{"/ui/devices?view=unsupported", "No devices here", http.StatusOK},
		{"/ui/devices?view=pending", "No unknown device", http.StatusOK},
		{"/ui/devices/805ec0a1b2c3", "device 805ec0a1b2c3", http.StatusNotFound},
		{"/ui/users?q=ann", "ann@acme.example", http.StatusOK},
		{"/ui/users/1", "Ann", http.StatusOK},
		{"/ui/users/x", "no such user", http.StatusNotFound},
		{"/ui/licenses?type=X4&country=US", "1 Main St", http.StatusOK},
		{"/ui/licenses?id=L-1", "L-1", http.StatusOK},
		{"/ui/licenses?id=nope", "nope", http.StatusOK},
		{"/ui/import", "No import has run yet", http.StatusOK},
		{"/ui/import/gone", "upload the export again", http.StatusNotFound},
		{"/ui/replace", "No unsupported devices", http.StatusOK},
		{"/ui/audit?entity=user", "create", http.StatusOK},
		{"/ui/nowhere", "no such page", http.StatusNotFound},
		{"/ui/static/style.css", "box-sizing", http.StatusOK},
	}
	for _, tc := range tests {
		st, body := e.get(tc.path)
		if st != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s = %d, want %d with %q; body %.300s", tc.path, st, tc.status, tc.want, body)
		}
	}
	_ = u
}

func TestActionsGiveFeedback(t *testing.T) {
	e := newEnv(t, Config{})
	e.signIn()
	ctx := context.Background()
	u, err := e.store.CreateUser(ctx, devicedb.NewUser{Username: "ann", FirstName: "Ann", LastName: "Lee", Email: "ann@acme.example", Extension: "2001"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		from, path string
		form       url.Values
		want       string
	}{
		{"/ui/devices", "/ui/devices", url.Values{"mac": {"80:5E:C0:A1:B2:C3"}, "model": {"Yealink T46U"}}, "device 805ec0a1b2c3 (T46U) added"},
		{"/ui/devices", "/ui/devices", url.Values{"mac": {"zz"}, "model": {"Yealink T46U"}}, "zz"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/lines", url.Values{"line": {"1"}, "user": {"2001"}}, "assigned to ann (extension 2001)"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/lines", url.Values{"line": {"2"}, "user": {"nobody"}}, "no user with username or extension"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/resync", url.Values{}, "the SIP registrar is off"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/enrollment", url.Values{"ttl": {"2h"}}, "enrollment URL issued"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/enrollment", url.Values{"ttl": {"soon"}}, "validity: use a duration"},
		{"/ui/devices", "/ui/devices/805ec0a1b2c3/provisioning/rotate", url.Values{"web_ui": {"1"}}, "new credential issued"},
		{"/ui/licenses", "/ui/licenses", url.Values{"type": {"X4"}, "country": {"us"}, "service_address": {"1 Main St"}, "id": {"L-9"}}, "license L-9 (X4, US) created"},
		{"/ui/licenses", "/ui/licenses/L-9/address", url.Values{"service_address": {"2 Elm St"}}, `service address of L-9 set to &#34;2 Elm St&#34;`},
		{"/ui/users", "/ui/users/1/license", url.Values{"license_id": {"L-9"}}, "license L-9 (X4, US) assigned"},
		{"/ui/users", "/ui/licenses/L-9/address", url.Values{"service_address": {"3 Oak St"}}, "L-9"},
		{"/ui/users", "/ui/users/1", url.Values{"first_name": {"Annie"}, "extension": {"2001"}}, "user ann saved"},
		{"/ui/users", "/ui/users/1/deactivate", url.Values{}, "user deactivated"},
		{"/ui/users", "/ui/users", url.Values{"username": {"bob"}, "first_name": {"Bob"}, "last_name": {"Roe"}, "email": {"bad"}}, "e-mail"},
	}
	for _, tc := range tests {
		st, body := e.post(tc.from, tc.path, tc.form)
		if st != http.StatusOK || !strings.Contains(body, tc.want) || !strings.Contains(body, `id="flash"`) {
			t.Errorf("POST %s %v = %d, want feedback %q; body %.2000s", tc.path, tc.form, st, tc.want, body)
		}
	}
	for q, want := range map[string]bool{"ann": true, "2001": true, "Yealink": true, "T46U": true, "Poly": false, "nobody": false} {
		_, body := e.get("/ui/devices?q=" + url.QueryEscape(q))
		if strings.Contains(body, `href="/ui/devices/805ec0a1b2c3"`) != want {
			t.Errorf("device search %q: found = %v, want %v", q, !want, want)
		}
	}
	// The device page shows what to hand the phone.
	creds, err := e.store.DeviceCredentials(ctx, "805ec0a1b2c3")
	if err != nil {
		t.Fatal(err)
	}
	_, page := e.get("/ui/devices/805ec0a1b2c3")
	for _, want := range []string{creds.User, creds.Newest(), creds.WebUIPassword, "/e/", "not used yet"} {
		if !strings.Contains(page, want) {
			t.Errorf("device page lacks %q", want)
		}
	}
	got, err := e.store.GetUser(ctx, u.ID)
	if err != nil || got.FirstName != "Annie" || got.Status == "active" {
		t.Fatalf("user after edits: %+v %v", got, err)
	}
	es, _, err := e.store.ListAudit(ctx, devicedb.AuditFilter{Actor: "admin:alice"}, devicedb.Page{Limit: 100})
	if err != nil || len(es) < 6 {
		t.Fatalf("audit by admin:alice: %d entries %v", len(es), err)
	}
}
