package devicedb

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// importNow is the time of the test import runs.
var importNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// testFreeze stands in for the config server's renderer: one file listing
// the lines with their credentials.
func testFreeze(d *Device, m templates.Model) ([]byte, error) {
	var b strings.Builder
	for _, l := range d.Lines {
		fmt.Fprintf(&b, "line%d=%s:%s:%s\n", l.Line, l.Extension, l.AuthUser, l.Password)
	}
	return json.Marshal(map[string]map[string]string{"device": {"content_type": "text/plain", "body": b.String()}})
}

func importOpts() ImportOptions {
	return ImportOptions{Freeze: testFreeze, Now: importNow, WelcomeLinkBase: "https://pbx.example/set-password?token="}
}

func mustImport(t testing.TB, s *Store, exp ClassicExport, o ImportOptions) *ImportReport {
	t.Helper()
	rep, err := s.ImportClassic(ctx, exp, o)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

// joeExport is the seeds' example: joe8x8 holds 1001–1004 and last
// logged into 1003 on Desktop.
func joeExport() ClassicExport {
	exp := ClassicExport{Account: ClassicAccount{PBXName: "PBX1", CompanyName: "Acme Inc"}}
	logins := map[string][2]string{
		"1001": {"2020-05-10T09:00:00Z", ""},
		"1002": {"", "2020-05-13T08:00:00Z"},
		"1003": {"2020-05-12T17:30:00Z", "2020-05-01T08:00:00Z"},
		"1004": {"", ""},
	}
	u := ClassicUser{Username: "joe8x8", FirstName: "Joe", LastName: "Smith", Email: "joe@acme.example",
		VoicemailToEmail: "link_and_attachment", TimeZone: "America/New_York", Language: "en-US"}
	for i, n := range []string{"1001", "1002", "1003", "1004"} {
		lic := "L-" + n
		exp.Licenses = append(exp.Licenses, ClassicLicense{ID: lic, Type: "X4", Country: "US", ServiceAddress: "1 Main St, New York, NY"})
		u.Extensions = append(u.Extensions, ClassicExtension{Number: n, PhoneNumbers: []string{fmt.Sprintf("+1415555010%d", i+1)},
			LicenseID: lic, DesktopLoginAt: logins[n][0], MobileLoginAt: logins[n][1]})
	}
	exp.Users = []ClassicUser{u}
	exp.Devices = []ClassicDevice{
		{MAC: "00:04:f2:a1:b2:c3", Model: "Poly VVX 410", Lines: []ClassicDeviceLine{{Line: 1, Extension: "1003"}, {Line: 2, Extension: "1001"}}},
		{MAC: "0004f2000335", Model: "SoundPoint IP 335", Lines: []ClassicDeviceLine{{Line: 1, Extension: "1004"}}},
	}
	return exp
}

func userByName(t testing.TB, s *Store, name string) *User {
	t.Helper()
	us, _, err := s.ListUsers(ctx, UserFilter{Username: name}, Page{})
	if err != nil || len(us) != 1 {
		t.Fatalf("user %s: %v %v", name, us, err)
	}
	return &us[0]
}

// TestImportSeedsExample is the seeds' example: joe8x8 owns 1003; 1001,
// 1002 and 1004 get new users and three welcome messages.
func TestImportSeedsExample(t *testing.T) {
	s, _ := openTest(t)
	rep := mustImport(t, s, joeExport(), importOpts())
	joe := userByName(t, s, "joe8x8")
	if joe.Extension == nil || *joe.Extension != "1003" {
		t.Fatalf("joe8x8 owns %v, want 1003", joe.Extension)
	}
	for _, n := range []string{"1001", "1002", "1004"} {
		u := userByName(t, s, "joe8x8."+n)
		if u.Extension == nil || *u.Extension != n || u.FirstName != "Joe" || u.LastName != "Smith" ||
			u.VoicemailToEmail != "attachment_only" || u.Contact || len(u.PhoneNumbers) != 1 {
			t.Errorf("user for %s: %+v", n, u)
		}
	}
	msgs, _, err := s.ListOutbox(ctx, "", Page{})
	if err != nil || len(msgs) != 3 {
		t.Fatalf("outbox: %d messages, %v; want 3", len(msgs), err)
	}
	for _, m := range msgs {
		if m.To != "joe@acme.example" || !strings.Contains(m.Body, m.Username) || !strings.Contains(m.Body, m.Link) ||
			!strings.HasPrefix(m.Link, "https://pbx.example/set-password?token=") || m.Status != OutboxQueued ||
			m.LinkExpires == nil || !m.LinkExpires.After(importNow) {
			t.Errorf("welcome message: %+v", m)
		}
	}
	if u := rep.Users[0]; u.Outcome != OutcomeSplit || len(u.Profiles) != 4 || rep.Totals.WelcomeMessages != 3 {
		t.Fatalf("report: %+v", rep.Users[0])
	}
	b, _ := json.MarshalIndent(rep, "", "  ")
	t.Logf("%s", b)
}
