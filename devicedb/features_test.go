package devicedb

import (
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

// wantRefusal checks err's kind and that its message says msg.
func wantRefusal(t *testing.T, err, kind error, msg string) {
	t.Helper()
	wantKind(t, err, kind)
	if !strings.Contains(err.Error(), msg) {
		t.Fatalf("refusal %q does not say %q", err, msg)
	}
}

func auditActions(t *testing.T, s *Store, entity string) []string {
	t.Helper()
	es, _, err := s.ListAudit(ctx, AuditFilter{Entity: entity}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.EntityID)
	}
	return out
}

// TestSMSRule: as long as messaging is enabled, any user with a US or
// Canada number has SMS; other +1 countries and other countries do not.
func TestSMSRule(t *testing.T) {
	cases := []struct {
		number    string
		messaging bool
		sms       bool
	}{
		{"+14155550101", true, true},   // US
		{"+16045550101", true, true},   // Canada (BC)
		{"+17875550101", true, true},   // Puerto Rico, US territory
		{"+18765550101", true, false},  // Jamaica: +1 but neither US nor Canada
		{"+12425550101", true, false},  // Bahamas
		{"+442075550101", true, false}, // UK
		{"+14155550101", false, false}, // US, messaging disabled
		{"+16045550101", false, false},
	}
	for _, c := range cases {
		t.Run(c.number, func(t *testing.T) {
			s, _ := openTest(t)
			u := mustUser(t, s, "alice", "1001")
			if _, err := s.UpdateAccount(ctx, AccountPatch{MessagingEnabled: &c.messaging}); err != nil {
				t.Fatal(err)
			}
			u, err := s.AddPhoneNumber(ctx, u.ID, c.number, "")
			if err != nil {
				t.Fatal(err)
			}
			if u.SMS != c.sms {
				t.Fatalf("user sms %v, want %v", u.SMS, c.sms)
			}
			ns, _, err := s.ListNumbers(ctx, "", Page{})
			if err != nil || len(ns) != 1 || ns[0].SMS != c.sms || ns[0].RoutesTo.Kind != RouteUser || *ns[0].RoutesTo.ID != u.ID {
				t.Fatalf("numbers %+v %v", ns, err)
			}
		})
	}
	// Toggling messaging on the account changes every user at once.
	s, _ := openTest(t)
	u := mustUser(t, s, "bob", "1002")
	if _, err := s.AddPhoneNumber(ctx, u.ID, "+14155550102", ""); err != nil {
		t.Fatal(err)
	}
	for _, on := range []bool{false, true} {
		a, err := s.UpdateAccount(ctx, AccountPatch{MessagingEnabled: ptr(on)})
		if err != nil || a.MessagingEnabled != on {
			t.Fatalf("account %+v %v", a, err)
		}
		if got, _ := s.GetUser(ctx, u.ID); got.SMS != on {
			t.Fatalf("messaging %v: user sms %v", on, got.SMS)
		}
	}
	if got := auditActions(t, s, "account"); len(got) != 2 {
		t.Fatalf("account audit %v, want two updates", got)
	}
	_, err := s.UpdateAccount(ctx, AccountPatch{})
	wantKind(t, err, ErrInvalid)
}

// TestDefaultAutoAttendantReadOnly: 444 keeps working but cannot be
// edited or removed; the refusal says what to do instead.
func TestDefaultAutoAttendantReadOnly(t *testing.T) {
	s, _ := openTest(t)
	aas, err := s.ListAutoAttendants(ctx)
	if err != nil || len(aas) != 1 || !aas[0].Default || !aas[0].ReadOnly || *aas[0].Extension != "444" || !aas[0].Active {
		t.Fatalf("auto attendants of a new account: %+v %v", aas, err)
	}
	def := aas[0].ID
	for name, err := range map[string]error{
		"rename": func() error {
			_, err := s.UpdateAutoAttendant(ctx, def, AutoAttendantPatch{Name: ptr("Mine")})
			return err
		}(),
		"deactivate": func() error {
			_, err := s.UpdateAutoAttendant(ctx, def, AutoAttendantPatch{Active: ptr(false)})
			return err
		}(),
		"numbers": func() error {
			_, err := s.UpdateAutoAttendant(ctx, def, AutoAttendantPatch{PhoneNumbers: &[]string{}})
			return err
		}(),
		"delete": s.DeleteAutoAttendant(ctx, def),
	} {
		t.Run(name, func(t *testing.T) {
			wantRefusal(t, err, ErrConflict, "create a new auto attendant")
		})
	}
	_, err = s.CreateUser(ctx, NewUser{Username: "carl", Extension: "444"})
	wantKind(t, err, ErrConflict)
	if got := auditActions(t, s, "auto_attendant"); len(got) != 0 {
		t.Fatalf("refusals left audit entries: %v", got)
	}
}

