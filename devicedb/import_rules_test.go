package devicedb

import (
	"strings"
	"testing"
	"time"
)

// Builders for small exports.
type extOpt func(*ClassicExtension)

func desktop(at string) extOpt   { return func(e *ClassicExtension) { e.DesktopLoginAt = at } }
func mobile(at string) extOpt    { return func(e *ClassicExtension) { e.MobileLoginAt = at } }
func lic(id string) extOpt       { return func(e *ClassicExtension) { e.LicenseID = id } }
func virtual() extOpt            { return func(e *ClassicExtension) { e.Virtual = true } }
func numbers(n ...string) extOpt { return func(e *ClassicExtension) { e.PhoneNumbers = n } }

func ext(n string, opts ...extOpt) ClassicExtension {
	e := ClassicExtension{Number: n}
	for _, o := range opts {
		o(&e)
	}
	return e
}

func cuser(name string, exts ...ClassicExtension) ClassicUser {
	return ClassicUser{Username: name, FirstName: "First-" + name, LastName: "Last", Email: name + "@acme.example",
		VoicemailToEmail: "notification_only", Extensions: exts}
}

func x4(id string) ClassicLicense {
	return ClassicLicense{ID: id, Type: "X4", Country: "US", ServiceAddress: "1 Main St"}
}

// ownerOf is the username holding extension n.
func ownerOf(t *testing.T, s *Store, n string) string {
	t.Helper()
	var name string
	if err := s.r.QueryRow(`SELECT u.username FROM extensions e JOIN users u ON u.id = e.user_id WHERE e.number = ?`, n).Scan(&name); err != nil {
		return ""
	}
	return name
}

func hasWarning(ws []string, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w, sub) {
			return true
		}
	}
	return false
}

