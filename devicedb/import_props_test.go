package devicedb

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// richExport has a bit of everything.
func richExport() ClassicExport {
	exp := joeExport()
	exp.Licenses = append(exp.Licenses, x4("L-9"), ClassicLicense{ID: "L-VCC", Type: "VCC Agent", Country: "US"})
	exp.Users = append(exp.Users, cuser("vic", ext("2001", virtual())), ClassicUser{Username: "profile.only"},
		cuser("res", ext("555"), ext("2101", lic("L-9")), ext("2102", mobile("2021-01-01T00:00:00Z"))),
		cuser("agent", ext("2201", lic("L-VCC"))))
	exp.Devices = append(exp.Devices,
		ClassicDevice{MAC: "0004f2002001", Model: "VVX 250", Lines: []ClassicDeviceLine{{Line: 1, Extension: "2001"}, {Line: 2, Extension: "2101"}}},
		ClassicDevice{MAC: "805ec0002201", Model: "T46S", Lines: []ClassicDeviceLine{{Line: 1, Extension: "2201"}}})
	return withFeatures(exp)
}

// TestImportDryRunIsTheRealRun: a dry run reports exactly what the real
// run then does, and changes nothing at all.
func TestImportDryRunIsTheRealRun(t *testing.T) {
	s, _ := openTest(t)
	mustUser(t, s, "already", "1500")
	before := dump(t, s)
	o := importOpts()
	o.DryRun = true
	dry := mustImport(t, s, richExport(), o)
	if d := diffDumps(before, dump(t, s)); d != "" {
		t.Fatalf("the dry run changed the database: %s", d)
	}
	if !dry.DryRun || dry.ID != 0 {
		t.Fatalf("dry run report: dry_run %v id %d", dry.DryRun, dry.ID)
	}
	real := mustImport(t, s, richExport(), importOpts())
	dry.DryRun, dry.ID = real.DryRun, real.ID
	if !reflect.DeepEqual(dry, real) {
		t.Fatalf("dry run report differs from the real run's:\n%+v\n%+v", dry, real)
	}
	if got, err := s.GetImport(ctx, real.ID); err != nil || !reflect.DeepEqual(got, real) {
		t.Fatalf("stored report: %v", err)
	}
}

// TestImportRerunChangesNothing: the same export twice changes nothing
// the second time, and the report says so for every user and device.
func TestImportRerunChangesNothing(t *testing.T) {
	s, _ := openTest(t)
	first := mustImport(t, s, richExport(), importOpts())
	before := dump(t, s)
	again := mustImport(t, s, richExport(), importOpts())
	after := dump(t, s)
	// The run itself is recorded: its row and its audit entry.
	if n := len(after["import_runs"]) - len(before["import_runs"]); n != 1 {
		t.Fatalf("%d import runs recorded", n)
	}
	if n := len(after["audit"]) - len(before["audit"]); n != 1 || !strings.Contains(after["audit"][len(after["audit"])-1], "import") {
		t.Fatalf("re-run added %d audit entries", n)
	}
	for _, tb := range []string{"import_runs", "audit", "sqlite_sequence"} {
		delete(before, tb)
		delete(after, tb)
	}
	if d := diffDumps(before, after); d != "" {
		t.Fatalf("re-run changed: %s", d)
	}
	if again.Totals.Changed || again.Totals.UsersCreated != 0 || again.Totals.UsersUnchanged != first.Totals.UsersCreated {
		t.Fatalf("re-run totals: %+v", again.Totals)
	}
	for _, u := range again.Users {
		if u.Outcome != OutcomeUnchanged {
			t.Errorf("user %s: %s", u.ClassicUsername, u.Outcome)
		}
	}
	for _, d := range again.Devices {
		if d.Outcome != OutcomeUnchanged {
			t.Errorf("device %s: %s", d.MAC, d.Outcome)
		}
	}
}

// TestImportRerunAfterDeletion: what an admin deleted after the import is
// not made again by a re-run, and an unsupported device removed can never
// come back.
func TestImportRerunAfterDeletion(t *testing.T) {
	s, _ := openTest(t)
	mustImport(t, s, joeExport(), importOpts())
	if err := s.DeleteDevice(ctx, "0004f2000335"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, userByName(t, s, "joe8x8.1004").ID); err != nil {
		t.Fatal(err)
	}
	rep := mustImport(t, s, joeExport(), importOpts())
	if rep.Totals.Changed || rep.Totals.UsersSkipped != 1 || rep.Totals.DevicesSkipped != 1 {
		t.Fatalf("totals: %+v", rep.Totals)
	}
	if _, err := s.GetDevice(ctx, "0004f2000335"); !errors.Is(err, ErrNotFound) {
		t.Fatal("a removed unsupported device came back")
	}
}

