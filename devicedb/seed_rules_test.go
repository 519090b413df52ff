package devicedb

import (
	"strings"
	"testing"
	"time"
)

func strp(s string) *string { return &s }

// auditCount counts the audit entries of one entity.
func auditCount(t *testing.T, s *Store, entity, id string) int {
	t.Helper()
	es, _, err := s.ListAudit(ctx, AuditFilter{Entity: entity, EntityID: id}, Page{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// TestSeedRulesOnEdits has one case per seed rule (issue 14, items 3, 4
// and 7) that an admin edit must keep.
func TestSeedRulesOnEdits(t *testing.T) {
	cases := []struct {
		name string
		run  func(t *testing.T, s *Store)
	}{
		{"a no-op PATCH writes no audit entry", func(t *testing.T, s *Store) {
			u := mustUser(t, s, "noop", "2001")
			n := auditCount(t, s, "user", idStr(u.ID))
			got, err := s.UpdateUser(ctx, u.ID, UserPatch{FirstName: strp(u.FirstName), Extension: strp("2001")})
			if err != nil || got.FirstName != u.FirstName {
				t.Fatalf("no-op patch: %v %+v", err, got)
			}
			if m := auditCount(t, s, "user", idStr(u.ID)); m != n {
				t.Fatalf("audit entries %d → %d after a no-op patch", n, m)
			}
			if _, err := s.UpdateUser(ctx, u.ID, UserPatch{FirstName: strp("Changed")}); err != nil {
				t.Fatal(err)
			}
			if m := auditCount(t, s, "user", idStr(u.ID)); m != n+1 {
				t.Fatalf("audit entries %d → %d after a real patch", n, m)
			}
		}},
		{"removing the extension of a user with numbers is refused", func(t *testing.T, s *Store) {
			u := mustUser(t, s, "numbered", "2002")
			if _, err := s.AddPhoneNumber(ctx, u.ID, "+14155552002", "extension 2002"); err != nil {
				t.Fatal(err)
			}
			_, err := s.UpdateUser(ctx, u.ID, UserPatch{Extension: strp("")})
			wantKind(t, err, ErrConflict)
			if !strings.Contains(err.Error(), "+14155552002") {
				t.Fatalf("message does not name the number: %v", err)
			}
			if got, _ := s.GetUser(ctx, u.ID); got.Extension == nil || len(got.PhoneNumbers) != 1 {
				t.Fatalf("user changed: %+v", got)
			}
			// Without numbers the extension goes.
			if _, err := s.RemovePhoneNumber(ctx, u.ID, "+14155552002"); err != nil {
				t.Fatal(err)
			}
			if got, err := s.UpdateUser(ctx, u.ID, UserPatch{Extension: strp("")}); err != nil || got.Extension != nil {
				t.Fatalf("%v %+v", err, got)
			}
		}},
		{"a virtual user is not converted in place", func(t *testing.T, s *Store) {
			u, err := s.CreateUser(ctx, NewUser{Username: "virt", Extension: "2003", ExtensionKind: "virtual"})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []UserPatch{{Extension: strp("2004")}, {ExtensionKind: strp("regular")},
				{Extension: strp("2003"), ExtensionKind: strp("regular")}, {Extension: strp("")}} {
				_, err := s.UpdateUser(ctx, u.ID, p)
				wantKind(t, err, ErrInvalid)
				if !strings.Contains(err.Error(), "delete the user and create it again") {
					t.Fatalf("message: %v", err)
				}
			}
			if got, _ := s.GetUser(ctx, u.ID); got.ExtensionKind != "virtual" || *got.Extension != "2003" {
				t.Fatalf("converted: %+v", got)
			}
			// Other fields stay editable.
			if _, err := s.UpdateUser(ctx, u.ID, UserPatch{LastName: strp("Still"), ExtensionKind: strp("virtual")}); err != nil {
				t.Fatal(err)
			}
		}},
		{"the 444 auto attendant's number cannot be given to a user", func(t *testing.T, s *Store) {
			mustImport(t, s, ClassicExport{Users: []ClassicUser{cuser("aaron", ext("444", numbers("+14155550444")), ext("2005"))}}, importOpts())
			u := userByName(t, s, "aaron")
			_, err := s.AddPhoneNumber(ctx, u.ID, "+14155550444", "")
			wantKind(t, err, ErrConflict)
			if !strings.Contains(err.Error(), "default auto attendant") {
				t.Fatalf("message: %v", err)
			}
		}},
		{"usernames take letters of any alphabet", func(t *testing.T, s *Store) {
			for _, n := range []string{"józef", "Łukasz.k", "müller", "αλέξης", "ивaн", "さくら", "jose\u0301"} {
				if _, err := s.CreateUser(ctx, NewUser{Username: n}); err != nil {
					t.Errorf("%q: %v", n, err)
				}
			}
			for _, n := range []string{"a b", "-ab", "ab", "a/b", "a\u202eb"} {
				_, err := s.CreateUser(ctx, NewUser{Username: n})
				wantKind(t, err, ErrInvalid)
			}
		}},
		{"a VCC-only user goes on contact-center phones only", func(t *testing.T, s *Store) {
			u := mustUser(t, s, "vccagent", "2006")
			l, err := s.CreateLicense(ctx, NewLicense{Type: "VCC Agent", Country: "US"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AssignLicense(ctx, u.ID, l.ID); err != nil {
				t.Fatal(err)
			}
			for _, d := range []NewDevice{{MAC: "0004f2002006", Model: "VVX 250"}, {MAC: "64167f002006", Model: "CCX 500"}} {
				if _, err := s.CreateDevice(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			_, err = s.SetLine(ctx, "0004f2002006", 1, u.ID)
			wantKind(t, err, ErrInvalid)
			if !strings.Contains(err.Error(), "VCC dedicated extension") || !strings.Contains(err.Error(), "CCX 500") {
				t.Fatalf("message: %v", err)
			}
			if _, err := s.SetLine(ctx, "64167f002006", 1, u.ID); err != nil {
				t.Fatalf("contact-center phone refused: %v", err)
			}
			// With an 8x8 Work license too, any supported phone.
			mustLicense(t, s, u)
			if _, err := s.SetLine(ctx, "0004f2002006", 1, u.ID); err != nil {
				t.Fatalf("VCC + X4 refused: %v", err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTest(t)
			c.run(t, s)
		})
	}
}

// TestImportSeedRules: what the import makes of the account settings X
// Series lacks, and the welcome message when voicemail settings changed.
func TestImportSeedRules(t *testing.T) {
	exp, err := DecodeClassicJSON(strings.NewReader(`{"account": {"pbx_name": "P", "company_name": "C", "phone_system_name": "Old name",
		"message_history": "save"}, "licenses": [], "users": [{"username": "wel", "voicemail_to_email": "link_only",
		"email": "wel@acme.example", "extensions": [{"number": "2101", "desktop_login_at": "2021-01-01T00:00:00Z"}, {"number": "2102"}]}],
		"devices": []}`))
	if err != nil {
		t.Fatalf("an export with phone_system_name refused: %v", err)
	}
	if _, err := DecodeClassicJSON(strings.NewReader(`{"account": {"pbx_nam": "P"}}`)); err == nil {
		t.Fatal("a misspelt account field was accepted")
	}
	csvExp, err := DecodeClassicCSV(csvFiles(map[string]string{"account.csv": "pbx_name,phone_system_name\nP,Old\n", "users.csv": "username\ncsvuser\n"}))
	if err != nil {
		t.Fatalf("account.csv with phone_system_name refused: %v", err)
	}
	if s, _ := openTest(t); !hasWarning(mustImport(t, s, csvExp, importOpts()).Warnings, "Phone System Name") {
		t.Fatal("CSV: phone_system_name not reported")
	}
	s, _ := openTest(t)
	rep := mustImport(t, s, exp, importOpts())
	if !hasWarning(rep.Warnings, "Phone System Name is not supported") || !hasWarning(rep.Warnings, "message history") {
		t.Fatalf("account warnings: %v", rep.Warnings)
	}
	msgs, _, _ := s.ListOutbox(ctx, "", Page{})
	if len(msgs) != 1 {
		t.Fatalf("outbox: %+v", msgs)
	}
	if b := msgs[0].Body; strings.Contains(b, "voicemail-to-email settings are as before") || !strings.Contains(b, "link only is not offered") ||
		!strings.Contains(b, "now notification only") {
		t.Fatalf("welcome body:\n%s", b)
	}
}

// TestRemovedLicenseEndsOnTime: a license removed by the provider is
// suspended and reinstatable for 30 days, then gone in every view at the
// same moment, before and after the purge ran (injected clock).
func TestRemovedLicenseEndsOnTime(t *testing.T) {
	s, clk := openTest(t)
	u := mustUser(t, s, "holder", "2201")
	l := mustLicense(t, s, u)
	keep := mustLicense(t, s, u)
	if _, err := s.RemoveLicense(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RemoveLicense(ctx, keep.ID); err != nil {
		t.Fatal(err)
	}
	holds := func(id string) bool {
		got, err := s.GetUser(ctx, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range got.Licenses {
			if x.ID == id {
				return true
			}
		}
		return false
	}
	listed := func(id string) bool {
		ls, _, err := s.ListLicenses(ctx, LicenseFilter{}, Page{})
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range ls {
			if x.ID == id {
				return true
			}
		}
		return false
	}
	steps := []struct {
		at        time.Duration // since the removal
		purge     bool          // run the purge first
		wantThere bool
	}{
		{RemovalGrace - time.Second, false, true},
		{RemovalGrace - time.Second, true, true},
		{RemovalGrace, false, false},
		{RemovalGrace + time.Hour, true, false},
	}
	start := clk.Now()
	for _, st := range steps {
		clk.Add(start.Add(st.at).Sub(clk.Now()))
		if st.purge {
			if _, err := s.PurgeRemovedLicenses(ctx); err != nil {
				t.Fatal(err)
			}
		}
		_, getErr := s.GetLicense(ctx, l.ID)
		views := map[string]bool{"GET license": getErr == nil, "GET user": holds(l.ID), "list": listed(l.ID)}
		for v, there := range views {
			if there != st.wantThere {
				t.Errorf("at removal+%v (purge %v): %s shows it: %v, want %v", st.at, st.purge, v, there, st.wantThere)
			}
		}
		if !st.wantThere {
			_, err := s.UnassignLicense(ctx, u.ID, l.ID)
			wantKind(t, err, ErrNotFound)
			if !st.purge && !strings.Contains(err.Error(), "more than 30 days ago and is gone") {
				t.Errorf("unassign of a license past its 30 days: %v", err)
			}
			_, err = s.ReinstateLicense(ctx, l.ID)
			wantKind(t, err, ErrNotFound)
		}
	}
	// One license was reinstatable until the end; the purge removed both,
	// each with its audit entry, and a second purge finds nothing.
	if n := auditCount(t, s, "license", l.ID); n == 0 {
		t.Fatal("no audit entries")
	}
	es, _, _ := s.ListAudit(ctx, AuditFilter{Entity: "license", EntityID: keep.ID}, Page{})
	if len(es) == 0 || es[0].Action != "purge" {
		t.Fatalf("newest audit entry of the purged license: %+v", es)
	}
	if n, err := s.PurgeRemovedLicenses(ctx); err != nil || n != 0 {
		t.Fatalf("second purge: %d %v", n, err)
	}
}

// TestReinstateWithinGrace: a removed license is reinstatable until the
// last second of its 30 days.
func TestReinstateWithinGrace(t *testing.T) {
	s, clk := openTest(t)
	u := mustUser(t, s, "reinst", "2301")
	l := mustLicense(t, s, u)
	if _, err := s.RemoveLicense(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(RemovalGrace - time.Second)
	got, err := s.ReinstateLicense(ctx, l.ID)
	if err != nil || got.Status != LicenseAssigned {
		t.Fatalf("reinstate: %+v %v", got, err)
	}
}
