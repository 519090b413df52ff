package devicedb

import (
	"errors"
	"testing"
	"time"
)

// TestImportWindowSignsOutAndPublishesProgress: a real import signs every
// admin out (their sessions deleted) and publishes its progress while it
// runs; the window closes by itself at the end.
func TestImportWindowSignsOutAndPublishesProgress(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.CreateAdmin(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	tok, _, err := s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var during []ImportProgress
	o := importOpts()
	o.OnProgress = func(done, total int) {
		if p, ok := s.RunningImport(); ok {
			during = append(during, p)
		}
	}
	rep := mustImport(t, s, joeExport(), o)
	if len(during) == 0 || during[0].ID != rep.ID || during[0].Status != "running" || during[0].ExpectedEnd.IsZero() {
		t.Fatalf("progress during the import: %+v (run %d)", during, rep.ID)
	}
	if _, ok := s.RunningImport(); ok {
		t.Fatal("the window stayed open after the import")
	}
	if _, err := s.SessionAdmin(ctx, tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the admin's session survived the upgrade window: %v", err)
	}
	if es, _, _ := s.ListAudit(ctx, AuditFilter{Entity: "admin"}, Page{}); len(es) == 0 || es[0].Action != "sign_out_all" {
		t.Fatalf("audit: %+v", es)
	}
	// A dry run is no window: sessions stay.
	tok, _, _ = s.SignIn(ctx, "alice", "correct horse battery", time.Hour)
	o = importOpts()
	o.DryRun = true
	mustImport(t, s, joeExport(), o)
	if _, err := s.SessionAdmin(ctx, tok); err != nil {
		t.Fatalf("a dry run signed the admin out: %v", err)
	}
}

// TestScheduledImports: an import stored for a time is validated at once,
// listed beforehand, cancellable until it starts, and run once when due.
func TestScheduledImports(t *testing.T) {
	s, clk := openTest(t)
	at := clk.Now().Add(time.Hour)
	bad := joeExport()
	bad.Licenses = append(bad.Licenses, bad.Licenses[0])
	cases := []struct {
		name string
		exp  ClassicExport
		at   time.Time
		kind error
	}{
		{"in the past", joeExport(), clk.Now().Add(-time.Minute), ErrInvalid},
		{"now", joeExport(), clk.Now(), ErrInvalid},
		{"an export with problems", bad, at, ErrInvalid},
	}
	for _, c := range cases {
		_, err := s.ScheduleImport(ctx, c.exp, c.at)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: %v, want %v", c.name, err, c.kind)
		}
	}
	first, err := s.ScheduleImport(ctx, joeExport(), at)
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.ScheduleImport(ctx, joeExport(), at.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := s.NextImportWindow(ctx); w == nil || w.ID != first.ID || !w.At.Equal(at) || w.EstimateSeconds < 5 || !w.ExpectedEnd.After(at) {
		t.Fatalf("next window: %+v", w)
	}
	if got, err := s.CancelScheduledImport(ctx, second.ID); err != nil || got.Status != ScheduledCancelled {
		t.Fatalf("cancel: %+v %v", got, err)
	}
	if _, err := s.CancelScheduledImport(ctx, second.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("second cancel: %v", err)
	}
	if n, err := s.RunDueImports(ctx, importOpts()); err != nil || n != 0 {
		t.Fatalf("before its time: %d %v", n, err)
	}
	clk.Add(time.Hour)
	o := importOpts()
	o.Now = time.Time{}
	// While another import holds the window, a due import waits.
	if err := s.Lock(clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RunDueImports(ctx, o); !errors.Is(err, ErrUnavailable) || n != 0 {
		t.Fatalf("during another import: %d %v", n, err)
	}
	s.Unlock()
	if got, _ := s.GetScheduledImport(ctx, first.ID); got.Status != ScheduledWaiting {
		t.Fatalf("after a refused claim: %+v", got)
	}
	if n, err := s.RunDueImports(ctx, o); err != nil || n != 1 {
		t.Fatalf("due: %d %v", n, err)
	}
	got, _ := s.GetScheduledImport(ctx, first.ID)
	if got.Status != ScheduledDone || got.RunID == nil || got.StartedAt == nil {
		t.Fatalf("after the run: %+v", got)
	}
	if rep, err := s.GetImport(ctx, *got.RunID); err != nil || rep.Totals.UsersCreated != 4 {
		t.Fatalf("its report: %v", err)
	}
	if n, _ := s.RunDueImports(ctx, o); n != 0 {
		t.Fatal("ran twice")
	}
	if w, _ := s.NextImportWindow(ctx); w != nil {
		t.Fatalf("window left: %+v", w)
	}
	if _, err := s.CancelScheduledImport(ctx, first.ID); !errors.Is(err, ErrConflict) {
		t.Fatalf("cancel after the run: %v", err)
	}
}