// TestImportAllOrNothing: a failure late in the run leaves nothing.
func TestImportAllOrNothing(t *testing.T) {
	cases := []struct {
		name string
		prep func(t *testing.T, s *Store, exp *ClassicExport, o *ImportOptions)
		kind error
	}{
		{"conflicting device last", func(t *testing.T, s *Store, exp *ClassicExport, o *ImportOptions) {
			if _, err := s.CreateDevice(ctx, NewDevice{MAC: "805ec0002201", Model: "T46S"}); err != nil {
				t.Fatal(err)
			}
		}, ErrConflict},
		{"frozen config fails on the last device", func(t *testing.T, s *Store, exp *ClassicExport, o *ImportOptions) {
			exp.Devices = append(exp.Devices, ClassicDevice{MAC: "0004f2fff335", Model: "SoundPoint IP 335"})
			o.Freeze = func(d *Device, m templates.Model) ([]byte, error) {
				if d.MAC == "0004f2fff335" {
					return nil, errors.New("template exploded")
				}
				return testFreeze(d, m)
			}
		}, nil},
		{"bad record last", func(t *testing.T, s *Store, exp *ClassicExport, o *ImportOptions) {
			exp.Devices = append(exp.Devices, ClassicDevice{MAC: "0004f2fff336", Model: "VVX 410",
				Lines: []ClassicDeviceLine{{Line: 99, Extension: "1001"}}})
		}, ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTest(t)
			exp, o := richExport(), importOpts()
			c.prep(t, s, &exp, &o)
			before := dump(t, s)
			_, err := s.ImportClassic(ctx, exp, o)
			if err == nil || (c.kind != nil && !errors.Is(err, c.kind)) {
				t.Fatalf("import: %v, want %v", err, c.kind)
			}
			if d := diffDumps(before, dump(t, s)); d != "" {
				t.Fatalf("a failed import left changes: %s", d)
			}
			if _, ok := s.LockedUntil(); ok {
				t.Fatal("the lock outlived the import")
			}
		})
	}
}

