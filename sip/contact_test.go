package sip

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

// regCase is one REGISTER of a sequence and what the registrar must
// answer: the status, the contacts listed in a 200 (in order), and for a
// 423 the Min-Expires.
type regCase struct {
	name       string
	g          reg
	want       int
	contacts   []string
	minExpires string
}

// runSequence sends the cases in order from one phone of ln, each after
// the previous, and checks every answer.
func runSequence(t *testing.T, srv *server, ln line, cases []regCase) {
	t.Helper()
	p := newPhone(t, "udp")
	for i, tc := range cases {
		tc.g.line, tc.g.server = ln, srv.udp
		if tc.g.callID == "" {
			tc.g.callID = "seq-call"
		}
		if tc.g.cseq == 0 {
			tc.g.cseq = uint32(10 * (i + 1))
		}
		_, final := p.register(t, tc.g)
		if final.StatusCode != tc.want {
			t.Fatalf("%s: answered %d %s, want %d", tc.name, final.StatusCode, final.Reason, tc.want)
		}
		if got := header(final, "Min-Expires"); got != tc.minExpires {
			t.Errorf("%s: Min-Expires %q, want %q", tc.name, got, tc.minExpires)
		}
		if tc.want != 200 {
			continue
		}
		got := contactsOf(final)
		slices.Sort(got)
		if !slices.EqualFunc(got, tc.contacts, sameContact) {
			t.Fatalf("%s: contacts\n%q\nwant\n%q", tc.name, got, tc.contacts)
		}
	}
}

// sameContact compares a listed contact with the one wanted; the time
// left (";expires=N") may be one second less when the answer came in the
// next second after the registration it lists.
func sameContact(got, want string) bool {
	if got == want {
		return true
	}
	gb, gs, gok := strings.Cut(got, ";expires=")
	wb, ws, wok := strings.Cut(want, ";expires=")
	g, gerr := strconv.Atoi(gs)
	w, werr := strconv.Atoi(ws)
	return gok && wok && gerr == nil && werr == nil && gb == wb && (g == w || g == w-1)
}

