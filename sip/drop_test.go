package sip

import (
	"testing"
	"time"
)

// TestDropDevice: a replaced device's bindings go from memory and from the
// store.
func TestDropDevice(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	p := newPhone(t, "udp")
	if _, final := p.register(t, reg{line: ln, server: srv.udp, contacts: []string{contactURI("1001", 1)}, expires: "600"}); final.StatusCode != 200 {
		t.Fatalf("register: %d", final.StatusCode)
	}
	if n := len(srv.Bindings(ln.mac, 0)); n != 1 {
		t.Fatalf("%d bindings before", n)
	}
	dropped := srv.Drop(ln.mac)
	if len(dropped) != 1 || dropped[0].MAC != ln.mac || dropped[0].Contact == "" {
		t.Fatalf("dropped %+v, want the one binding", dropped)
	}
	if n := srv.DropDevice(ln.mac); n != 0 {
		t.Fatalf("dropped %d more", n)
	}
	if n := len(srv.Bindings(ln.mac, 0)); n != 0 {
		t.Fatalf("%d bindings after", n)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		bs, err := st.LoadBindings(bg, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("store still has %d bindings", len(bs))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