// TestAutoAttendantRules: extensions are one namespace with users', one
// schedule serves several auto attendants, an auto attendant answering
// numbers is not removed.
func TestAutoAttendantRules(t *testing.T) {
	s, _ := openTest(t)
	mustUser(t, s, "alice", "1001")
	sc, err := s.CreateSchedule(ctx, "Business hours")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   NewAutoAttendant
		kind error
	}{
		{"no name", NewAutoAttendant{Extension: "2000"}, ErrInvalid},
		{"a user's extension", NewAutoAttendant{Name: "A", Extension: "1001"}, ErrConflict},
		{"voicemail", NewAutoAttendant{Name: "B", Extension: "555"}, ErrInvalid},
		{"444", NewAutoAttendant{Name: "C", Extension: "444"}, ErrInvalid},
		{"bad extension", NewAutoAttendant{Name: "D", Extension: "12a"}, ErrInvalid},
		{"unknown schedule", NewAutoAttendant{Name: "E", ScheduleID: 99}, ErrInvalid},
		{"bad number", NewAutoAttendant{Name: "F", PhoneNumbers: []string{"4155550101"}}, ErrInvalid},
		{"ok", NewAutoAttendant{Name: "Main", Extension: "2000", ScheduleID: sc.ID}, nil},
		{"same name", NewAutoAttendant{Name: "MAIN"}, ErrConflict},
		{"same extension", NewAutoAttendant{Name: "G", Extension: "2000"}, ErrConflict},
		{"ok shared schedule, inactive", NewAutoAttendant{Name: "Support", ScheduleID: sc.ID, Active: ptr(false)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateAutoAttendant(ctx, c.in)
			if c.kind == nil && err != nil {
				t.Fatal(err)
			}
			if c.kind != nil {
				wantKind(t, err, c.kind)
			}
		})
	}
	if sc, err = s.getScheduleForTest(sc.ID); err != nil || len(sc.AutoAttendants) != 2 {
		t.Fatalf("schedule shared by %v (%v), want two auto attendants", sc.AutoAttendants, err)
	}
	// The auto attendant's extension is not a user's to take.
	_, err = s.CreateUser(ctx, NewUser{Username: "bob", Extension: "2000"})
	wantRefusal(t, err, ErrConflict, "auto attendant Main")
	aas, _ := s.ListAutoAttendants(ctx)
	main := aas[1]
	if main.Name != "Main" || main.Default || *main.ScheduleID != sc.ID || main.Schedule != "Business hours" {
		t.Fatalf("listed %+v", aas)
	}
	// Moving its extension frees the old one; schedule 0 takes it off.
	got, err := s.UpdateAutoAttendant(ctx, main.ID, AutoAttendantPatch{Extension: ptr("2001"), ScheduleID: ptr(int64(0))})
	if err != nil || *got.Extension != "2001" || got.ScheduleID != nil {
		t.Fatalf("patched %+v %v", got, err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "bob", Extension: "2000"}); err != nil {
		t.Fatalf("2000 was not freed: %v", err)
	}
	// A PATCH that changes nothing writes nothing.
	if same, err := s.UpdateAutoAttendant(ctx, main.ID, AutoAttendantPatch{Name: ptr("Main"), Active: ptr(true)}); err != nil || same.Name != "Main" {
		t.Fatalf("no-op patch: %+v %v", same, err)
	}
	// Answering a number, it is not removed; without, it is, with its
	// extension.
	if _, err := s.UpdateAutoAttendant(ctx, main.ID, AutoAttendantPatch{PhoneNumbers: &[]string{"+14155550100"}}); err != nil {
		t.Fatal(err)
	}
	wantRefusal(t, s.DeleteAutoAttendant(ctx, main.ID), ErrConflict, "+14155550100")
	if _, err := s.UpdateAutoAttendant(ctx, main.ID, AutoAttendantPatch{PhoneNumbers: &[]string{}}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAutoAttendant(ctx, main.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "carl", Extension: "2001"}); err != nil {
		t.Fatalf("2001 was not freed: %v", err)
	}
	want := []string{"delete", "update", "update", "update", "create", "create"}
	got2 := auditActions(t, s, "auto_attendant")
	if len(got2) != len(want) {
		t.Fatalf("auto attendant audit %v, want %v", got2, want)
	}
	for i := range want {
		if !strings.HasPrefix(got2[i], want[i]+" ") {
			t.Fatalf("auto attendant audit %v, want %v", got2, want)
		}
	}
}

func (s *Store) getScheduleForTest(id int64) (Schedule, error) { return getSchedule(ctx, s.r, id) }

// featuresExport has the default auto attendant answering two numbers, a
// receptionist extension and a user.
func featuresExport() ClassicExport {
	exp := ClassicExport{Account: ClassicAccount{PBXName: "PBX1", CompanyName: "Acme Inc"}}
	exp.Users = []ClassicUser{cuser("alice", ext("1001", numbers("+14155550101")))}
	exp.AutoAttendants = []ClassicAutoAttendant{{Name: "Main menu", Extension: "444", PhoneNumbers: []string{"+14155550100", "+14155550110"}}}
	exp.Receptionists = []ClassicReceptionist{{Extension: "7000", Name: "Front desk", PhoneNumbers: []string{"+14155550700"}}}
	return exp
}

