package sip

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/sip/digest"
)

// notifySeen is what a test phone saw of a NOTIFY.
type notifySeen struct {
	event, state, length, source, transport, authz string
}

// answerNotify makes p answer NOTIFYs with 200 and report them; with
// authUser set it first challenges (401) as a Cisco SPA does and accepts
// only the line's digest.
func answerNotify(t *testing.T, p *phone, authUser, password string) <-chan notifySeen {
	t.Helper()
	seen := make(chan notifySeen, 16)
	var auth *digest.Authenticator
	if authUser != "" {
		var err error
		if auth, err = digest.New(digest.Config{Realm: "spa-phone", Algorithms: []string{digest.MD5}}); err != nil {
			t.Fatal(err)
		}
	}
	p.srv.OnNotify(func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		s := notifySeen{event: header(req, "Event"), state: header(req, "Subscription-State"), length: header(req, "Content-Length"),
			source: req.Source(), transport: req.Transport(), authz: header(req, "Authorization")}
		seen <- s
		if auth != nil {
			c, err := digest.ParseAuthorization(s.authz)
			res := digest.Bad
			if err == nil {
				res, _ = auth.Verify("NOTIFY", c, func(u, alg string) (string, bool) {
					return digest.HA1(alg, authUser, "spa-phone", password), u == authUser
				})
			}
			if res != digest.OK {
				out := sipmsg.NewResponseFromRequest(req, 401, "Unauthorized", nil)
				out.AppendHeader(sipmsg.NewHeader("WWW-Authenticate", auth.Challenges(false)[0]))
				_ = tx.Respond(out)
				return
			}
		}
		_ = tx.Respond(sipmsg.NewResponseFromRequest(req, 200, "OK", nil))
	})
	return seen
}

func nextNotify(t *testing.T, seen <-chan notifySeen) notifySeen {
	t.Helper()
	select {
	case s := <-seen:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("phone got no NOTIFY")
		return notifySeen{}
	}
}

