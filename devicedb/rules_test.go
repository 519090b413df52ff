package devicedb

import (
	"testing"
	"time"
)

func TestUserValidation(t *testing.T) {
	s, _ := openTest(t)
	mustUser(t, s, "taken", "")
	cases := []struct {
		name string
		in   NewUser
		kind error
	}{
		{"ok defaults", NewUser{Username: "bob"}, nil},
		{"short username", NewUser{Username: "b"}, ErrInvalid},
		{"username with space", NewUser{Username: "bob smith"}, ErrInvalid},
		{"duplicate username any case", NewUser{Username: "TAKEN"}, ErrConflict},
		{"bad email", NewUser{Username: "user1", Email: "not-an-email"}, ErrInvalid},
		{"email with name part", NewUser{Username: "user2", Email: "Bob <b@x.com>"}, ErrInvalid},
		{"bad time zone", NewUser{Username: "user3", TimeZone: "Mars/Olympus"}, ErrInvalid},
		{"good time zone", NewUser{Username: "user4", TimeZone: "Europe/Paris"}, nil},
		{"bad language", NewUser{Username: "user5", Language: "english!"}, ErrInvalid},
		{"bad voicemail", NewUser{Username: "user6", VoicemailToEmail: "link_only"}, ErrInvalid},
		{"extension letters", NewUser{Username: "user7", Extension: "10a1"}, ErrInvalid},
		{"extension 555 voicemail", NewUser{Username: "user8", Extension: "555"}, ErrInvalid},
		{"extension 556 conference", NewUser{Username: "user9", Extension: "556"}, ErrInvalid},
		{"extension 444 read-only", NewUser{Username: "user10", Extension: "444"}, ErrConflict},
		{"bad extension kind", NewUser{Username: "user11", Extension: "2001", ExtensionKind: "magic"}, ErrInvalid},
		{"control chars in name", NewUser{Username: "user12", FirstName: "a\nb"}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.CreateUser(ctx, c.in)
			if c.kind == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantKind(t, err, c.kind)
		})
	}
	u, err := s.GetUser(ctx, 2)
	if err != nil || u.TimeZone != DefaultTimeZone || u.Language != DefaultLanguage || u.VoicemailToEmail != DefaultVoicemail {
		t.Fatalf("defaults not applied: %+v %v", u, err)
	}
}

func TestOneExtensionOneUser(t *testing.T) {
	s, _ := openTest(t)
	a := mustUser(t, s, "alice", "1001")
	_, err := s.CreateUser(ctx, NewUser{Username: "bob", Extension: "1001"})
	wantKind(t, err, ErrConflict)
	// Moving alice to another extension frees 1001 for bob.
	ext := "1002"
	if _, err := s.UpdateUser(ctx, a.ID, UserPatch{Extension: &ext}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "bob", Extension: "1001"}); err != nil {
		t.Fatal(err)
	}
	bad := "555"
	_, err = s.UpdateUser(ctx, a.ID, UserPatch{Extension: &bad})
	wantKind(t, err, ErrInvalid)
	if u, _ := s.GetUser(ctx, a.ID); u.Extension == nil || *u.Extension != "1002" {
		t.Fatalf("refused patch changed the extension: %+v", u.Extension)
	}
}

