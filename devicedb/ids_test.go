package devicedb

import (
	"testing"
)

// Ids are never handed out twice, on either engine: deleting the
// highest user (and then the highest two at once) does not give its id to
// the next user, and a rolled-back transaction hands out nothing.
func TestIDsNeverReused(t *testing.T) {
	s, _ := openTest(t)
	mk := func(name string) int64 {
		t.Helper()
		u, err := s.CreateUser(ctx, NewUser{Username: name, TimeZone: "America/New_York"})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	a, b := mk("ids-a"), mk("ids-b")
	if b != a+1 {
		t.Fatalf("ids %d, %d: want consecutive", a, b)
	}
	if err := s.DeleteUser(ctx, b); err != nil {
		t.Fatal(err)
	}
	c := mk("ids-c")
	if c <= b {
		t.Fatalf("after deleting user %d the next user got %d: an id was reused", b, c)
	}
	d := mk("ids-d")
	for _, id := range []int64{d, c} {
		if err := s.DeleteUser(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if e := mk("ids-e"); e <= d {
		t.Fatalf("after deleting users %d and %d the next user got %d: an id was reused", c, d, e)
	}
	// a transaction that fails after its insert leaves no trace in the ids
	errBoom := conflict("boom")
	var inTx int64
	err := s.write(ctx, "test", func(tx *tx) error {
		id, err := tx.insertUser(NewUser{Username: "ids-rolled-back", TimeZone: "America/New_York", Language: DefaultLanguage,
			VoicemailToEmail: DefaultVoicemail})
		inTx = id
		if err != nil {
			return err
		}
		return errBoom
	})
	if err == nil {
		t.Fatal("the failing transaction committed")
	}
	if f := mk("ids-f"); f != inTx {
		t.Fatalf("after a rolled-back insert that took id %d, the next user got %d: want the same id", inTx, f)
	}
}