// TestImportRules has one case per rule of the upgrade (DESIGN.md).
func TestImportRules(t *testing.T) {
	cases := []struct {
		name  string
		seed  func(t *testing.T, s *Store) // state before the import
		exp   ClassicExport
		check func(t *testing.T, s *Store, rep *ImportReport)
	}{
		{name: "desktop login wins over a later mobile login",
			exp: ClassicExport{Users: []ClassicUser{cuser("ann",
				ext("2001", desktop("2020-05-01T00:00:00Z")),
				ext("2002", mobile("2020-05-09T00:00:00Z")),
				ext("2003", desktop("2020-05-03T00:00:00Z")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "2003") != "ann" || ownerOf(t, s, "2001") != "ann.2001" || ownerOf(t, s, "2002") != "ann.2002" {
					t.Fatalf("owners: %s %s %s", ownerOf(t, s, "2001"), ownerOf(t, s, "2002"), ownerOf(t, s, "2003"))
				}
				if len(rep.Users[0].Warnings) != 0 {
					t.Fatalf("warnings: %v", rep.Users[0].Warnings)
				}
			}},
		{name: "mobile only: last mobile login wins",
			exp: ClassicExport{Users: []ClassicUser{cuser("bob",
				ext("2001", mobile("2020-05-08T00:00:00Z")), ext("2002", mobile("2020-05-09T00:00:00Z")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "2002") != "bob" || !strings.Contains(rep.Users[0].Detail, "Mobile") {
					t.Fatalf("owner %s, detail %q", ownerOf(t, s, "2002"), rep.Users[0].Detail)
				}
			}},
		{name: "desktop tie goes to the lowest extension with a warning",
			exp: ClassicExport{Users: []ClassicUser{cuser("cat",
				ext("3010", desktop("2020-05-08T00:00:00Z")), ext("999", desktop("2020-05-08T00:00:00Z")),
				ext("3000", desktop("2020-05-01T00:00:00Z")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "999") != "cat" || !hasWarning(rep.Users[0].Warnings, "same time") {
					t.Fatalf("owner %s, warnings %v", ownerOf(t, s, "999"), rep.Users[0].Warnings)
				}
			}},
		{name: "no login goes to the lowest extension with a warning",
			exp: ClassicExport{Users: []ClassicUser{cuser("dan", ext("4002"), ext("4001"))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "4001") != "dan" || !hasWarning(rep.Users[0].Warnings, "no Desktop or Mobile login") {
					t.Fatalf("owner %s, warnings %v", ownerOf(t, s, "4001"), rep.Users[0].Warnings)
				}
			}},
		{name: "generated usernames collide with nobody",
			seed: func(t *testing.T, s *Store) { mustUser(t, s, "eve.5002", "") },
			exp: ClassicExport{Users: []ClassicUser{
				cuser("eve", ext("5001", desktop("2020-05-08T00:00:00Z")), ext("5002"), ext("5003")),
				cuser("eve.5003", ext("5004"))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "5002") != "eve.5002-2" || ownerOf(t, s, "5003") != "eve.5003-2" || ownerOf(t, s, "5004") != "eve.5003" {
					t.Fatalf("owners: %s %s %s", ownerOf(t, s, "5002"), ownerOf(t, s, "5003"), ownerOf(t, s, "5004"))
				}
			}},
		{name: "split users inherit names and voicemail and get a welcome message",
			exp: ClassicExport{Users: []ClassicUser{{Username: "fay", FirstName: "Fay", LastName: "Wray", Email: "fay@acme.example",
				VoicemailToEmail: "link_only", Extensions: []ClassicExtension{ext("6001", desktop("2020-05-08T00:00:00Z")), ext("6002")}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				u := userByName(t, s, "fay.6002")
				if u.FirstName != "Fay" || u.LastName != "Wray" || u.VoicemailToEmail != "notification_only" || u.Email != "fay@acme.example" {
					t.Fatalf("dummy profile: %+v", u)
				}
				msgs, _, _ := s.ListOutbox(ctx, "", Page{})
				if len(msgs) != 1 || msgs[0].Username != "fay.6002" || rep.Totals.WelcomeMessages != 1 {
					t.Fatalf("outbox: %+v", msgs)
				}
			}},
		{name: "555 and 556 never assigned, their numbers kept unassigned",
			exp: ClassicExport{Licenses: []ClassicLicense{x4("L-1")}, Users: []ClassicUser{cuser("gus",
				ext("7001"), ext("555", numbers("+14155550555"), lic("L-1")), ext("556"))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "555") != "" || ownerOf(t, s, "556") != "" || ownerOf(t, s, "7001") != "gus" {
					t.Fatal("a reserved extension was assigned")
				}
				w := rep.Users[0].Warnings
				if !hasWarning(w, "555 is voicemail") || !hasWarning(w, "556 is the conference bridge") || rep.Totals.ReservedExtensions != 2 {
					t.Fatalf("warnings %v", w)
				}
				var owner any
				var routing string
				if err := s.r.QueryRow(`SELECT user_id, routing FROM phone_numbers WHERE number = '+14155550555'`).Scan(&owner, &routing); err != nil ||
					owner != nil || routing != "extension 555" || len(rep.Numbers) != 1 {
					t.Fatalf("number on 555: %v %q %v", owner, routing, err)
				}
				if l, _ := s.GetLicense(ctx, "L-1"); l.Status != LicenseUnassigned {
					t.Fatalf("license of 555: %+v", l)
				}
			}},
		{name: "444 kept read-only, not assigned",
			exp: ClassicExport{Users: []ClassicUser{cuser("hal", ext("444", numbers("+14155550444")), ext("8001"))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "444") != "" || !hasWarning(rep.Users[0].Warnings, "444 is the default auto attendant") {
					t.Fatalf("444: owner %q, warnings %v", ownerOf(t, s, "444"), rep.Users[0].Warnings)
				}
				var ro bool
				if err := s.r.QueryRow(`SELECT read_only FROM extensions WHERE number = '444'`).Scan(&ro); err != nil || !ro {
					t.Fatal("444 is not read-only")
				}
				if ownerOf(t, s, "8001") != "hal" {
					t.Fatal("the original username did not avoid 444")
				}
			}},
		{name: "profile-only users get US Pacific time and English",
			exp: ClassicExport{Users: []ClassicUser{{Username: "ivy", VoicemailToEmail: "disabled", TimeZone: "Europe/Paris", Language: "fr-FR"},
				{Username: "jim"}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				for _, n := range []string{"ivy", "jim"} {
					u := userByName(t, s, n)
					if u.TimeZone != "America/Los_Angeles" || u.Language != "en-US" || u.Extension != nil {
						t.Fatalf("%s: %+v", n, u)
					}
				}
				if rep.Totals.ProfileOnly != 2 || !hasWarning(rep.Users[0].Warnings, "Europe/Paris") {
					t.Fatalf("report: %+v %v", rep.Totals, rep.Users[0].Warnings)
				}
			}},
		{name: "users with extensions keep their time zone and language",
			exp: ClassicExport{Users: []ClassicUser{{Username: "kim", TimeZone: "Europe/Paris", Language: "fr-FR",
				Extensions: []ClassicExtension{ext("9001")}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if u := userByName(t, s, "kim"); u.TimeZone != "Europe/Paris" || u.Language != "fr-FR" {
					t.Fatalf("%+v", u)
				}
			}},
		{name: "virtual extension users kept, no device activated on them",
			exp: ClassicExport{Licenses: []ClassicLicense{x4("L-V")}, Users: []ClassicUser{cuser("lea", ext("9101", virtual(), lic("L-V")))},
				Devices: []ClassicDevice{{MAC: "0004f2009101", Model: "VVX 410", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9101"}}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				u := userByName(t, s, "lea")
				if u.ExtensionKind != "virtual" || len(u.Devices) != 0 {
					t.Fatalf("virtual user: %+v", u)
				}
				d := rep.Devices[0]
				if d.Lines[0].Outcome != OutcomeSkipped || !hasWarning(d.Warnings, "virtual") || rep.Totals.LinesSkipped != 1 {
					t.Fatalf("device report: %+v", d)
				}
			}},
		{name: "voicemail to e-mail mapped",
			exp: ClassicExport{Users: []ClassicUser{
				{Username: "vm1", VoicemailToEmail: "link_and_attachment"}, {Username: "vm2", VoicemailToEmail: "link_only"},
				{Username: "vm3", VoicemailToEmail: "attachment_only"}, {Username: "vm4", VoicemailToEmail: "attachment_delete"},
				{Username: "vm5", VoicemailToEmail: "notification_only"}, {Username: "vm6", VoicemailToEmail: "disabled"},
				{Username: "vm7"}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				want := map[string]string{"vm1": "attachment_only", "vm2": "notification_only", "vm3": "attachment_only",
					"vm4": "attachment_delete", "vm5": "notification_only", "vm6": "disabled", "vm7": "notification_only"}
				for n, w := range want {
					if u := userByName(t, s, n); u.VoicemailToEmail != w {
						t.Errorf("%s: %s, want %s", n, u.VoicemailToEmail, w)
					}
				}
			}},
		{name: "licenses carried with type, country, address and status",
			exp: ClassicExport{Licenses: []ClassicLicense{
				{ID: "L-A", Type: "x8", Country: "gb", ServiceAddress: "10 Downing St"},
				{ID: "L-U", Type: "VO Basic", Country: "CA", ServiceAddress: "Toronto"},
				{ID: "L-S", Type: "X2", Country: "US", ServiceAddress: "NY", Status: "suspended", RemovedAt: "2025-12-20T00:00:00Z"},
				{ID: "L-G", Type: "X2", Country: "US", Status: "suspended", RemovedAt: "2025-10-01T00:00:00Z"}},
				Users: []ClassicUser{cuser("max", ext("9201", lic("L-A")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				a, _ := s.GetLicense(ctx, "L-A")
				u, _ := s.GetLicense(ctx, "L-U")
				sp, _ := s.GetLicense(ctx, "L-S")
				if a.Type != "X8" || a.Country != "GB" || a.ServiceAddress != "10 Downing St" || a.Status != LicenseAssigned || a.Username != "max" {
					t.Errorf("assigned: %+v", a)
				}
				if u.Status != LicenseUnassigned || u.Country != "CA" {
					t.Errorf("unassigned: %+v", u)
				}
				if sp.Status != LicenseSuspended || sp.PurgeAt == nil {
					t.Errorf("suspended: %+v", sp)
				}
				if _, err := s.GetLicense(ctx, "L-G"); err == nil || rep.Licenses[3].Outcome != OutcomeSkipped {
					t.Errorf("license removed > 30 days ago imported: %+v", rep.Licenses[3])
				}
			}},
		{name: "phone numbers kept with their routing",
			exp: ClassicExport{Users: []ClassicUser{cuser("ned", ext("9301", numbers("+14155559301", "+442071234567")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				u := userByName(t, s, "ned")
				if len(u.PhoneNumbers) != 2 {
					t.Fatalf("numbers: %v", u.PhoneNumbers)
				}
				var routing string
				s.r.QueryRow(`SELECT routing FROM phone_numbers WHERE number = '+442071234567'`).Scan(&routing)
				if routing != "extension 9301" {
					t.Fatalf("routing %q", routing)
				}
			}},
		{name: "supported device active with its lines",
			exp: ClassicExport{Licenses: []ClassicLicense{x4("L-O")}, Users: []ClassicUser{cuser("oda", ext("9401", lic("L-O")))},
				Devices: []ClassicDevice{{MAC: "00-04-F2-00-94-01", Model: "Polycom VVX_410", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9401"}}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				d, err := s.DeviceConfig(ctx, "0004f2009401")
				if err != nil || d.Status != DeviceActive || len(d.Lines) != 1 || !d.Lines[0].Enabled || d.Lines[0].Username != "oda" || d.Lines[0].Password == "" {
					t.Fatalf("device: %+v %v", d, err)
				}
			}},
		{name: "unsupported device frozen, listed apart, not editable",
			exp: ClassicExport{Licenses: []ClassicLicense{x4("L-P")}, Users: []ClassicUser{cuser("pat", ext("9501", lic("L-P"))), cuser("pam", ext("9502"))},
				Devices: []ClassicDevice{{MAC: "0004f2009501", Model: "SoundPoint IP 335", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9501"}}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				d, err := s.DeviceConfig(ctx, "0004f2009501")
				if err != nil || d.Status != DeviceUnsupported || d.Replacement != "VVX 150" {
					t.Fatalf("device: %+v %v", d, err)
				}
				fc, _ := s.FrozenConfig(ctx, d.MAC)
				if !strings.Contains(string(fc), d.Lines[0].AuthUser+":"+d.Lines[0].Password) {
					t.Fatalf("frozen config lacks the line's credentials: %s", fc)
				}
				if ds, _, _ := s.ListDevices(ctx, DeviceFilter{}, Page{}); len(ds) != 0 {
					t.Fatal("unsupported device on the devices list")
				}
				if ds, _, _ := s.ListDevices(ctx, DeviceFilter{Status: DeviceUnsupported}, Page{}); len(ds) != 1 {
					t.Fatal("not in the unsupported view")
				}
				_, err = s.SetLine(ctx, d.MAC, 2, userByName(t, s, "pam").ID)
				wantKind(t, err, ErrConflict)
				if rep.Devices[0].Outcome != OutcomeFrozen {
					t.Fatalf("report: %+v", rep.Devices[0])
				}
			}},
		{name: "VCC dedicated extension on an ordinary phone is reported and its line left unassigned",
			exp: ClassicExport{Licenses: []ClassicLicense{{ID: "L-VCC", Type: "VCC Agent", Country: "US"}},
				Users:   []ClassicUser{cuser("quin", ext("9601", lic("L-VCC")))},
				Devices: []ClassicDevice{{MAC: "0004f2009601", Model: "VVX 410", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9601"}}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if !hasWarning(rep.Devices[0].Warnings, "VCC dedicated extension") || rep.Devices[0].Lines[0].Outcome != OutcomeSkipped {
					t.Fatalf("device report: %+v", rep.Devices[0])
				}
				if d, _ := s.GetDevice(ctx, "0004f2009601"); len(d.Lines) != 0 {
					t.Fatalf("VCC line activated on a VVX 410: %+v", d.Lines)
				}
			}},
		{name: "VCC dedicated extension on a contact-center phone is activated",
			exp: ClassicExport{Licenses: []ClassicLicense{{ID: "L-VCC", Type: "VCC Agent", Country: "US"}},
				Users:   []ClassicUser{cuser("quin", ext("9601", lic("L-VCC")))},
				Devices: []ClassicDevice{{MAC: "64167f009601", Model: "CCX 500", Lines: []ClassicDeviceLine{{Line: 1, Extension: "9601"}}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if d, _ := s.GetDevice(ctx, "64167f009601"); len(d.Lines) != 1 || len(rep.Devices[0].Warnings) != 0 {
					t.Fatalf("device: %+v, report %+v", d, rep.Devices[0])
				}
			}},
		{name: "a removal date counts whatever the status: suspended 30 days, then gone",
			exp: ClassicExport{Licenses: []ClassicLicense{
				{ID: "L-40", Type: "X4", Country: "US", Status: "unassigned", RemovedAt: "2025-11-23T03:04:05Z"},
				{ID: "L-10", Type: "X4", Country: "US", RemovedAt: "2025-12-23T03:04:05Z"},
				{ID: "L-30", Type: "X4", Country: "US", Status: "assigned", RemovedAt: "2025-12-03T03:04:05Z"}},
				Users: []ClassicUser{cuser("rem", ext("9801", lic("L-10"))), cuser("rem2", ext("9802", lic("L-30")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if _, err := s.GetLicense(ctx, "L-40"); err == nil || rep.Licenses[0].Status != "gone" {
					t.Errorf("removed 40 days before: %+v", rep.Licenses[0])
				}
				l, err := s.GetLicense(ctx, "L-10")
				if err != nil || l.Status != LicenseSuspended || l.Username != "rem" || !l.PurgeAt.Equal(importNow.Add(20*24*time.Hour)) {
					t.Errorf("removed 10 days before: %+v %v", l, err)
				}
				if u := userByName(t, s, "rem"); !u.Contact {
					t.Errorf("a user with only a removed license can still work: %+v", u)
				}
				if l, err := s.GetLicense(ctx, "L-30"); err == nil {
					t.Errorf("removed exactly 30 days before: %+v", l)
				}
			}},
		{name: "a login on a virtual extension is reported and decides nothing",
			exp: ClassicExport{Users: []ClassicUser{cuser("vic", ext("9901", desktop("2020-01-01T00:00:00Z")),
				ext("9902", virtual(), desktop("2021-01-01T00:00:00Z")))}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				if ownerOf(t, s, "9901") != "vic" || !hasWarning(rep.Users[0].Warnings, "virtual extensions have no Desktop or Mobile access") {
					t.Fatalf("owner of 9901 %q, warnings %v", ownerOf(t, s, "9901"), rep.Users[0].Warnings)
				}
			}},
		{name: "no e-mail: the welcome message waits for the admin",
			exp: ClassicExport{Users: []ClassicUser{{Username: "rae", Extensions: []ClassicExtension{ext("9701", desktop("2020-01-01T00:00:00Z")), ext("9702")}}}},
			check: func(t *testing.T, s *Store, rep *ImportReport) {
				msgs, _, _ := s.ListOutbox(ctx, OutboxNoAddress, Page{})
				if len(msgs) != 1 || msgs[0].Link == "" {
					t.Fatalf("outbox: %+v", msgs)
				}
				if due, _ := s.DueMessages(ctx, importNow.Add(time.Hour), 10); len(due) != 0 {
					t.Fatal("a message without address is due for SMTP")
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTest(t)
			if c.seed != nil {
				c.seed(t, s)
			}
			c.check(t, s, mustImport(t, s, c.exp, importOpts()))
		})
	}
}