func TestLicenseLifecycle(t *testing.T) {
	s, clk := openTest(t)
	u := mustUser(t, s, "alice", "1001")
	if !u.Contact {
		t.Fatal("user without license is not a contact")
	}
	l := mustLicense(t, s, u)
	if l.Status != LicenseAssigned {
		t.Fatalf("status %s", l.Status)
	}
	if u, _ = s.GetUser(ctx, u.ID); u.Contact {
		t.Fatal("licensed user still a contact")
	}
	// Deactivation suspends, reactivation lifts it.
	if _, err := s.DeactivateUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ = s.GetLicense(ctx, l.ID); l.Status != LicenseSuspended || l.SuspendedReason != "user_deactivated" {
		t.Fatalf("after deactivate: %+v", l)
	}
	if u, _ = s.GetUser(ctx, u.ID); !u.Contact || u.Status != "deactivated" {
		t.Fatalf("deactivated user: %+v", u)
	}
	if _, err := s.ReactivateUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ = s.GetLicense(ctx, l.ID); l.Status != LicenseAssigned {
		t.Fatalf("after reactivate: %+v", l)
	}
	// A suspended license cannot be assigned.
	b := mustUser(t, s, "bob", "1002")
	l2 := mustLicense(t, s, nil)
	if _, err := s.RemoveLicense(ctx, l2.ID); err != nil {
		t.Fatal(err)
	}
	_, err := s.AssignLicense(ctx, b.ID, l2.ID)
	wantKind(t, err, ErrInvalid)
	// Reinstated within 30 days it can be assigned again.
	clk.Add(29 * 24 * time.Hour)
	if l2, err = s.ReinstateLicense(ctx, l2.ID); err != nil || l2.Status != LicenseUnassigned {
		t.Fatalf("reinstate: %+v %v", l2, err)
	}
	if _, err := s.AssignLicense(ctx, b.ID, l2.ID); err != nil {
		t.Fatal(err)
	}
	// Removed and not reinstated for 30 days: gone.
	if _, err := s.RemoveLicense(ctx, l2.ID); err != nil {
		t.Fatal(err)
	}
	clk.Add(30*24*time.Hour + time.Second)
	if _, err := s.GetLicense(ctx, l2.ID); err == nil {
		t.Fatal("license still visible after the grace period")
	}
	_, err = s.ReinstateLicense(ctx, l2.ID)
	wantKind(t, err, ErrNotFound)
	if n, err := s.PurgeRemovedLicenses(ctx); err != nil || n != 1 {
		t.Fatalf("purge: %d %v; want 1", n, err)
	}
	// Already assigned elsewhere.
	_, err = s.AssignLicense(ctx, b.ID, l.ID)
	wantKind(t, err, ErrConflict)
	// Assigning to a deactivated user is refused.
	if _, err := s.DeactivateUser(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	l3 := mustLicense(t, s, nil)
	_, err = s.AssignLicense(ctx, b.ID, l3.ID)
	wantKind(t, err, ErrConflict)
}

func TestPurgeRemovedLicenses(t *testing.T) {
	s, clk := openTest(t)
	l := mustLicense(t, s, nil)
	if _, err := s.RemoveLicense(ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	// On PostgreSQL the removal's change notice comes back over the feed
	// a moment later: let it land before reading Generation.
	if err := s.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	gen := s.Generation()
	if n, err := s.PurgeRemovedLicenses(ctx); n != 0 || err != nil {
		t.Fatalf("purged %d (%v) inside the grace period", n, err)
	}
	if s.Generation() != gen {
		t.Fatal("a purge with nothing to purge moved Generation (every cached config would be re-rendered)")
	}
	// The scheduler runs this every minute: purging nothing must leave the
	// caches keyed by Generation (registrar credentials, re-sync) alone.
	if g := s.Generation(); g != gen {
		t.Fatalf("purging nothing moved Generation %d -> %d", gen, g)
	}
	clk.Add(RemovalGrace)
	if n, err := s.PurgeRemovedLicenses(ctx); n != 1 || err != nil {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	if s.Generation() == gen {
		t.Fatal("a purge did not move Generation")
	}
}

func TestLicenseValidationAndFilters(t *testing.T) {
	s, _ := openTest(t)
	for _, n := range []NewLicense{{Type: "X9", Country: "US"}, {Type: "X4", Country: "USA"}, {Type: "X4", Country: "ZZ"}} {
		_, err := s.CreateLicense(ctx, n)
		wantKind(t, err, ErrInvalid)
	}
	u := mustUser(t, s, "alice", "1001")
	mustLicense(t, s, u)
	if _, err := s.CreateLicense(ctx, NewLicense{ID: "L-GB1", Type: "vcc agent", Country: "gb"}); err != nil {
		t.Fatal(err)
	}
	_, err := s.CreateLicense(ctx, NewLicense{ID: "L-GB1", Type: "X2", Country: "GB"})
	wantKind(t, err, ErrConflict)
	for _, c := range []struct {
		f    LicenseFilter
		want int
	}{
		{LicenseFilter{}, 2}, {LicenseFilter{Country: "gb"}, 1}, {LicenseFilter{Type: "VCC Agent"}, 1},
		{LicenseFilter{Status: "assigned"}, 1}, {LicenseFilter{Status: "unassigned"}, 1}, {LicenseFilter{Status: "suspended"}, 0},
		{LicenseFilter{ID: "GB"}, 1},
	} {
		ls, _, err := s.ListLicenses(ctx, c.f, Page{})
		if err != nil || len(ls) != c.want {
			t.Errorf("filter %+v: %d licenses, %v; want %d", c.f, len(ls), err, c.want)
		}
	}
	// Service address only changes on unassigned licenses.
	if _, err := s.SetServiceAddress(ctx, "L-GB1", "10 Downing St"); err != nil {
		t.Fatal(err)
	}
	ls, _, _ := s.ListLicenses(ctx, LicenseFilter{Status: "assigned"}, Page{})
	_, err = s.SetServiceAddress(ctx, ls[0].ID, "elsewhere")
	wantKind(t, err, ErrConflict)
}

func TestDeviceRules(t *testing.T) {
	s, _ := openTest(t)
	alice := mustUser(t, s, "alice", "1001")
	mustLicense(t, s, alice)
	virt, err := s.CreateUser(ctx, NewUser{Username: "lobby", Extension: "1900", ExtensionKind: "virtual"})
	if err != nil {
		t.Fatal(err)
	}
	noext := mustUser(t, s, "noext", "")
	contact := mustUser(t, s, "contact", "1003")

	d, err := s.CreateDevice(ctx, NewDevice{MAC: "00-04-F2-AA-BB-CC", Model: "Polycom VVX410"})
	if err != nil {
		t.Fatal(err)
	}
	if d.MAC != "0004f2aabbcc" || d.Model != "VVX 410" || d.Vendor != "Poly" || !d.Supported {
		t.Fatalf("device: %+v", d)
	}
	for _, c := range []struct {
		name string
		in   NewDevice
		kind error
	}{
		{"unsupported model", NewDevice{MAC: "0004f2000002", Model: "SoundPoint IP 335"}, ErrInvalid},
		{"unknown model", NewDevice{MAC: "0004f2000003", Model: "Phone 9000"}, ErrInvalid},
		{"bad mac", NewDevice{MAC: "0004f2zz0003", Model: "VVX 410"}, ErrInvalid},
		{"short mac", NewDevice{MAC: "0004f2", Model: "VVX 410"}, ErrInvalid},
		{"duplicate", NewDevice{MAC: "0004.f2aa.bbcc", Model: "VVX 410"}, ErrConflict},
	} {
		_, err := s.CreateDevice(ctx, c.in)
		if wantKind(t, err, c.kind); c.name == "unsupported model" && !contains(err.Error(), "VVX 150") {
			t.Errorf("refusal does not name the replacement: %v", err)
		}
	}
	for _, c := range []struct {
		name string
		line int
		user int64
		kind error
	}{
		{"line 0", 0, alice.ID, ErrInvalid},
		{"line past the model", 13, alice.ID, ErrInvalid},
		{"virtual extension", 1, virt.ID, ErrInvalid},
		{"no extension", 1, noext.ID, ErrInvalid},
		{"no such user", 1, 999, ErrNotFound},
	} {
		_, err := s.SetLine(ctx, d.MAC, c.line, c.user)
		wantKind(t, err, c.kind)
	}
	if d, err = s.SetLine(ctx, d.MAC, 1, alice.ID); err != nil {
		t.Fatal(err)
	}
	if d, err = s.SetLine(ctx, d.MAC, 2, contact.ID); err != nil {
		t.Fatal(err)
	}
	if !d.Lines[0].Enabled || d.Lines[1].Enabled || d.Lines[1].DisabledReason == "" {
		t.Fatalf("line states: %+v", d.Lines)
	}
	if _, err := s.DeactivateUser(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	if d, _ = s.GetDevice(ctx, d.MAC); d.Lines[0].Enabled {
		t.Fatal("line of a deactivated user still enabled")
	}
	_, err = s.SetLine(ctx, d.MAC, 3, alice.ID)
	wantKind(t, err, ErrConflict)
	// Turning the user's extension virtual while it holds a device line is refused.
	v := "virtual"
	_, err = s.UpdateUser(ctx, contact.ID, UserPatch{ExtensionKind: &v})
	wantKind(t, err, ErrInvalid)
	if d, err = s.ClearLine(ctx, d.MAC, 2); err != nil || len(d.Lines) != 1 {
		t.Fatalf("clear: %+v %v", d, err)
	}
	_, err = s.ClearLine(ctx, d.MAC, 2)
	wantKind(t, err, ErrNotFound)
}

func TestUnsupportedDeviceRules(t *testing.T) {
	s, _ := openTest(t)
	u := mustUser(t, s, "old", "1001")
	mustLicense(t, s, u)
	other := mustUser(t, s, "other", "1002")
	d, err := s.CarryOverDevice(ctx, "0004f2000335", "SoundPoint IP 335", map[int]int64{1: u.ID}, []byte("frozen"))
	if err != nil || d.Status != DeviceUnsupported || d.Supported || d.Replacement != "VVX 150" {
		t.Fatalf("carry over: %+v %v", d, err)
	}
	// Not on the devices list; in the unsupported view.
	if ds, _, _ := s.ListDevices(ctx, DeviceFilter{}, Page{}); len(ds) != 0 {
		t.Fatalf("unsupported device on the devices list: %+v", ds)
	}
	if ds, _, _ := s.ListDevices(ctx, DeviceFilter{Status: "unsupported"}, Page{}); len(ds) != 1 {
		t.Fatalf("unsupported view: %+v", ds)
	}
	// Cannot be edited.
	_, err = s.SetLine(ctx, d.MAC, 2, other.ID)
	wantKind(t, err, ErrConflict)
	// Any change to its user's profile is refused, naming the device.
	name := "New"
	for _, f := range []func() error{
		func() error { _, err := s.UpdateUser(ctx, u.ID, UserPatch{FirstName: &name}); return err },
		func() error { _, err := s.DeactivateUser(ctx, u.ID); return err },
		func() error { return s.DeleteUser(ctx, u.ID) },
		func() error { _, err := s.AddPhoneNumber(ctx, u.ID, "+14155550100", ""); return err },
		func() error { _, err := s.AssignLicense(ctx, u.ID, mustLicense(t, s, nil).ID); return err },
	} {
		err := f()
		wantKind(t, err, ErrConflict)
		if !contains(err.Error(), d.MAC) || !contains(err.Error(), "replace") {
			t.Errorf("refusal does not name the device and the way out: %v", err)
		}
	}
	if fc, err := s.FrozenConfig(ctx, d.MAC); err != nil || string(fc) != "frozen" {
		t.Fatalf("frozen config: %q %v", fc, err)
	}
	// Removed, it can never come back.
	if err := s.DeleteDevice(ctx, d.MAC); err != nil {
		t.Fatal(err)
	}
	_, err = s.CarryOverDevice(ctx, d.MAC, "SoundPoint IP 335", nil, nil)
	wantKind(t, err, ErrConflict)
	_, err = s.CreateDevice(ctx, NewDevice{MAC: d.MAC, Model: "VVX 410"})
	wantKind(t, err, ErrConflict)
	// Once the device is gone the profile is editable again.
	if _, err := s.UpdateUser(ctx, u.ID, UserPatch{FirstName: &name}); err != nil {
		t.Fatal(err)
	}
}

func TestPhoneNumbers(t *testing.T) {
	s, _ := openTest(t)
	a := mustUser(t, s, "alice", "1001")
	b := mustUser(t, s, "bob", "1002")
	if _, err := s.AddPhoneNumber(ctx, a.ID, "4155550101", ""); err == nil {
		t.Fatal("accepted a number without +country")
	}
	u, err := s.AddPhoneNumber(ctx, a.ID, "+14155550101", "direct")
	if err != nil || len(u.PhoneNumbers) != 1 {
		t.Fatalf("%+v %v", u, err)
	}
	_, err = s.AddPhoneNumber(ctx, b.ID, "+14155550101", "")
	wantKind(t, err, ErrConflict)
	if _, err := s.RemovePhoneNumber(ctx, a.ID, "+14155550101"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddPhoneNumber(ctx, b.ID, "+14155550101", ""); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteUserFreesEverything(t *testing.T) {
	s, _ := openTest(t)
	u := mustUser(t, s, "alice", "1001")
	l := mustLicense(t, s, u)
	if _, err := s.DeactivateUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "0004f2000001", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if l, _ = s.GetLicense(ctx, l.ID); l.Status != LicenseUnassigned {
		t.Fatalf("license after user deletion: %+v", l)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "alice2", Extension: "1001"}); err != nil {
		t.Fatal("extension not freed:", err)
	}
	_, err := s.GetUser(ctx, u.ID)
	wantKind(t, err, ErrNotFound)
}

func TestAuditEveryChange(t *testing.T) {
	s, _ := openTest(t)
	c := WithActor(ctx, "token:ops")
	u, _ := s.CreateUser(c, NewUser{Username: "alice", Extension: "1001"})
	l, _ := s.CreateLicense(c, NewLicense{Type: "X2", Country: "US"})
	s.AssignLicense(c, u.ID, l.ID)
	s.CreateDevice(c, NewDevice{MAC: "0004f2000001", Model: "VVX 410"})
	s.SetLine(c, "0004f2000001", 1, u.ID)
	// A refused change leaves no audit entry.
	s.CreateUser(c, NewUser{Username: "alice"})
	es, _, err := s.ListAudit(ctx, AuditFilter{}, Page{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"set_line device", "create device", "assign license", "create license", "create user"}
	if len(es) != len(want) {
		t.Fatalf("%d audit entries, want %d: %+v", len(es), len(want), es)
	}
	for i, e := range es {
		if e.Action+" "+e.Entity != want[i] || e.Actor != "token:ops" {
			t.Errorf("entry %d: %s %s by %s, want %s by token:ops", i, e.Action, e.Entity, e.Actor, want[i])
		}
		if contains(string(e.After), "password") {
			t.Errorf("audit entry carries a password: %s", e.After)
		}
	}
}

func TestPagination(t *testing.T) {
	s, _ := openTest(t)
	for i := 0; i < 25; i++ {
		mac := "0004f20000" + string(rune('a'+i/16)) + "0123456789abcdef"[i%16:i%16+1]
		if _, err := s.CreateDevice(ctx, NewDevice{MAC: mac, Model: "VVX 150"}); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	p := Page{Limit: 10}
	for pages := 0; ; pages++ {
		ds, next, err := s.ListDevices(ctx, DeviceFilter{}, p)
		if err != nil || pages > 3 {
			t.Fatal(err, pages)
		}
		for _, d := range ds {
			if seen[d.MAC] {
				t.Fatalf("%s twice", d.MAC)
			}
			seen[d.MAC] = true
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	if len(seen) != 25 {
		t.Fatalf("saw %d devices, want 25", len(seen))
	}
	_, _, err := s.ListDevices(ctx, DeviceFilter{}, Page{Cursor: "!!!"})
	wantKind(t, err, ErrInvalid)
}

func TestNormalizeMAC(t *testing.T) {
	for in, want := range map[string]string{
		"0004F2A1B2C3": "0004f2a1b2c3", "00:04:f2:a1:b2:c3": "0004f2a1b2c3", "00-04-F2-A1-B2-C3": "0004f2a1b2c3",
		"0004.f2a1.b2c3": "0004f2a1b2c3", " 0004f2a1b2c3 ": "0004f2a1b2c3",
		"0004f2a1b2c": "", "0004f2a1b2c3d": "", "0004f2a1b2cg": "", "": "", "00 04 f2 a1 b2 c3": "",
	} {
		got, err := NormalizeMAC(in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("NormalizeMAC(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