// TestNumberMove: the seeds' way out of the read-only 444: a new auto
// attendant, and the original numbers pointed to it; numbers of users and
// receptionists are not taken that way.
func TestNumberMove(t *testing.T) {
	s, _ := openTest(t)
	mustImport(t, s, featuresExport(), importOpts())
	aas, _ := s.ListAutoAttendants(ctx)
	def := aas[0]
	if !def.Default || def.Name != "Main menu" || strings.Join(def.PhoneNumbers, ",") != "+14155550100,+14155550110" {
		t.Fatalf("default auto attendant after import: %+v", def)
	}
	alice := userByName(t, s, "alice")
	cases := []struct {
		name    string
		numbers []string
		kind    error
		msg     string
	}{
		{"a user's number", []string{"+14155550101"}, ErrConflict, "belongs to user alice"},
		{"a receptionist's number", []string{"+14155550700"}, ErrConflict, "open a case with support"},
		{"twice", []string{"+14155550100", "+14155550100"}, ErrInvalid, "listed twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "New main", PhoneNumbers: c.numbers})
			wantRefusal(t, err, c.kind, c.msg)
		})
	}
	nu, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "New main", Extension: "2000", PhoneNumbers: []string{"+14155550100"}})
	if err != nil || strings.Join(nu.PhoneNumbers, ",") != "+14155550100" {
		t.Fatalf("new auto attendant %+v %v", nu, err)
	}
	// PATCH gives the full list: the second number moves too, from 444.
	if nu, err = s.UpdateAutoAttendant(ctx, nu.ID, AutoAttendantPatch{PhoneNumbers: &[]string{"+14155550100", "+14155550110"}}); err != nil {
		t.Fatal(err)
	}
	if def, _ = s.GetAutoAttendant(ctx, def.ID); len(def.PhoneNumbers) != 0 || len(nu.PhoneNumbers) != 2 {
		t.Fatalf("after the move: default %v, new %v", def.PhoneNumbers, nu.PhoneNumbers)
	}
	ns, _, err := s.ListNumbers(ctx, "+14155550110", Page{})
	if err != nil || len(ns) != 1 || ns[0].RoutesTo.Kind != RouteAutoAttendant || *ns[0].RoutesTo.ID != nu.ID || *ns[0].RoutesTo.Extension != "2000" {
		t.Fatalf("number after the move: %+v %v", ns, err)
	}
	if got := auditActions(t, s, "phone_number"); len(got) != 2 || got[0] != "route +14155550110" || got[1] != "route +14155550100" {
		t.Fatalf("route audit %v", got)
	}
	// A number answering an auto attendant is not given to a user.
	_, err = s.AddPhoneNumber(ctx, alice.ID, "+14155550110", "")
	wantRefusal(t, err, ErrConflict, `auto attendant "New main"`)
	// Dropped from the list, it is unassigned, and then a user may take it.
	if _, err := s.UpdateAutoAttendant(ctx, nu.ID, AutoAttendantPatch{PhoneNumbers: &[]string{"+14155550100"}}); err != nil {
		t.Fatal(err)
	}
	if ns, _, _ = s.ListNumbers(ctx, "+14155550110", Page{}); ns[0].RoutesTo.Kind != RouteUnassigned || ns[0].RoutesTo.ID != nil {
		t.Fatalf("dropped number: %+v", ns[0])
	}
	if _, err := s.AddPhoneNumber(ctx, alice.ID, "+14155550110", ""); err != nil {
		t.Fatal(err)
	}
}

// TestReceptionistRules: carried and working, not editable, not
// removable; the refusal says to open a case with support.
func TestReceptionistRules(t *testing.T) {
	s, _ := openTest(t)
	mustImport(t, s, featuresExport(), importOpts())
	rs, err := s.ListReceptionists(ctx)
	if err != nil || len(rs) != 1 || rs[0].Extension != "7000" || !rs[0].ReadOnly || rs[0].PhoneNumbers[0] != "+14155550700" {
		t.Fatalf("receptionists %+v %v", rs, err)
	}
	for _, what := range []string{"edit", "remove"} {
		wantRefusal(t, s.ChangeReceptionist(ctx, rs[0].ID, what), ErrConflict, "open a case with support")
	}
	wantKind(t, s.ChangeReceptionist(ctx, 99, "remove"), ErrNotFound)
	_, err = s.CreateUser(ctx, NewUser{Username: "bob", Extension: "7000"})
	wantRefusal(t, err, ErrConflict, "receptionist Front desk")
	_, err = s.AddPhoneNumber(ctx, userByName(t, s, "alice").ID, "+14155550700", "")
	wantRefusal(t, err, ErrConflict, "open a case with support")
	ns, _, _ := s.ListNumbers(ctx, "7000", Page{})
	if len(ns) != 1 || ns[0].RoutesTo.Kind != RouteReceptionist || ns[0].SMS {
		t.Fatalf("receptionist number %+v", ns)
	}
	if got, _ := s.GetReceptionist(ctx, rs[0].ID); got.Name != "Front desk" {
		t.Fatalf("receptionist changed: %+v", got)
	}
}