// TestExpiry: where the expiry comes from, its floor (423) and its cap.
func TestExpiry(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.MaxExpires, c.DefaultExpires = 1800, 900 })
	c1 := contactURI("1001", 1)
	runSequence(t, srv, ln, []regCase{
		{name: "Expires header", g: reg{contacts: []string{c1}, expires: "120"}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=120"}},
		{name: "expires parameter beats the header", g: reg{contacts: []string{c1 + ";expires=300"}, expires: "120"}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=300"}},
		{name: "no expiry takes the default", g: reg{contacts: []string{c1}}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=900"}},
		{name: "malformed takes the default", g: reg{contacts: []string{c1}, expires: "soon"}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=900"}},
		{name: "above the cap is capped", g: reg{contacts: []string{c1}, expires: "7200"}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=1800"}},
		{name: "huge is capped", g: reg{contacts: []string{c1 + ";expires=99999999999999"}}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=1800"}},
		{name: "too brief", g: reg{contacts: []string{c1}, expires: "10"}, want: 423, minExpires: "60"},
		{name: "too brief parameter", g: reg{contacts: []string{c1 + ";expires=59"}, expires: "3600"}, want: 423, minExpires: "60"},
		{name: "query lists without changing", g: reg{}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=1800"}},
	})
}

// TestUnregister: expires=0 removes one contact, Contact: * with Expires: 0
// removes all of the line's, and misuse of * gets 400.
func TestUnregister(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	c1, c2, c3 := contactURI("1001", 1), contactURI("1001", 2), contactURI("1001", 3)
	runSequence(t, srv, ln, []regCase{
		{name: "three contacts", g: reg{contacts: []string{c1, c2, c3}, expires: "600"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=600", "<sip:1001@192.0.2.2:5060>;expires=600", "<sip:1001@192.0.2.3:5060>;expires=600"}},
		{name: "expires=0 removes one", g: reg{contacts: []string{c2 + ";expires=0"}, expires: "600"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=600", "<sip:1001@192.0.2.3:5060>;expires=600"}},
		{name: "Expires: 0 removes one", g: reg{contacts: []string{c3}, expires: "0"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=600"}},
		{name: "* with non-zero expiry", g: reg{contacts: []string{"*"}, expires: "60"}, want: 400},
		{name: "* without Expires", g: reg{contacts: []string{"*"}}, want: 400},
		{name: "* with another contact", g: reg{contacts: []string{"*", c2}, expires: "0"}, want: 400},
		{name: "* removes all", g: reg{contacts: []string{"*"}, expires: "0"}, want: 200},
	})
	if bs := srv.Bindings("", 0); len(bs) != 0 {
		t.Fatalf("bindings left: %+v", bs)
	}
}

// TestWildcardKeepsOtherDevices: Contact: * from one device leaves the
// bindings another device holds on the same extension.
func TestWildcardKeepsOtherDevices(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	// A stopped clock: the other device's expires must not tick to 3599.
	clk := newClock()
	srv := startServer(t, st, func(c *Config) { c.Now = clk.Now })
	other := secondDevice(t, st, ln)
	p := newPhone(t, "udp")
	if _, final := p.register(t, reg{line: other, server: srv.udp, contacts: []string{contactURI("1001", 9)}}); final.StatusCode != 200 {
		t.Fatalf("other device: %d", final.StatusCode)
	}
	runSequence(t, srv, ln, []regCase{
		{name: "register", g: reg{contacts: []string{contactURI("1001", 1)}, expires: "600"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=600", "<sip:1001@192.0.2.9:5060>;expires=3600"}},
		{name: "* removes only this line's", g: reg{contacts: []string{"*"}, expires: "0"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.9:5060>;expires=3600"}},
	})
}

// TestContactCap: past MaxContactsPerAOR the binding nearest to expiry
// goes; a REGISTER with more contacts than the cap gets 403.
func TestContactCap(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.MaxContactsPerAOR = 3 })
	c := func(n int) string { return contactURI("1001", n) }
	runSequence(t, srv, ln, []regCase{
		{name: "three", g: reg{contacts: []string{c(1) + ";expires=900", c(2) + ";expires=300", c(3) + ";expires=600"}}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=900", "<sip:1001@192.0.2.2:5060>;expires=300", "<sip:1001@192.0.2.3:5060>;expires=600"}},
		{name: "a fourth evicts the nearest to expiry", g: reg{contacts: []string{c(4)}, expires: "120"}, want: 200, contacts: []string{
			"<sip:1001@192.0.2.1:5060>;expires=900", "<sip:1001@192.0.2.3:5060>;expires=600", "<sip:1001@192.0.2.4:5060>;expires=120"}},
		{name: "four at once", g: reg{contacts: []string{c(5), c(6), c(7), c(8)}}, want: 403},
	})
}

// TestInstanceReplaces: a contact with the +sip.instance and reg-id of a
// binding replaces it (RFC 5626); another reg-id adds a flow.
func TestInstanceReplaces(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	inst := `;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>"`
	runSequence(t, srv, ln, []regCase{
		{name: "first", g: reg{contacts: []string{contactURI("1001", 1) + inst + ";reg-id=1"}, expires: "600"}, want: 200, contacts: []string{
			`<sip:1001@192.0.2.1:5060>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>";reg-id=1`}},
		{name: "new address, same instance", g: reg{contacts: []string{contactURI("1001", 2) + inst + ";reg-id=1"}, expires: "600"}, want: 200, contacts: []string{
			`<sip:1001@192.0.2.2:5060>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>";reg-id=1`}},
		{name: "second flow", g: reg{contacts: []string{contactURI("1001", 3) + inst + ";reg-id=2"}, expires: "600"}, want: 200, contacts: []string{
			`<sip:1001@192.0.2.2:5060>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>";reg-id=1`,
			`<sip:1001@192.0.2.3:5060>;expires=600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>";reg-id=2`}},
	})
	bs := srv.Bindings(ln.mac, 0)
	if len(bs) != 2 || bs[0].Instance != "<urn:uuid:00000000-0000-1000-8000-000415a1b2c3>" || bs[0].RegID != 1 || bs[1].RegID != 2 {
		t.Fatalf("bindings %+v", bs)
	}
}

// TestCallIDCSeqOrder: RFC 3261 section 10.3 step 7. With the stored
// Call-ID a CSeq not above the stored one fails with 500 and changes
// nothing; another Call-ID may carry any CSeq.
func TestCallIDCSeqOrder(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	c1 := contactURI("1001", 1)
	runSequence(t, srv, ln, []regCase{
		{name: "register", g: reg{contacts: []string{c1}, expires: "600", callID: "A", cseq: 100}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=600"}},
		{name: "same Call-ID, lower CSeq", g: reg{contacts: []string{c1}, expires: "300", callID: "A", cseq: 50}, want: 500},
		{name: "same Call-ID and CSeq (after the digest retry)", g: reg{contacts: []string{c1}, expires: "300", callID: "A", cseq: 100}, want: 500},
		{name: "unregister out of order", g: reg{contacts: []string{"*"}, expires: "0", callID: "A", cseq: 90}, want: 500},
		{name: "higher CSeq", g: reg{contacts: []string{c1}, expires: "300", callID: "A", cseq: 200}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=300"}},
		{name: "other Call-ID, low CSeq", g: reg{contacts: []string{c1}, expires: "120", callID: "B", cseq: 1}, want: 200,
			contacts: []string{"<sip:1001@192.0.2.1:5060>;expires=120"}},
	})
	if o := srv.Bindings(ln.mac, 0); len(o) != 1 || o[0].CallID != "B" || !strings.HasPrefix(o[0].Contact, "sip:1001@") {
		t.Fatalf("bindings %+v", o)
	}
}
