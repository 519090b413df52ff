package sip

import (
	"bytes"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/emiago/sipgo/siptest"
	digestclient "github.com/icholy/digest"

	"github.com/phoneprov/phoneprov/sip/digest"
)

// fuzzSecret and fuzzNow make nonces minted once valid in every iteration.
var (
	fuzzSecret = []byte("fuzz-secret-0123456789abcdef")
	fuzzNow    = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
)

// dispatch routes req as the sipgo server does.
func (r *Registrar) dispatch(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	switch req.Method {
	case sipmsg.REGISTER:
		r.onRegister(req, tx)
	case sipmsg.OPTIONS:
		r.onOptions(req, tx)
	default:
		r.onOther(req, tx)
	}
}

// FuzzRegister feeds raw bytes through sipgo's parser and, when they make
// a request, through the registrar's handlers with a transaction recorder.
// In the input, @AUTH@ becomes a valid Authorization value for extension
// 1001's line (so the seeds reach the contact handling) and @USER@ its auth
// user. The handlers must not panic, and no response may carry a CR or LF
// inside a header.
func FuzzRegister(f *testing.F) {
	st := openStore(f)
	ln := newLine(f, st, "1001", lineOpts{})
	clk := func() time.Time { return fuzzNow }
	authCfg := digest.Config{Secret: fuzzSecret, RejectAfter: 1 << 30, DropAfter: 1<<30 + 1, Now: clk}
	r, err := New(Config{Domain: testDomain, Now: clk, Auth: authCfg, FlushInterval: time.Hour}, st)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = r.Shutdown(bg) })
	chal, err := digestclient.ParseChallenge(r.auth.Challenges(false)[0])
	if err != nil {
		f.Fatal(err)
	}
	cred, err := digestclient.Digest(chal, digestclient.Options{Method: "REGISTER", URI: "sip:" + testDomain, Username: ln.authUser,
		Password: ln.password, Count: 1, Cnonce: "fuzzcnonce"})
	if err != nil {
		f.Fatal(err)
	}
	authz := []byte(cred.String())
	f.Add([]byte(rawRegister("1001", "Authorization: @AUTH@\r\nExpires: 600\r\n")))

	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.ReplaceAll(data, []byte("@AUTH@"), authz)
		data = bytes.ReplaceAll(data, []byte("@USER@"), []byte(ln.authUser))
		msg, err := sipmsg.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sipmsg.Request)
		if !ok {
			return
		}
		if _, err := sipmsg.ServerTxKeyMake(req); err != nil {
			return // sipgo's transaction layer answers these with 400 itself
		}
		req.SetSource("127.0.0.1:5099")
		req.SetTransport("UDP")
		// A fresh replay memory, so the valid digest works every time.
		if r.auth, err = digest.New(r.cfg.Auth); err != nil {
			t.Fatal(err)
		}
		rec := siptest.NewServerTxRecorder(req)
		defer rec.Terminate()
		r.dispatch(req, rec)
		for _, res := range rec.Result() {
			var b bytes.Buffer
			res.StringWrite(&b)
			head, _, _ := bytes.Cut(b.Bytes(), []byte("\r\n\r\n"))
			if bareCRLF(head) {
				t.Fatalf("response carries a bare CR or LF:\n%q", head)
			}
		}
	})
}