// TestSitesAndServiceAddress: licenses assigned to a user show the user's
// site address; unassigned ones keep their manual service address.
func TestSitesAndServiceAddress(t *testing.T) {
	s, _ := openTest(t)
	for _, c := range []struct {
		name string
		in   NewSite
		kind error
	}{
		{"no name", NewSite{Address: "1 Main St"}, ErrInvalid},
		{"no address", NewSite{Name: "HQ"}, ErrInvalid},
		{"two lines", NewSite{Name: "HQ", Address: "1 Main St\nNew York"}, ErrInvalid},
	} {
		_, err := s.CreateSite(ctx, c.in)
		wantKind(t, err, c.kind)
	}
	hq, err := s.CreateSite(ctx, NewSite{Name: "HQ", Address: "1 Main St, New York, NY"})
	if err != nil || hq.EmergencyLocation != hq.Address {
		t.Fatalf("site %+v %v: the emergency location defaults to the address", hq, err)
	}
	_, err = s.CreateSite(ctx, NewSite{Name: "hq", Address: "elsewhere"})
	wantKind(t, err, ErrConflict)
	sea, _ := s.CreateSite(ctx, NewSite{Name: "Seattle", Address: "400 Pine St, Seattle, WA", EmergencyLocation: "400 Pine St, Floor 3"})

	u := mustUser(t, s, "alice", "1001")
	held := mustLicense(t, s, u)
	spare, _ := s.CreateLicense(ctx, NewLicense{Type: "X4", Country: "US", ServiceAddress: "1 Main St"})
	addr := func(id string) string {
		l, err := s.GetLicense(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return l.ServiceAddress
	}
	steps := []struct {
		name             string
		do               func() error
		held, spare, usr string
	}{
		{"no site: manual addresses", func() error { return nil }, "1 Main St", "1 Main St", ""},
		{"user on Seattle", func() error {
			_, err := s.UpdateUser(ctx, u.ID, UserPatch{UserFeaturesPatch: UserFeaturesPatch{SiteID: &sea.ID}})
			return err
		}, "400 Pine St, Seattle, WA", "1 Main St", "400 Pine St, Seattle, WA"},
		{"Seattle moves", func() error {
			_, err := s.UpdateSite(ctx, sea.ID, SitePatch{Address: ptr("500 Pike St, Seattle, WA")})
			return err
		}, "500 Pike St, Seattle, WA", "1 Main St", "500 Pike St, Seattle, WA"},
		{"manual address of the unassigned one", func() error {
			_, err := s.SetServiceAddress(ctx, spare.ID, "9 Bay St, Wilmington, DE")
			return err
		}, "500 Pike St, Seattle, WA", "9 Bay St, Wilmington, DE", ""},
		{"unassigned: back to its own address", func() error {
			_, err := s.UnassignLicense(ctx, u.ID, held.ID)
			return err
		}, "1 Main St", "9 Bay St, Wilmington, DE", ""},
		{"assigned again", func() error {
			_, err := s.AssignLicense(ctx, u.ID, held.ID)
			return err
		}, "500 Pike St, Seattle, WA", "9 Bay St, Wilmington, DE", ""},
		{"site 0: off its site", func() error {
			_, err := s.UpdateUser(ctx, u.ID, UserPatch{UserFeaturesPatch: UserFeaturesPatch{SiteID: ptr(int64(0))}})
			return err
		}, "1 Main St", "9 Bay St, Wilmington, DE", ""},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if h, sp := addr(held.ID), addr(spare.ID); h != st.held || sp != st.spare {
			t.Fatalf("%s: assigned %q, unassigned %q; want %q, %q", st.name, h, sp, st.held, st.spare)
		}
		if st.usr != "" {
			got, _ := s.GetUser(ctx, u.ID)
			if got.SiteID == nil || got.Licenses[0].ServiceAddress != st.usr {
				t.Fatalf("%s: user %+v", st.name, got)
			}
		}
	}
	// The service address of an assigned license is its site's: set there.
	_, err = s.SetServiceAddress(ctx, held.ID, "elsewhere")
	wantKind(t, err, ErrConflict)
	_, err = s.UpdateUser(ctx, u.ID, UserPatch{UserFeaturesPatch: UserFeaturesPatch{SiteID: ptr(int64(99))}})
	wantKind(t, err, ErrInvalid)
	sites, _ := s.ListSites(ctx)
	if len(sites) != 2 || sites[1].Name != "Seattle" || sites[1].EmergencyLocation != "400 Pine St, Floor 3" {
		t.Fatalf("sites %+v", sites)
	}
	if got := auditActions(t, s, "site"); len(got) != 3 {
		t.Fatalf("site audit %v", got)
	}
}

// TestContactsFollowLogin: the original username follows the extension
// last logged into, with that extension's contacts and picture; each other
// extension's go to its own new profile.
func TestContactsFollowLogin(t *testing.T) {
	s, _ := openTest(t)
	exp := ClassicExport{Users: []ClassicUser{cuser("joe8x8",
		ext("1001", desktop("2020-05-10T09:00:00Z")),
		ext("1003", desktop("2020-05-12T17:30:00Z")),
		ext("1004"))}}
	exts := exp.Users[0].Extensions
	exts[0].Contacts = []ClassicContact{{Name: "Dentist", Number: "+14155550199"}}
	exts[0].ProfilePicture = "https://pics.example/1001.png"
	exts[1].Contacts = []ClassicContact{{Name: "Mom", Number: "+14155550188"}, {Name: "Desk", Number: "7000"}}
	exts[1].ProfilePicture = "data:image/png;base64,iVBORw0KGgo="
	mustImport(t, s, exp, importOpts())
	cases := []struct {
		username, ext, picture string
		contacts               []Contact
	}{
		{"joe8x8", "1003", "data:image/png;base64,iVBORw0KGgo=", []Contact{{"Mom", "+14155550188"}, {"Desk", "7000"}}},
		{"joe8x8.1001", "1001", "https://pics.example/1001.png", []Contact{{"Dentist", "+14155550199"}}},
		{"joe8x8.1004", "1004", "", []Contact{}},
	}
	for _, c := range cases {
		u := userByName(t, s, c.username)
		if *u.Extension != c.ext || u.ProfilePicture != c.picture || len(u.Contacts) != len(c.contacts) {
			t.Fatalf("%s: %+v", c.username, u)
		}
		for i := range c.contacts {
			if u.Contacts[i] != c.contacts[i] {
				t.Fatalf("%s: contacts %+v, want %+v", c.username, u.Contacts, c.contacts)
			}
		}
	}
}

// TestImportFeaturesValidation lists every problem of the features.
func TestImportFeaturesValidation(t *testing.T) {
	exp := ClassicExport{
		Users: []ClassicUser{cuser("okay", ext("1001", numbers("+14155550101")), ext("444")), {Username: "sited"}},
		ClassicFeatures: ClassicFeatures{
			AutoAttendants: []ClassicAutoAttendant{
				{Name: "", Extension: "2000"},
				{Name: "Dup", Extension: "1001"},
				{Name: "dup", Extension: "555", PhoneNumbers: []string{"+14155550101"}},
				{Name: "Default", Extension: "444"},
			},
			Receptionists: []ClassicReceptionist{{Extension: "2000"}, {Name: "No ext"}, {Extension: "7000", PhoneNumbers: []string{"555"}}},
			Sites:         []ClassicSite{{Name: "HQ"}, {Name: "hq", Address: "x"}},
		},
	}
	exp.Users[0].Extensions[0].Contacts = []ClassicContact{{}, {Name: "A", Number: "call me"}}
	exp.Users[0].Extensions[0].ProfilePicture = "ftp://x/y.png"
	exp.Users[1].Site = "Nowhere"
	want := []string{
		`sites[0]: address: a site needs an address`,
		`sites[1].name: site "hq" is also sites[0]`,
		`users[0].extensions[0].contacts[0]: a contact needs a name or a number`,
		`users[0].extensions[0].contacts[1]: contact number "call me"`,
		`users[0].extensions[0].profile_picture: profile_picture: use an http(s) URL`,
		`users[1].site: site "Nowhere" is not in the export's sites`,
		`auto_attendants[0].name: name: an auto attendant needs a name`,
		`auto_attendants[1].extension: extension 1001 is also held by users[0]`,
		`auto_attendants[2].name: auto attendant "dup" is also auto_attendants[1]`,
		`auto_attendants[2].extension: extension 555 is voicemail`,
		`auto_attendants[2].phone_numbers[0]: phone number +14155550101 is also on extension 1001`,
		`receptionists[0].extension: extension 2000 is also auto attendant ""`,
		`receptionists[1].extension: a receptionist needs its extension`,
		`receptionists[2].phone_numbers[0]: phone number "555"`,
	}
	s, _ := openTest(t)
	_, err := s.ImportClassic(ctx, exp, importOpts())
	var ie *ImportError
	if !errors.As(err, &ie) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("got %v, want an ImportError of kind ErrInvalid", err)
	}
	for _, w := range want {
		if !hasWarning(ie.Problems, w) {
			t.Errorf("no problem %q in:\n%s", w, strings.Join(ie.Problems, "\n"))
		}
	}
	if len(ie.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ie.Problems), len(want), strings.Join(ie.Problems, "\n"))
	}
}

