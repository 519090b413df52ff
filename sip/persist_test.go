package sip

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"
	"unsafe"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// TestRestartKeepsBindings: bindings written on Shutdown come back in a
// new Registrar on the same store with their expiry, and keep working.
func TestRestartKeepsBindings(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	ln2 := newLine(t, st, "1002", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.FlushInterval = time.Hour })
	p := newPhone(t, "udp")
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1), contactURI("1001", 2) + ";expires=120"}})
	p.register(t, reg{line: ln2, server: srv.udp, contacts: []string{contactURI("1002", 3)}, expires: "600"})
	before := srv.Bindings("", 0)
	if len(before) != 3 {
		t.Fatalf("bindings before: %+v", before)
	}
	if n := srv.persist.pending(); n != 3 {
		t.Fatalf("%d bindings pending before Shutdown, want 3", n)
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(ctx); err != ErrServerClosed {
		t.Fatalf("second Shutdown: %v", err)
	}

	again := startServer(t, st, nil)
	after := again.Bindings("", 0)
	if len(after) != len(before) {
		t.Fatalf("after restart %d bindings, want %d: %+v", len(after), len(before), after)
	}
	for i := range before {
		b, a := before[i], after[i]
		if !a.Expires.Equal(b.Expires) || !a.RegisteredAt.Equal(b.RegisteredAt) {
			t.Errorf("binding %d times changed: %v %v, want %v %v", i, a.Expires, a.RegisteredAt, b.Expires, b.RegisteredAt)
		}
		a.Expires, a.RegisteredAt, b.Expires, b.RegisteredAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if a != b {
			t.Errorf("binding %d:\n%+v\nwant\n%+v", i, a, b)
		}
	}
	if got := again.Bindings(ln2.mac, 0); len(got) != 1 || got[0].AOR != "sip:1002@phoneprov.test" {
		t.Errorf("Bindings(mac) = %+v", got)
	}
	if got := again.Bindings("", ln.userID); len(got) != 2 {
		t.Errorf("Bindings(user) = %+v", got)
	}
	if got := again.Bindings("00:15:65:00:00:00", 0); len(got) != 0 {
		t.Errorf("Bindings(other mac) = %+v", got)
	}
	// A refresh of a reloaded binding with its Call-ID and a higher CSeq.
	q := newPhone(t, "udp")
	if _, final := q.register(t, reg{line: ln2, server: again.udp, contacts: []string{contactURI("1002", 3)},
		callID: before[2].CallID, cseq: before[2].CSeq + 1}); final.StatusCode != 200 {
		t.Fatalf("refresh after restart answered %d", final.StatusCode)
	}
}

// TestWriteBehind: changes reach the store within FlushInterval, a batch
// of FlushBatch changes at once, without waiting for Shutdown.
func TestWriteBehind(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.FlushInterval, c.FlushBatch = 50*time.Millisecond, 5 })
	p := newPhone(t, "udp")
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}})
	waitStored(t, st, 1)
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{"*"}, expires: "0"})
	waitStored(t, st, 0)
}

// waitStored waits until the store holds n live bindings.
func waitStored(t *testing.T, st *devicedb.Store, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		bs, err := st.LoadBindings(bg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("store holds %d bindings, want %d", len(bs), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestSweeper: expired bindings leave memory and the store; with an
// injected clock.
func TestSweeper(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	clk := newClock()
	srv := startServer(t, st, func(c *Config) { c.Now = clk.Now; c.FlushInterval = time.Hour })
	p := newPhone(t, "udp")
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1) + ";expires=60", contactURI("1001", 2) + ";expires=600"}})
	if err := srv.persist.flush(bg); err != nil {
		t.Fatal(err)
	}
	clk.Add(61 * time.Second)
	if got := srv.Bindings("", 0); len(got) != 1 || got[0].Contact != "sip:1001@192.0.2.2:5060" {
		t.Fatalf("live bindings after 61s: %+v", got)
	}
	if n := srv.table.len(); n != 2 {
		t.Fatalf("table holds %d before the sweep, want 2", n)
	}
	if err := srv.sweep(bg); err != nil {
		t.Fatal(err)
	}
	if n := srv.table.len(); n != 1 {
		t.Fatalf("table holds %d after the sweep, want 1", n)
	}
	// Loading as of the registration time shows what rows are left.
	rows, err := st.LoadBindings(bg, clk.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Contact != "sip:1001@192.0.2.2:5060" {
		t.Fatalf("rows after the sweep: %+v", rows)
	}
	clk.Add(600 * time.Second)
	if err := srv.sweep(bg); err != nil {
		t.Fatal(err)
	}
	if n := srv.table.len(); n != 0 {
		t.Fatalf("table holds %d, want 0", n)
	}
}

