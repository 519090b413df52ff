package devicedb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAdminSignInAndSessions(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	a, err := s.CreateAdmin(ctx, "alice", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateAdmin(ctx, "ALICE", "correct horse battery"); !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate admin: %v, want conflict", err)
	}
	for _, c := range []struct{ name, pw string }{{"bad name!", "long enough pw"}, {"bob", "short"}} {
		if _, err := s.CreateAdmin(ctx, c.name, c.pw); !errors.Is(err, ErrInvalid) {
			t.Errorf("CreateAdmin(%q, %q) = %v, want invalid", c.name, c.pw, err)
		}
	}
	for _, c := range []struct{ name, pw string }{{"alice", "wrong password"}, {"nobody", "correct horse battery"}} {
		_, _, err := s.SignIn(ctx, c.name, c.pw, time.Hour)
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "wrong admin name or password") {
			t.Errorf("SignIn(%q) = %v, want the same invalid error", c.name, err)
		}
	}
	tok, got, err := s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
	if err != nil || got.ID != a.ID {
		t.Fatalf("SignIn = %v %v", got, err)
	}
	if sa, err := s.SessionAdmin(ctx, tok); err != nil || sa.Name != "alice" {
		t.Fatalf("SessionAdmin = %v %v", sa, err)
	}
	if err := s.SignOut(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionAdmin(ctx, tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("session after sign-out: %v", err)
	}
	expired, _, err := s.SignIn(ctx, "alice", "correct horse battery", -time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SessionAdmin(ctx, expired); !errors.Is(err, ErrNotFound) {
		t.Fatalf("expired session: %v", err)
	}
}

func TestCheckPasswordRejectsMalformed(t *testing.T) {
	ctx := context.Background()
	h, err := hashPassword(ctx, "a good password")
	if err != nil {
		t.Fatal(err)
	}
	good, err1 := checkPassword(ctx, h, "a good password")
	bad, err2 := checkPassword(ctx, h, "a bad password")
	if !good || bad || err1 != nil || err2 != nil {
		t.Fatal("checkPassword does not tell right from wrong")
	}
	for _, enc := range []string{"", "$argon2id$", "$argon2id$v=19$m=0,t=1,p=1$AA$AA", "$argon2i$v=19$m=8,t=1,p=1$AA$AA",
		"$argon2id$v=19$m=99999999,t=1,p=1$AA$AA", strings.Replace(h, "$argon2id$", "$bcrypt$", 1)} {
		if ok, _ := checkPassword(ctx, enc, "a good password"); ok {
			t.Errorf("checkPassword(%q) matched", enc)
		}
	}
}

// TestPasswordHashCap runs 12 sign-ins at once: at most MaxPasswordHashes
// hash at the same time, and one whose context ends while waiting for a
// slot fails with ErrUnavailable.
func TestPasswordHashCap(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateAdmin(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	const n = 12
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
			errs <- err
		}()
	}
	var ok, busy int
	for range n {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, ErrUnavailable):
			busy++
		default:
			t.Errorf("sign-in: %v", err)
		}
	}
	if _, peak := PasswordHashes(); peak > MaxPasswordHashes || ok == 0 {
		t.Errorf("peak %d concurrent hashes (cap %d), %d signed in, %d busy", peak, MaxPasswordHashes, ok, busy)
	}
	for range MaxPasswordHashes { // hold every slot
		hashSlots <- struct{}{}
	}
	cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond) // ends while waiting for a slot
	defer cancel()
	_, _, err := s.SignIn(cctx, "alice", "correct horse battery", time.Hour)
	for range MaxPasswordHashes {
		<-hashSlots
	}
	if !errors.Is(err, ErrUnavailable) || !strings.Contains(err.Error(), "busy") {
		t.Errorf("sign-in with every slot taken: %v, want busy (unavailable)", err)
	}
}

func TestSetUserPassword(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, NewUser{Username: "joe", FirstName: "Joe", LastName: "Smith", Email: "joe@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetUserPassword(ctx, u.ID, "a long password"); err != nil {
		t.Fatal(err)
	}
	var h string
	if err := s.r.QueryRow(`SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&h); err != nil {
		t.Fatal(err)
	}
	if ok, err := checkPassword(ctx, h, "a long password"); !ok || err != nil {
		t.Fatalf("stored hash %q %v does not check", h, err)
	}
	if err := s.SetUserPassword(ctx, u.ID, "short"); !errors.Is(err, ErrInvalid) {
		t.Errorf("short password: %v", err)
	}
	if err := s.SetUserPassword(ctx, 9999, "a long password"); !errors.Is(err, ErrNotFound) {
		t.Errorf("no such user: %v", err)
	}
}

func TestSignInAndUserPasswordDuringUpgrade(t *testing.T) {
	s, _ := openTest(t)
	ctx := context.Background()
	if _, err := s.CreateAdmin(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, NewUser{Username: "joe", FirstName: "Joe", LastName: "Smith", Email: "joe@acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Lock(time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	defer s.Unlock()
	tok, _, err := s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
	if err != nil {
		t.Fatalf("sign-in during an upgrade: %v", err)
	}
	if err := s.SignOut(ctx, tok); err != nil {
		t.Fatalf("sign-out during an upgrade: %v", err)
	}
	if err := s.SetUserPassword(ctx, u.ID, "a long password"); err != nil {
		t.Fatalf("set password during an upgrade: %v", err)
	}
}