// TestImportFeaturesConflicts: clashes with what the database holds are
// listed and nothing is imported.
func TestImportFeaturesConflicts(t *testing.T) {
	cases := []struct {
		name string
		prep func(t *testing.T, s *Store)
		want string
	}{
		{"an auto attendant of that name", func(t *testing.T, s *Store) {
			if _, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "Sales"}); err != nil {
				t.Fatal(err)
			}
		}, `auto_attendants[1]: an auto attendant named "Sales" exists already`},
		{"an extension of an auto attendant", func(t *testing.T, s *Store) {
			if _, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "Other", Extension: "1001"}); err != nil {
				t.Fatal(err)
			}
		}, `users[0]: extension 1001 is taken (auto attendant Other)`},
		{"a number on an auto attendant", func(t *testing.T, s *Store) {
			if _, err := s.CreateAutoAttendant(ctx, NewAutoAttendant{Name: "Other", PhoneNumbers: []string{"+14155550700"}}); err != nil {
				t.Fatal(err)
			}
		}, `receptionists[0]: phone number +14155550700 answers auto attendant "Other"`},
		{"a user's extension", func(t *testing.T, s *Store) { mustUser(t, s, "held", "7000") }, `receptionists[0]: extension 7000 exists already`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTest(t)
			c.prep(t, s)
			exp := featuresExport()
			exp.AutoAttendants = append(exp.AutoAttendants, ClassicAutoAttendant{Name: "Sales", Extension: "2001"})
			before := dump(t, s)
			_, err := s.ImportClassic(ctx, exp, importOpts())
			var ie *ImportError
			if !errors.As(err, &ie) || !errors.Is(err, ErrConflict) || !hasWarning(ie.Problems, c.want) {
				t.Fatalf("got %v, want a conflict %q", err, c.want)
			}
			if d := diffDumps(before, dump(t, s)); d != "" {
				t.Fatalf("a refused import left changes: %s", d)
			}
		})
	}
}

