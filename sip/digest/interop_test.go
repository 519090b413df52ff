package digest

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
	"go.uber.org/goleak"
)

// TestInteropIcholyDigest answers our challenges with icholy/digest, the
// client code sipgo uses, and checks that Verify accepts them.
func TestInteropIcholyDigest(t *testing.T) {
	a, _ := newTestAuth(t, nil)
	for i, alg := range []string{SHA256, MD5} {
		t.Run(alg, func(t *testing.T) {
			chal, err := digest.ParseChallenge(a.Challenges(false)[i])
			if err != nil {
				t.Fatal(err)
			}
			for count, want := range []Result{0: OK, 1: OK, 2: Stale} {
				nc := count + 1
				if count == 2 {
					nc = 1 // replay of the first count
				}
				cred, err := digest.Digest(chal, digest.Options{
					Method: "REGISTER", URI: "sip:" + testRealm, Username: "alice",
					Password: "Circle Of Life", Count: nc, Cnonce: "f2/wE4q74E6zIJEt",
				})
				if err != nil {
					t.Fatal(err)
				}
				c, err := ParseAuthorization(cred.String())
				if err != nil {
					t.Fatalf("ParseAuthorization(%s): %v", cred, err)
				}
				if got, err := a.Verify("REGISTER", c, testLookup); got != want {
					t.Fatalf("nc %d: %v %v, want %v (header %s)", nc, got, err, want, cred)
				}
			}
		})
	}
}

// registrar is a minimal REGISTER handler on an Authenticator, shaped as
// phoneprov's registrar is meant to use it.
func registrar(a *Authenticator, results chan<- Result) func(*sip.Request, sip.ServerTransaction) {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		ap, err := netip.ParseAddrPort(req.Source())
		if err != nil {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 400, "Bad Source", nil))
			return
		}
		challenge := func(stale bool) {
			res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
			for _, v := range a.Challenges(stale) {
				res.AppendHeader(sip.NewHeader("WWW-Authenticate", v))
			}
			_ = tx.Respond(res)
		}
		h := req.GetHeader("Authorization")
		if h == nil {
			challenge(false)
			return
		}
		c, perr := ParseAuthorization(h.Value())
		src := Peer{Addr: ap.Addr(), UDP: req.Transport() == "UDP", User: c.Username}
		switch a.PeerStatus(src) {
		case Drop:
			return
		case Reject:
			a.PeerFailure(src)
			_ = tx.Respond(sip.NewResponseFromRequest(req, 403, "Forbidden", nil))
			return
		}
		res := Bad
		if perr == nil {
			res, _ = a.Verify(req.Method.String(), c, testLookup)
		}
		results <- res
		switch res {
		case OK:
			a.PeerSuccess(src)
			_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
		case Stale:
			challenge(true)
		default:
			a.PeerFailure(src)
			challenge(false)
		}
	}
}

// TestInteropSipgo registers a real sipgo client over UDP on loopback
// against a sipgo server that authenticates with this package.
func TestInteropSipgo(t *testing.T) {
	checkGoroutines(t)
	for _, algs := range [][]string{nil, {MD5}} {
		name := "default"
		if algs != nil {
			name = strings.Join(algs, ",")
		}
		t.Run(name, func(t *testing.T) {
			a, _ := newTestAuth(t, func(c *Config) { c.Algorithms, c.RejectAfter, c.DropAfter = algs, 2, 3 })
			results := make(chan Result, 16)
			srvAddr := startServer(t, registrar(a, results))
			client := newClient(t)

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			register := func(user, pass string) (*sip.Response, *sip.Response) {
				t.Helper()
				req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: srvAddr.Addr().String(), Port: int(srvAddr.Port())})
				req.AppendHeader(sip.NewHeader("To", "<sip:"+user+"@"+testRealm+">"))
				first, err := client.Do(ctx, req, sipgo.ClientRequestRegisterBuild)
				if err != nil {
					t.Fatalf("REGISTER: %v", err)
				}
				if first.StatusCode != 401 {
					return first, nil
				}
				second, err := client.DoDigestAuth(ctx, req, first, sipgo.DigestAuth{Username: user, Password: pass})
				if err != nil {
					t.Fatalf("REGISTER with digest: %v", err)
				}
				return first, second
			}

			first, second := register("1001", "secret")
			chals := first.GetHeaders("WWW-Authenticate")
			wantAlg := "SHA-256"
			if algs != nil {
				wantAlg = algs[0]
			}
			if len(chals) == 0 || !strings.Contains(chals[0].Value(), "algorithm="+wantAlg) {
				t.Fatalf("401 challenges %v, want %s first", chals, wantAlg)
			}
			if second == nil || second.StatusCode != 200 {
				t.Fatalf("digest REGISTER answered %v, want 200", second)
			}
			if r := <-results; r != OK {
				t.Fatalf("server verified %v, want ok", r)
			}

			// A wrong password twice gets the source rejected with 403.
			for i := 0; i < 2; i++ {
				if _, second := register("1001", "wrong"); second == nil || second.StatusCode != 401 {
					t.Fatalf("wrong password %d answered %v, want 401", i, second)
				}
				if r := <-results; r != Bad {
					t.Fatalf("server verified %v, want bad", r)
				}
			}
			// A request without credentials still gets its challenge.
			if first, second := register("1001", "secret"); first.StatusCode != 401 || second == nil || second.StatusCode != 403 {
				t.Fatalf("rejected source answered %v then %v, want 401 then 403", first, second)
			}
			if v := a.PeerStatus(Peer{Addr: netip.MustParseAddr("127.0.0.1"), UDP: true, User: "1001"}); v != Drop {
				t.Fatalf("status after 403 = %v, want drop", v)
			}
		})
	}
}

// checkGoroutines fails t if goroutines started during it are still running
// after its cleanups (goleak retries for a while before it reports).
func checkGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

// startServer serves handler for REGISTER on a UDP socket on 127.0.0.1:0.
func startServer(t *testing.T, handler sipgo.RequestHandler) netip.AddrPort {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("sipauth-test"))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := sipgo.NewServer(ua)
	if err != nil {
		t.Fatal(err)
	}
	srv.OnRegister(handler)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeUDP(pc) }()
	t.Cleanup(func() {
		_ = ua.Close()
		_ = pc.Close()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, net.ErrClosed) {
				t.Errorf("ServeUDP: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Error("server did not stop")
		}
	})
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

// newClient returns a sipgo client that sends from, and gets its responses
// on, a UDP socket on 127.0.0.1, as a phone does.
func newClient(t *testing.T) *sipgo.Client {
	t.Helper()
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("sipauth-phone"))
	if err != nil {
		t.Fatal(err)
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientConnectionAddr("127.0.0.1:0"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	return client
}