// TestImportValidation lists every problem, each naming its record.
func TestImportValidation(t *testing.T) {
	exp := ClassicExport{
		Licenses: []ClassicLicense{{ID: "L-1", Type: "X99", Country: "US"}, {ID: "L-2", Type: "X2", Country: "Narnia"}, x4("L-3"), x4("L-3")},
		Users: []ClassicUser{
			cuser("okay", ext("1001")),
			{Username: "b", Email: "not-mail", VoicemailToEmail: "carrier_pigeon", TimeZone: "Mars/Base"},
			cuser("dup", ext("1001"), ext("10a"), ext("1002", numbers("4155550101"), lic("L-404"), desktop("yesterday"))),
			cuser("OKAY"),
		},
		Devices: []ClassicDevice{
			{MAC: "zz", Model: "VVX 410"},
			{MAC: "0004f2000001", Model: "Banana Phone"},
			{MAC: "0004f2000002", Model: "VVX 101", Lines: []ClassicDeviceLine{{Line: 2, Extension: "1001"}, {Line: 1, Extension: "7777"}}},
		},
	}
	want := []string{
		`licenses[0]: license type "X99"`,
		`licenses[1]: country "Narnia"`,
		`licenses[3].id: license "L-3" is listed twice`,
		`users[1].username: username "b"`,
		`users[1].email`,
		`users[1].voicemail_to_email: "carrier_pigeon"`,
		`users[1].time_zone`,
		`users[2].extensions[0].number: extension 1001 is also held by users[0]`,
		`users[2].extensions[1].number: extension "10a": use 2 to 10 digits`,
		`users[2].extensions[2].phone_numbers[0]`,
		`users[2].extensions[2].license_id: license "L-404"`,
		`users[2].extensions[2].desktop_login_at: "yesterday"`,
		`users[3].username: username "OKAY" is also users[0]'s`,
		`devices[0].mac`,
		`devices[1].model: model "Banana Phone"`,
		`devices[2].lines[0].line: line 2: a VVX 101 has lines 1 to 1`,
		`devices[2].lines[1].extension: extension "7777"`,
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

// TestImportConflicts: an export that clashes with objects not made by an
// import is refused, naming each clash.
func TestImportConflicts(t *testing.T) {
	s, _ := openTest(t)
	mustUser(t, s, "joe8x8", "")
	mustUser(t, s, "other", "1002")
	if _, err := s.CreateLicense(ctx, NewLicense{ID: "L-1001", Type: "X2", Country: "US"}); err != nil {
		t.Fatal(err)
	}
	before := dump(t, s)
	_, err := s.ImportClassic(ctx, joeExport(), importOpts())
	var ie *ImportError
	if !errors.As(err, &ie) || !errors.Is(err, ErrConflict) || len(ie.Problems) != 3 {
		t.Fatalf("got %v", err)
	}
	for _, w := range []string{`username "joe8x8" exists already`, "extension 1002 belongs to user other", "license L-1001 exists already"} {
		if !hasWarning(ie.Problems, w) {
			t.Errorf("no problem %q in %v", w, ie.Problems)
		}
	}
	if d := diffDumps(before, dump(t, s)); d != "" {
		t.Fatalf("refused import changed: %s", d)
	}
}

// TestImportLock: while a real import runs, admin writes are refused with
// the time to expect the end, reads go on, and a second import waits its
// turn; afterwards writes work again.
func TestImportLock(t *testing.T) {
	s, _ := openTest(t)
	u := mustUser(t, s, "reader", "1999")
	inFreeze, release := make(chan struct{}), make(chan struct{})
	o := importOpts()
	o.Freeze = func(d *Device, m templates.Model) ([]byte, error) {
		close(inFreeze)
		select {
		case <-release:
		case <-time.After(10 * time.Second):
		}
		return testFreeze(d, m)
	}
	var wg sync.WaitGroup
	var impErr error
	wg.Add(1)
	go func() { defer wg.Done(); _, impErr = s.ImportClassic(ctx, joeExport(), o) }()
	select {
	case <-inFreeze:
	case <-time.After(10 * time.Second):
		t.Fatal("import did not start")
	}
	_, err := s.CreateUser(ctx, NewUser{Username: "blocked"})
	wantKind(t, err, ErrUnavailable)
	if !strings.Contains(err.Error(), "upgrade") || !strings.Contains(err.Error(), "until about") {
		t.Errorf("refusal does not say an upgrade runs and until when: %v", err)
	}
	if _, ok := s.LockedUntil(); !ok {
		t.Error("not locked during the import")
	}
	if g, err := s.GetUser(ctx, u.ID); err != nil || g.Username != "reader" {
		t.Errorf("read during the import: %v", err)
	}
	_, err = s.ImportClassic(ctx, joeExport(), importOpts())
	wantKind(t, err, ErrUnavailable)
	close(release)
	wg.Wait()
	if impErr != nil {
		t.Fatal(impErr)
	}
	if _, err := s.CreateUser(ctx, NewUser{Username: "after"}); err != nil {
		t.Fatalf("write after the import: %v", err)
	}
}

func TestEstimateImportGrows(t *testing.T) {
	small, big := EstimateImport(joeExport()), EstimateImport(SyntheticExport(10000, 12000, 8000))
	if small < importBase || big <= small || big > 2*time.Minute {
		t.Fatalf("estimates: %v %v", small, big)
	}
}

// TestPasswordTokens: the token is stored hashed and works once, until it
// expires.
func TestPasswordTokens(t *testing.T) {
	s, clk := openTest(t)
	mustImport(t, s, joeExport(), importOpts())
	msgs, _, _ := s.ListOutbox(ctx, "", Page{})
	tok := strings.TrimPrefix(msgs[0].Link, "https://pbx.example/set-password?token=")
	for tb, rows := range dump(t, s) {
		for _, r := range rows {
			if strings.Contains(r, tok) {
				t.Fatalf("token stored in clear in %s", tb)
			}
		}
	}
	uid, err := s.UsePasswordToken(ctx, tok)
	if err != nil || uid != userByName(t, s, msgs[0].Username).ID {
		t.Fatalf("use token: %d %v", uid, err)
	}
	_, err = s.UsePasswordToken(ctx, tok)
	wantKind(t, err, ErrConflict)
	_, err = s.UsePasswordToken(ctx, "forged")
	wantKind(t, err, ErrNotFound)
	clk.Add(8 * 24 * time.Hour)
	_, err = s.UsePasswordToken(ctx, strings.TrimPrefix(msgs[1].Link, "https://pbx.example/set-password?token="))
	wantKind(t, err, ErrConflict)
}

// TestImportLockExtends: a run slower than its estimate moves the
// announced end later, never earlier.
func TestImportLockExtends(t *testing.T) {
	s, _ := openTest(t)
	if err := s.Lock(s.now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	defer s.Unlock()
	first, _ := s.LockedUntil()
	s.extendLock(time.Now().Add(-10*time.Second), time.Second, 500, 1000)
	later, _ := s.LockedUntil()
	if !later.After(first.Add(10 * time.Second)) {
		t.Fatalf("lock end %v → %v, want about 17 s later", first, later)
	}
	s.extendLock(time.Now(), time.Hour, 500, 1000)
	if again, _ := s.LockedUntil(); !again.Equal(later) {
		t.Fatalf("lock end moved earlier: %v → %v", later, again)
	}
	if err := s.Lock(s.now()); err == nil {
		t.Fatal("a second lock was taken")
	}
}