// TestImportFeaturesRerun: a re-run leaves the features as they are: an
// auto attendant deleted since is not made again, and messaging switched
// off by an admin stays off.
func TestImportFeaturesRerun(t *testing.T) {
	s, _ := openTest(t)
	exp := featuresExport()
	exp.Account.MessagingEnabled = ptr(true)
	exp.AutoAttendants = append(exp.AutoAttendants, ClassicAutoAttendant{Name: "Closed", Active: ptr(false)})
	exp.Sites = []ClassicSite{{Name: "HQ", Address: "1 Main St"}}
	exp.Users[0].Site = "HQ"
	mustImport(t, s, exp, importOpts())
	aas, _ := s.ListAutoAttendants(ctx)
	if len(aas) != 2 || aas[1].Name != "Closed" || aas[1].Active {
		t.Fatalf("imported auto attendants %+v", aas)
	}
	if err := s.DeleteAutoAttendant(ctx, aas[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpdateAccount(ctx, AccountPatch{MessagingEnabled: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	rep := mustImport(t, s, exp, importOpts())
	after := dump(t, s)
	for _, tb := range []string{"import_runs", "audit", "sqlite_sequence"} {
		delete(before, tb)
		delete(after, tb)
	}
	if d := diffDumps(before, after); d != "" || rep.Totals.Changed {
		t.Fatalf("re-run changed: %s (changed %v)", d, rep.Totals.Changed)
	}
	if rep.AutoAttendants[1].Outcome != OutcomeSkipped || rep.AutoAttendants[0].Outcome != OutcomeUnchanged ||
		rep.Receptionists[0].Outcome != OutcomeUnchanged || rep.Sites[0].Outcome != OutcomeUnchanged {
		t.Fatalf("re-run report %+v %+v %+v", rep.AutoAttendants, rep.Receptionists, rep.Sites)
	}
	if a, _ := s.GetAccount(ctx); a.MessagingEnabled || a.PBXName != "PBX1" {
		t.Fatalf("account after re-run %+v", a)
	}
}

// TestNumbersList: every number of the account with where it routes.
func TestNumbersList(t *testing.T) {
	s, _ := openTest(t)
	exp := featuresExport()
	exp.Users = append(exp.Users, cuser("vic", ext("2001", virtual(), numbers("+14155552001"))),
		cuser("res", ext("555", numbers("+14155550555")), ext("556", numbers("+14155550556"))))
	exp.AutoAttendants = append(exp.AutoAttendants, ClassicAutoAttendant{Name: "Sales", Extension: "3000", PhoneNumbers: []string{"+14155553000"}})
	mustImport(t, s, exp, importOpts())
	ns, _, err := s.ListNumbers(ctx, "", Page{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"+14155550100": "auto_attendant 444 Main menu", "+14155550110": "auto_attendant 444 Main menu",
		"+14155550101": "user 1001 alice", "+14155552001": "virtual 2001 vic",
		"+14155550555": "voicemail 555 voicemail", "+14155550556": "conference 556 conference bridge",
		"+14155550700": "receptionist 7000 Front desk", "+14155553000": "auto_attendant 3000 Sales",
	}
	if len(ns) != len(want) {
		t.Fatalf("%d numbers, want %d: %+v", len(ns), len(want), ns)
	}
	for _, n := range ns {
		r := n.RoutesTo
		ext := ""
		if r.Extension != nil {
			ext = *r.Extension
		}
		if got := r.Kind + " " + ext + " " + r.Name; got != want[n.Number] {
			t.Errorf("%s routes to %q, want %q", n.Number, got, want[n.Number])
		}
		if n.SMS != (r.Kind == RouteUser || r.Kind == RouteVirtual) {
			t.Errorf("%s: sms %v", n.Number, n.SMS)
		}
	}
	// q matches number, extension and name; pages follow the cursor.
	for q, n := range map[string]int{"Main menu": 2, "7000": 1, "5553000": 1, "vic": 1, "nobody": 0} {
		got, _, err := s.ListNumbers(ctx, q, Page{})
		if err != nil || len(got) != n {
			t.Errorf("q=%q: %d numbers (%v), want %d", q, len(got), err, n)
		}
	}
	first, next, _ := s.ListNumbers(ctx, "", Page{Limit: 5})
	rest, last, _ := s.ListNumbers(ctx, "", Page{Limit: 5, Cursor: next})
	if len(first) != 5 || len(rest) != 3 || last != "" || rest[0].Number <= first[4].Number {
		t.Fatalf("pages %d + %d, cursor %q", len(first), len(rest), last)
	}
}

// withFeatures adds every account feature to an export (richExport uses
// it, so that the dry-run, re-run and all-or-nothing tests cover them).
func withFeatures(exp ClassicExport) ClassicExport {
	exp.Account.MessagingEnabled = ptr(true)
	exp.Sites = []ClassicSite{{Name: "HQ", Address: "1 Main St, New York, NY"}}
	exp.Users[0].Site = "HQ"
	e := &exp.Users[0].Extensions[2]
	e.Contacts, e.ProfilePicture = []ClassicContact{{Name: "Mom", Number: "+14155550188"}}, "https://pics.example/joe.png"
	exp.AutoAttendants = []ClassicAutoAttendant{
		{Name: "Main", Extension: "444", PhoneNumbers: []string{"+14155550100"}},
		{Name: "Sales", Extension: "3000", PhoneNumbers: []string{"+14155553000"}},
		{Name: "Closed", Active: ptr(false)},
	}
	exp.Receptionists = []ClassicReceptionist{{Extension: "7000", Name: "Front desk", PhoneNumbers: []string{"+14155550700"}}}
	return exp
}

// TestReplaceUnsupportedCarriesFeatures: the new profile made to replace
// an unsupported device takes the old one's site, contacts and picture.
func TestReplaceUnsupportedCarriesFeatures(t *testing.T) {
	s, _ := openTest(t)
	exp := joeExport()
	exp.Sites = []ClassicSite{{Name: "HQ", Address: "1 Main St, New York, NY"}}
	exp.Users[0].Site = "HQ"
	e := &exp.Users[0].Extensions[3] // 1004, on the unsupported SoundPoint
	e.Contacts, e.ProfilePicture = []ClassicContact{{Name: "Mom", Number: "+14155550188"}}, "https://pics.example/1004.png"
	mustImport(t, s, exp, importOpts())
	old := userByName(t, s, "joe8x8.1004")
	res, err := s.ReplaceDevice(ctx, "0004f2000335", ReplaceRequest{NewMAC: "0004f2dddddd", NewModel: "VVX 150"})
	if err != nil {
		t.Fatal(err)
	}
	nu := userByName(t, s, res.Users[0].NewUsername)
	if nu.SiteID == nil || *nu.SiteID != *old.SiteID || nu.ProfilePicture != old.ProfilePicture ||
		len(nu.Contacts) != 1 || nu.Contacts[0] != old.Contacts[0] || nu.Licenses[0].ServiceAddress != "1 Main St, New York, NY" {
		t.Fatalf("new profile %+v\nold %+v", nu, old)
	}
	var steps []string
	for _, st := range res.Steps {
		steps = append(steps, st.Action)
	}
	if got := strings.Join(steps, " "); !strings.Contains(got, "move_contacts") || !strings.Contains(got, "move_site_and_picture") {
		t.Fatalf("steps %s", got)
	}
}

// TestImportDefaultAutoAttendantName: an export naming another auto
// attendant like the default one is told to rename it (the default one
// cannot be renamed here); on 444 the name is the default one's.
func TestImportDefaultAutoAttendantName(t *testing.T) {
	s, _ := openTest(t)
	exp := ClassicExport{Users: []ClassicUser{cuser("alice")}}
	exp.AutoAttendants = []ClassicAutoAttendant{{Name: "Default auto attendant", Extension: "2000"}}
	_, err := s.ImportClassic(ctx, exp, importOpts())
	var ie *ImportError
	if !errors.As(err, &ie) || !hasWarning(ie.Problems, "give this one another name in the export") {
		t.Fatalf("got %v", err)
	}
	exp.AutoAttendants[0].Extension = "444"
	rep := mustImport(t, s, exp, importOpts())
	if rep.AutoAttendants[0].Outcome != OutcomeCarried || !rep.AutoAttendants[0].Default {
		t.Fatalf("report %+v", rep.AutoAttendants)
	}
}

// TestMigrateAccountFeatures: a database from before the account features
// keeps its rows; numbers that rang 444, 555 and 556 get their routes.
func TestMigrateAccountFeatures(t *testing.T) {
	p := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := sql.Open("sqlite3", "file:"+p+"?_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	mine := -1
	for i, m := range ms {
		if strings.HasSuffix(m.name, "_account_features.sql") {
			mine = i
		}
	}
	if mine < 0 {
		t.Fatal("no account_features migration")
	}
	if err := migrateWith(ctx, db, ms[:mine]); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO users (id, username, time_zone, language, voicemail_to_email, status, created_at, updated_at)
			VALUES (1, 'old', 'UTC', 'en', 'disabled', 'active', 0, 0)`,
		`INSERT INTO phone_numbers (number, user_id, routing) VALUES ('+14155550101', 1, 'extension 1001'),
			('+14155550444', NULL, 'extension 444'), ('+14155550555', NULL, 'extension 555'),
			('+14155550556', NULL, 'extension 556'), ('+14155550999', NULL, '')`,
		`INSERT INTO import_runs (id, started_at, finished_at, actor, digest, totals, report) VALUES (1, 0, 0, 'x', 'd', '{}', '{}')`,
		`INSERT INTO import_objects (kind, key, run_id, local_id) VALUES ('user', 'old/1001', 1, 1)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(ctx, Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ns, _, err := s.ListNumbers(ctx, "", Page{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"user", "auto_attendant", "voicemail", "conference", "unassigned"}
	for i, n := range ns {
		if n.RoutesTo.Kind != want[i] {
			t.Errorf("%s: %s, want %s", n.Number, n.RoutesTo.Kind, want[i])
		}
	}
	var n int
	if err := s.r.QueryRow(`SELECT count(*) FROM import_objects WHERE kind = 'user' AND key = 'old/1001'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("import_objects lost its rows: %d %v", n, err)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestSetServiceAddresses: several unassigned licenses take a site's
// address (or a typed one) at once, with a summary of the changes; an
// assigned one refuses the whole change.
func TestSetServiceAddresses(t *testing.T) {
	s, _ := openTest(t)
	sea, _ := s.CreateSite(ctx, NewSite{Name: "Seattle", Address: "400 Pine St, Seattle, WA"})
	var ids []string
	for i := 0; i < 3; i++ {
		l, err := s.CreateLicense(ctx, NewLicense{Type: "X4", Country: "US", ServiceAddress: "1 Main St, New York, NY"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, l.ID)
	}
	u := mustUser(t, s, "alice", "1001")
	held := mustLicense(t, s, u)
	cases := []struct {
		name string
		in   ServiceAddresses
		kind error
	}{
		{"nothing named", ServiceAddresses{SiteID: sea.ID}, ErrInvalid},
		{"no address", ServiceAddresses{LicenseIDs: ids}, ErrInvalid},
		{"both", ServiceAddresses{LicenseIDs: ids, SiteID: sea.ID, ServiceAddress: "x"}, ErrInvalid},
		{"unknown site", ServiceAddresses{LicenseIDs: ids, SiteID: 99}, ErrInvalid},
		{"twice", ServiceAddresses{LicenseIDs: []string{ids[0], ids[0]}, SiteID: sea.ID}, ErrInvalid},
		{"an assigned one", ServiceAddresses{LicenseIDs: []string{ids[0], held.ID}, SiteID: sea.ID}, ErrConflict},
		{"unknown license", ServiceAddresses{LicenseIDs: []string{ids[0], "L-NOPE"}, SiteID: sea.ID}, ErrNotFound},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.SetServiceAddresses(ctx, c.in)
			wantKind(t, err, c.kind)
		})
	}
	sum, err := s.SetServiceAddresses(ctx, ServiceAddresses{LicenseIDs: ids[:2], SiteID: sea.ID, DryRun: true})
	if err != nil || len(sum) != 2 || sum[0].Before != "1 Main St, New York, NY" || sum[0].After != "400 Pine St, Seattle, WA" {
		t.Fatalf("dry run summary %+v %v", sum, err)
	}
	if l, _ := s.GetLicense(ctx, ids[0]); l.ServiceAddress != "1 Main St, New York, NY" {
		t.Fatal("the dry run changed a license")
	}
	if _, err := s.SetServiceAddresses(ctx, ServiceAddresses{LicenseIDs: ids[:2], SiteID: sea.ID}); err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"400 Pine St, Seattle, WA", "400 Pine St, Seattle, WA", "1 Main St, New York, NY"} {
		if l, _ := s.GetLicense(ctx, ids[i]); l.ServiceAddress != want {
			t.Fatalf("%s: %q, want %q", ids[i], l.ServiceAddress, want)
		}
	}
	if got := auditActions(t, s, "license"); len(got) < 2 || got[0] != "set_service_address "+ids[1] || got[1] != "set_service_address "+ids[0] {
		t.Fatalf("license audit %v", got)
	}
}
