package devicedb

import (
	"fmt"
	"testing"
	"time"
)

// TestSetLineSameUserChangesNothing: putting the user already on a line
// again keeps its credentials, writes no audit entry and leaves Generation;
// RotateLine and a change of hands give new credentials.
func TestSetLineSameUserChangesNothing(t *testing.T) {
	s, _ := openTest(t)
	alice, bob := mustUser(t, s, "alice", "1001"), mustUser(t, s, "bob", "1002")
	d, err := s.CreateDevice(ctx, NewDevice{MAC: "0004f2aabbcc", Model: "VVX 410"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = s.SetLine(ctx, d.MAC, 1, alice.ID); err != nil {
		t.Fatal(err)
	}
	auth := d.Lines[0].AuthUser
	audits := func() int {
		es, _, err := s.ListAudit(ctx, AuditFilter{Entity: "device", EntityID: d.MAC}, Page{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	if err := s.Sync(ctx); err != nil { // PostgreSQL: the earlier writes' change notices land first
		t.Fatal(err)
	}
	n, gen := audits(), s.Generation()
	again, err := s.SetLine(ctx, d.MAC, 1, alice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.Lines[0].AuthUser != auth || audits() != n || s.Generation() != gen {
		t.Fatalf("same user again: auth %q -> %q, audit %d -> %d, generation %d -> %d", auth, again.Lines[0].AuthUser, n, audits(), gen, s.Generation())
	}
	rot, err := s.RotateLine(ctx, d.MAC, 1)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Lines[0].AuthUser == auth || audits() != n+1 {
		t.Fatalf("rotate: auth %q -> %q, audit %d -> %d", auth, rot.Lines[0].AuthUser, n, audits())
	}
	moved, err := s.SetLine(ctx, d.MAC, 1, bob.ID)
	if err != nil {
		t.Fatal(err)
	}
	if moved.Lines[0].AuthUser == rot.Lines[0].AuthUser || moved.Lines[0].UserID != bob.ID {
		t.Fatalf("change of hands kept the credentials: %+v", moved.Lines[0])
	}
	_, err = s.RotateLine(ctx, d.MAC, 2)
	wantKind(t, err, ErrNotFound)
}

// TestPendingLeavesOutRemovedForGood: an unsupported device removed for
// good (it can never be added back) is not listed as pending "to adopt"
// when it asks again; another unknown device is.
func TestPendingLeavesOutRemovedForGood(t *testing.T) {
	s, _ := openTest(t)
	u := mustUser(t, s, "alice", "1001")
	d, err := s.CarryOverDevice(ctx, "0004f2000335", "SoundPoint IP 335", map[int]int64{1: u.ID}, []byte("frozen"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteDevice(ctx, d.MAC); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPending(ctx, []Sighting{{MAC: d.MAC, Vendor: "Poly", Model: "SoundPoint IP 335"}, {MAC: "0004f2000999", Vendor: "Poly", Model: "VVX 410"}}); err != nil {
		t.Fatal(err)
	}
	ps, _, err := s.ListPending(ctx, Page{})
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.CountPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].MAC != "0004f2000999" || n != 1 {
		t.Fatalf("pending: %+v (count %d), want only 0004f2000999", ps, n)
	}
}

// TestDeviceSearchAndCounts: a device is found by part of its MAC, a
// username, an extension or a phone number of a user on its lines; the
// overview counts equal the lists behind them.
func TestDeviceSearchAndCounts(t *testing.T) {
	s, _ := openTest(t)
	ann := mustUser(t, s, "annabel", "2101")
	mustLicense(t, s, ann)
	mustLicense(t, s, nil)
	if _, err := s.AddPhoneNumber(ctx, ann.ID, "+14155550177", ""); err != nil {
		t.Fatal(err)
	}
	for _, mac := range []string{"0004f2aabb01", "0004f2ccdd02", "805ec0000003"} {
		if _, err := s.CreateDevice(ctx, NewDevice{MAC: mac, Model: "VVX 410"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.SetLine(ctx, "0004f2ccdd02", 1, ann.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"aabb", []string{"0004f2aabb01"}},
		{"AA:BB:01", []string{"0004f2aabb01"}},
		{"0004f2", []string{"0004f2aabb01", "0004f2ccdd02"}},
		{"annab", []string{"0004f2ccdd02"}},
		{"2101", []string{"0004f2ccdd02"}},
		{"5550177", []string{"0004f2ccdd02"}},
		{"nobody", nil},
		{"%", nil},
	} {
		ds, _, err := s.ListDevices(ctx, DeviceFilter{Query: tc.q}, Page{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, d := range ds {
			got = append(got, d.MAC)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("q=%q: %v, want %v", tc.q, got, tc.want)
		}
	}
	// Below: filtered across pages of 1.
	below := func(model, fw string) bool { return fw == "" }
	keep := func(d *Device) bool { return below(d.Model, d.Firmware) }
	var all []string
	for p := (Page{Limit: 1}); ; {
		ds, next, err := s.ListDevices(ctx, DeviceFilter{Keep: keep}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			all = append(all, d.MAC)
		}
		if next == "" {
			break
		}
		p.Cursor = next
	}
	n, err := s.CountBelow(ctx, below)
	if err != nil || n != 3 || len(all) != 3 {
		t.Fatalf("below: count %d %v, listed %v", n, err, all)
	}
	c, err := s.CountAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.DevicesActive != 3 || c.LinesProvisioned != 1 || c.LicensesAssigned != 1 || c.LicensesUnassigned != 1 || c.LicensesSuspended != 0 {
		t.Fatalf("counts: %+v", c)
	}
	now := time.Now()
	if err := s.AddRegisterCounts(ctx, now, map[string]int{"ok": 2, "forbidden": 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddRegisterCounts(ctx, now, map[string]int{"ok": 3}); err != nil {
		t.Fatal(err)
	}
	hs, err := s.HourlyRegisters(ctx, now.Add(-24*time.Hour))
	if err != nil || len(hs) != 2 || hs[1].Outcome != "ok" || hs[1].N != 5 {
		t.Fatalf("hourly registers: %+v %v", hs, err)
	}
}

// TestAdminManagement: list with last sign-in, reset (ends the sessions),
// own change (checks the current password, keeps the own session), remove
// (never the last admin).
func TestAdminManagement(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.CreateAdmin(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAdmin(ctx, "bob", "bob's long password"); err != nil {
		t.Fatal(err)
	}
	tokA, _, err := s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tokB, _, err := s.SignIn(ctx, "bob", "bob's long password", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	as, err := s.ListAdmins(ctx)
	if err != nil || len(as) != 2 || as[0].Name != "alice" || as[0].LastSignIn == nil {
		t.Fatalf("admins: %+v %v", as, err)
	}
	if err := s.SetAdminPassword(ctx, "bob", "a new password for bob", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionAdmin(ctx, tokB); err == nil {
		t.Fatal("bob's session outlived the reset")
	}
	wantKind(t, s.ChangeOwnPassword(ctx, "alice", "wrong one", "another long password", tokA), ErrInvalid)
	if err := s.ChangeOwnPassword(ctx, "alice", "correct horse battery", "another long password", tokA); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionAdmin(ctx, tokA); err != nil {
		t.Fatalf("own session ended by the own change: %v", err)
	}
	if _, _, err := s.SignIn(ctx, "alice", "another long password", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAdmin(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	wantKind(t, s.DeleteAdmin(ctx, "alice"), ErrConflict)
	wantKind(t, s.DeleteAdmin(ctx, "nobody"), ErrNotFound)
}

// TestListFetchLog: the fetches behind the hourly series, by outcome and
// time window, newest first.
func TestListFetchLog(t *testing.T) {
	s, c := openTest(t)
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "0004f2aabbcc", Model: "VVX 410"}); err != nil {
		t.Fatal(err)
	}
	now := c.Now()
	batch := []FetchRecord{{MAC: "0004f2aabbcc", At: now.Add(-2 * time.Hour), File: "a.cfg", Status: 200},
		{MAC: "0004f2aabbcc", At: now.Add(-time.Hour), File: "a.cfg", Status: 304},
		{MAC: "0004f2aabbcc", At: now, File: "b.cfg", Status: 404}}
	if err := s.RecordFetches(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		outcome string
		since   time.Duration
		want    []int
	}{
		{"", 3 * time.Hour, []int{404, 304, 200}},
		{FetchServed, 3 * time.Hour, []int{200}},
		{FetchNotModified, 3 * time.Hour, []int{304}},
		{FetchRefused, 3 * time.Hour, []int{404}},
		{"", 90 * time.Minute, []int{404, 304}},
	} {
		fs, err := s.ListFetchLog(ctx, now.Add(-tc.since), now.Add(time.Second), tc.outcome, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for _, f := range fs {
			got = append(got, f.Status)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("outcome %q since %v: %v, want %v", tc.outcome, tc.since, got, tc.want)
		}
	}
	hs, err := s.HourlyFetches(ctx, now.Add(-3*time.Hour))
	if err != nil || len(hs) != 3 {
		t.Fatalf("hourly fetches: %+v %v", hs, err)
	}
	_, err = s.ListFetchLog(ctx, now, now, "lost", 10)
	wantKind(t, err, ErrInvalid)
}
