package devicedb

import "testing"

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