// TestResyncTCPSameConnection: a phone registered over TCP gets the NOTIFY
// on the connection it registered on (it listens on no TCP port, so a new
// connection could not reach it), from the registrar's listening address.
func TestResyncTCPSameConnection(t *testing.T) {
	checkGoroutines(t)
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	p := newPhone(t, "tcp")
	seen := answerNotify(t, p, "", "")
	if _, final := p.register(t, reg{line: ln, transport: "tcp", server: srv.tcp, contacts: []string{"<sip:1001@192.0.2.1:5060;transport=tcp>"}}); final.StatusCode != 200 {
		t.Fatalf("REGISTER over TCP answered %d", final.StatusCode)
	}
	bs := srv.Bindings(ln.mac, 0)
	if len(bs) != 1 || bs[0].Transport != "TCP" {
		t.Fatalf("bindings %+v", bs)
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	res, err := srv.Resync(ctx, ln.mac, "check-sync;reboot=false")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != 200 || res[0].Error != "" || res[0].Transport != "TCP" || res[0].Source != bs[0].Source {
		t.Fatalf("results %+v", res)
	}
	s := nextNotify(t, seen)
	want := notifySeen{event: "check-sync;reboot=false", state: "terminated", length: "0", source: srv.tcp, transport: "TCP"}
	if s != want {
		t.Fatalf("phone saw %+v, want %+v", s, want)
	}
}

// TestResyncUDPAuthenticated: over UDP the NOTIFY leaves from the listening
// socket; a phone that challenges it gets the retry with the line's
// credentials. Two lines registered from one socket get one NOTIFY.
// ResyncState keeps the outcome and NoteFetch confirms it.
func TestResyncUDPAuthenticated(t *testing.T) {
	checkGoroutines(t)
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	u2 := newLine(t, st, "1002", lineOpts{})
	if _, err := st.SetLine(bg, ln.mac, 2, u2.userID); err != nil {
		t.Fatal(err)
	}
	d, err := st.DeviceConfig(bg, ln.mac)
	if err != nil {
		t.Fatal(err)
	}
	ln2 := line{ext: "1002", authUser: d.Lines[1].AuthUser, password: d.Lines[1].Password, mac: ln.mac, userID: u2.userID}
	clk := newClock()
	srv := startServer(t, st, func(c *Config) { c.Now = clk.Now })
	p := newPhone(t, "udp")
	seen := answerNotify(t, p, ln.authUser, ln.password)
	p.register(t, reg{line: ln, server: srv.udp, contacts: []string{"<sip:1001@" + p.addr + ">"}})
	p.register(t, reg{line: ln2, server: srv.udp, contacts: []string{"<sip:1002@" + p.addr + ">"}})
	if n := len(srv.Bindings(ln.mac, 0)); n != 2 {
		t.Fatalf("%d bindings, want 2", n)
	}
	if _, ok := srv.ResyncState(ln.mac); ok {
		t.Fatal("ResyncState before any re-sync")
	}
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	sentAt := clk.Now()
	res, err := srv.Resync(ctx, ln.mac, "resync")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != 200 || !res[0].Authenticated || res[0].Source != p.addr || res[0].Transport != "UDP" {
		t.Fatalf("results %+v", res)
	}
	first, retry := nextNotify(t, seen), nextNotify(t, seen)
	if first.authz != "" || retry.authz == "" || first.source != srv.udp || retry.source != srv.udp || retry.event != "resync" {
		t.Fatalf("phone saw %+v then %+v", first, retry)
	}
	select {
	case s := <-seen:
		t.Fatalf("a second NOTIFY reached the phone: %+v", s)
	case <-time.After(quiet):
	}

	info, ok := srv.ResyncState(ln.mac)
	if !ok || info.Event != "resync" || !info.SentAt.Equal(sentAt) || len(info.Results) != 1 || !info.ConfirmedAt.IsZero() {
		t.Fatalf("ResyncState %+v %v", info, ok)
	}
	srv.NoteFetch(ln.mac, sentAt.Add(-time.Second)) // a fetch before the NOTIFY
	if info, _ := srv.ResyncState(ln.mac); !info.ConfirmedAt.IsZero() {
		t.Fatalf("confirmed by an earlier fetch: %+v", info)
	}
	srv.NoteFetch(ln.mac, sentAt.Add(3*time.Second))
	srv.NoteFetch(ln.mac, sentAt.Add(9*time.Second))
	if info, _ := srv.ResyncState(ln.mac); !info.ConfirmedAt.Equal(sentAt.Add(3 * time.Second)) {
		t.Fatalf("ConfirmedAt %v, want the first fetch after the NOTIFY", info.ConfirmedAt)
	}
}

// TestResyncUnreachable: a phone whose TCP connection is gone gives a
// result with an error, not a failed call.
func TestResyncUnreachable(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.NotifyTimeout = 2 * time.Second })
	p := newPhone(t, "tcp")
	p.register(t, reg{line: ln, transport: "tcp", server: srv.tcp, contacts: []string{contactURI("1001", 1)}})
	_ = p.ua.Close() // closes the phone's connection
	res, err := srv.Resync(bg, ln.mac, "check-sync")
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Status != 0 || res[0].Error == "" {
		t.Fatalf("results %+v", res)
	}
}

// TestResyncErrors: refused events and unregistered devices.
func TestResyncErrors(t *testing.T) {
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, nil)
	for _, ev := range []string{"", "check-sync\r\nX-Injected: 1", "check sync", "check-sync;", ";reboot=true", string(make([]byte, 200))} {
		if _, err := srv.Resync(bg, ln.mac, ev); !errors.Is(err, ErrInvalidEvent) {
			t.Errorf("event %q: %v, want ErrInvalidEvent", ev, err)
		}
	}
	if _, err := srv.Resync(bg, ln.mac, "check-sync"); !errors.Is(err, ErrNotRegistered) {
		t.Errorf("unregistered device: %v", err)
	}
	ctx, cancel := context.WithTimeout(bg, 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Resync(bg, ln.mac, "check-sync"); !errors.Is(err, ErrServerClosed) {
		t.Errorf("after Shutdown: %v", err)
	}
}

// TestUDPLocal picks the listener a NOTIFY leaves from.
func TestUDPLocal(t *testing.T) {
	r := &Registrar{udpAddrs: []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::1]:5060"), netip.MustParseAddrPort("192.0.2.1:5060")}}
	if la, ok := r.udpLocal("198.51.100.7:40000"); !ok || la.String() != "192.0.2.1:5060" {
		t.Errorf("IPv4 destination: %v %v", la, ok)
	}
	if la, ok := r.udpLocal("[2001:db8::7]:40000"); !ok || la.String() != "[2001:db8::1]:5060" {
		t.Errorf("IPv6 destination: %v %v", la, ok)
	}
	r.udpAddrs = []netip.AddrPort{netip.MustParseAddrPort("[::]:5060")}
	if la, ok := r.udpLocal("198.51.100.7:40000"); !ok || la.String() != "[::]:5060" {
		t.Errorf("wildcard listener: %v %v", la, ok)
	}
}