// TestRestartKeepsKnownLines: after a restart, a line with a live binding
// still passes the sweep verdict of the address it registered from, while
// an auth user never seen there is refused.
func TestRestartKeepsKnownLines(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	if _, final := newPhone(t, "udp").register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}}); final.StatusCode != 200 {
		t.Fatalf("REGISTER answered %d", final.StatusCode)
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	again := startServer(t, st, nil)
	src := netip.MustParseAddr("127.0.0.1")
	for i := range 10 { // a sweep of 10 auth users from the phone's address
		again.auth.PeerFailure(digest.Peer{Addr: src, UDP: true, User: fmt.Sprintf("ghost%d", i)})
	}
	if v := again.auth.PeerStatus(digest.Peer{Addr: src, UDP: true, User: ln.authUser}); v != digest.Allow {
		t.Errorf("registered line after a restart and a sweep: %v, want allow", v)
	}
	if v := again.auth.PeerStatus(digest.Peer{Addr: src, UDP: true, User: "newcomer"}); v != digest.Reject {
		t.Errorf("unknown auth user after a sweep: %v, want reject", v)
	}
}

// TestRefreshNotRewritten: a refresh that only moves the expiry writes no
// row while the written one covers half the new grant; one from another
// source is written; Shutdown writes the expiries held back.
func TestRefreshNotRewritten(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.FlushInterval = time.Hour })
	p := newPhone(t, "udp")
	c := contactURI("1001", 1)
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{c}, expires: "300", callID: "refresh-1", cseq: 10})
	if err := srv.persist.flush(bg); err != nil {
		t.Fatal(err)
	}
	stored, err := st.LoadBindings(bg, time.Now())
	if err != nil || len(stored) != 1 {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{c}, expires: "600", callID: "refresh-1", cseq: 20})
	if n := srv.persist.pending(); n != 0 {
		t.Fatalf("%d bindings pending after a refresh moving the expiry only, want 0", n)
	}
	mem := srv.Bindings("", 0)
	if len(mem) != 1 || !mem[0].Expires.After(stored[0].Expires) {
		t.Fatalf("in memory %+v, stored %+v: want a later expiry in memory", mem, stored)
	}

	q := newPhone(t, "udp") // another source port: where to reach the phone changed
	q.register(t, reg{line: ln, server: srv.udp, contacts: []string{c}, expires: "600", callID: "refresh-1", cseq: 30})
	if n := srv.persist.pending(); n != 1 {
		t.Fatalf("%d bindings pending after a refresh from another source, want 1", n)
	}
	if err := srv.persist.flush(bg); err != nil {
		t.Fatal(err)
	}
	q.register(t, reg{line: ln, server: srv.udp, contacts: []string{c}, expires: "900", callID: "refresh-1", cseq: 40})
	mem = srv.Bindings("", 0)
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := st.LoadBindings(bg, time.Now())
	if err != nil || len(after) != 1 {
		t.Fatalf("stored after Shutdown %+v, %v", after, err)
	}
	if !after[0].Expires.Equal(mem[0].Expires) || after[0].CSeq != mem[0].CSeq || after[0].Source != mem[0].Source {
		t.Errorf("stored after Shutdown %+v, want the binding in memory %+v", after[0], mem[0])
	}
}

// TestLagging: the bindings whose written expiry lags and falls before the
// horizon are returned once, and marked written.
func TestLagging(t *testing.T) {
	tb := newTable(4)
	now := int64(1000)
	add := func(aor, contact string, expires, saved int64) {
		_ = tb.update(aor, func(cur []binding) ([]binding, error) {
			return append(slices.Clone(cur), binding{contact: contact, expires: expires, saved: saved}), nil
		})
	}
	add("sip:1@d", "sip:a", 2000, 2000) // written
	add("sip:1@d", "sip:b", 2000, 1100) // lagging, saved before the horizon
	add("sip:2@d", "sip:c", 2000, 1600) // lagging, saved past the horizon
	add("sip:3@d", "sip:d", 900, 800)   // expired
	got := tb.lagging(now, 1500)
	if len(got) != 1 || got[0] != (devicedb.BindingKey{AOR: "sip:1@d", Contact: "sip:b"}) {
		t.Fatalf("lagging = %+v, want sip:b only", got)
	}
	if again := tb.lagging(now, 1500); len(again) != 0 {
		t.Fatalf("lagging again = %+v, want none", again)
	}
	if all := tb.lagging(now, 1<<62); len(all) != 1 || all[0].Contact != "sip:c" {
		t.Fatalf("lagging with no horizon = %+v, want sip:c", all)
	}
}

// TestPackStrings: the packed strings keep their values and lie end to end
// in one allocation.
func TestPackStrings(t *testing.T) {
	for _, in := range [][]string{
		{"sip:1001@example.test", "sip:1001@192.0.2.1:5060", "", "0004f2000001", "abc@192.0.2.1"},
		{"", "", ""},
		{"only"},
	} {
		got := slices.Clone(in)
		ptrs := make([]*string, len(got))
		for i := range got {
			ptrs[i] = &got[i]
		}
		packStrings(ptrs...)
		if !slices.Equal(got, in) {
			t.Fatalf("packed %q, want %q", got, in)
		}
		for i := 1; i < len(got); i++ {
			if len(got[i-1]) > 0 && len(got[i]) > 0 &&
				unsafe.Pointer(unsafe.StringData(got[i])) != unsafe.Add(unsafe.Pointer(unsafe.StringData(got[i-1])), len(got[i-1])) {
				t.Errorf("%q and %q are not adjacent", got[i-1], got[i])
			}
		}
		if len(got[0]) > 0 && unsafe.StringData(got[0]) == unsafe.StringData(in[0]) {
			t.Errorf("%q was not copied", got[0])
		}
	}
}
