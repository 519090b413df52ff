package sip

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip/digest"
)

// responder sends the answer to a REGISTER: txResponder through a sipgo
// server transaction, or udpReply for the stateless UDP path. The answer
// is the code and reason with the headers every answer copies from the
// request and Server, then extra.
type responder interface {
	answer(r *Registrar, req *sipmsg.Request, code int, reason string, extra []hdr) error
}

var (
	_ responder  = txResponder{}
	_ responder  = (*udpReply)(nil)
	_ rawChecker = (*udpReply)(nil)
)

// txResponder answers through a sipgo server transaction.
type txResponder struct{ tx sipmsg.ServerTransaction }

func (t txResponder) answer(r *Registrar, req *sipmsg.Request, code int, reason string, extra []hdr) error {
	return t.tx.Respond(r.toResponse(req, code, reason, extra))
}

// rawChecker is a responder that has seen the raw message: headersClean
// reports that its header section holds no bare CR or LF and nothing
// percent-encoding one, so unsafeHeaders need not re-serialize it.
type rawChecker interface {
	headersClean() bool
}

// onRegister handles a REGISTER (RFC 3261 section 10.3) and reports its
// outcome.
func (r *Registrar) onRegister(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	r.handleRegister(r.work, req, txResponder{tx})
}

// handleRegister answers a REGISTER through tx and reports its outcome;
// ctx bounds the credential lookup.
func (r *Registrar) handleRegister(ctx context.Context, req *sipmsg.Request, tx responder) {
	outcome := r.register(ctx, req, tx)
	if r.cfg.OnRegister != nil {
		r.cfg.OnRegister(outcome)
	}
}

// register answers req and returns the outcome.
func (r *Registrar) register(ctx context.Context, req *sipmsg.Request, tx responder) string {
	if r.isScanner(req) {
		return OutcomeDropped
	}
	ap, err := netip.ParseAddrPort(req.Source())
	if err != nil {
		return OutcomeDropped // not from a socket: nowhere to answer
	}
	src := ap.Addr().Unmap()
	if rc, ok := tx.(rawChecker); !ok || !rc.headersClean() {
		if drop, bad := r.unsafeHeaders(req); drop {
			return OutcomeDropped
		} else if bad {
			r.answer(tx, req, 400, "Bad Request (CR or LF in a header)")
			return OutcomeBadRequest
		}
	}
	to, from, callID, cseq := req.To(), req.From(), req.CallID(), req.CSeq()
	if to == nil || from == nil || callID == nil || cseq == nil || cseq.MethodName != sipmsg.REGISTER {
		r.answer(tx, req, 400, "Bad Request (missing To, From, Call-ID or CSeq)")
		return OutcomeBadRequest
	}
	if h := req.GetHeader("require"); h != nil {
		r.answer(tx, req, 420, "Bad Extension", hdr{"Unsupported", h.Value()})
		return OutcomeBadRequest
	}

	cred, outcome := r.authenticate(ctx, req, tx, src)
	if cred == nil {
		return outcome
	}
	if why := r.refusal(cred, to.Address); why != "" {
		r.log.Debug("registrar: REGISTER refused", "mac", cred.MAC, "line", cred.Line, "aor", clip(to.Address.User+"@"+to.Address.Host, 128), "reason", why)
		r.refusals.Store(cred.MAC, Refusal{At: r.cfg.Now(), Line: cred.Line, Reason: why})
		r.answer(tx, req, 403, "Forbidden ("+why+")")
		return OutcomeForbidden
	}
	aor := devicedb.AOR(cred.Extension, r.cfg.Domain)
	contacts, wildcard, err := r.parseContacts(req)
	if err != nil {
		ce, _ := asContactError(err)
		if ce == errTooBrief {
			r.answer(tx, req, ce.code, ce.reason, hdr{"Min-Expires", strconv.Itoa(r.cfg.MinExpires)})
		} else {
			r.answer(tx, req, ce.code, ce.reason)
		}
		return ce.outcome
	}
	now := r.cfg.Now().Unix()
	if wildcard || len(contacts) > 0 {
		ch := &regChange{
			wildcard: wildcard, contacts: contacts, cred: cred, callID: callID.Value(), cseq: cseq.SeqNo,
			source: req.Source(), transport: transportCode(req.Transport()), now: now, max: r.cfg.MaxContactsPerAOR,
		}
		if h := req.GetHeader("user-agent"); h != nil {
			ch.userAgent = r.strs.intern(clip(h.Value(), 256))
		}
		if err := r.table.update(aor, ch.apply); err != nil {
			ce, _ := asContactError(err)
			r.answer(tx, req, ce.code, ce.reason)
			return ce.outcome
		}
		r.persist.mark(aor, ch.changed)
	}
	live := r.table.live(aor, now)
	extra := make([]hdr, 0, len(live)+1)
	for _, b := range live {
		extra = append(extra, contactHeader(&b, now))
	}
	extra = append(extra, hdr{"Date", r.dates.format(r.cfg.Now())})
	r.answer(tx, req, 200, "OK", extra...)
	return OutcomeOK
}

// authenticate checks the Authorization of req. It returns the line's
// credential, or nil after answering (401, 400, 403, 500, or nothing when
// throttled) with the outcome. Failures count against (src, transport,
// auth user): see digest.
func (r *Registrar) authenticate(ctx context.Context, req *sipmsg.Request, tx responder, src netip.Addr) (*credential, string) {
	hdrs := req.GetHeaders("authorization")
	if len(hdrs) == 0 {
		return nil, r.challenge(req, tx, src, false, OutcomeChallenge)
	}
	// Phones may answer several realms; use ours when present.
	c, err := digest.ParseAuthorization(hdrs[0].Value())
	for _, h := range hdrs[1:] {
		if c2, err2 := digest.ParseAuthorization(h.Value()); err2 == nil && c2.Realm == r.auth.Realm() {
			c, err = c2, nil
			break
		}
	}
	peer := digest.Peer{Addr: src, UDP: req.Transport() == "UDP", User: c.Username}
	if err != nil {
		peer.User = ""
	}
	if r.syncFailures != nil && r.auth.Failing(peer) && r.auth.PeerStatus(peer) == digest.Allow {
		// A peer with failures, not yet refused: count those told by the
		// other nodes before deciding (at most RejectAfter times per
		// window; phones in good standing never wait for this).
		r.syncFailures()
	}
	switch r.auth.PeerStatus(peer) {
	case digest.Drop:
		return nil, OutcomeThrottled
	case digest.Reject:
		r.failure(peer)
		r.answer(tx, req, 403, "Forbidden")
		return nil, OutcomeThrottled
	}
	if err != nil {
		r.failure(peer)
		r.answer(tx, req, 400, "Bad Request (Authorization)")
		return nil, OutcomeBadRequest
	}
	if !sameURI(c.URI, &req.Recipient) {
		// RFC 3261 section 22.4: the digest covers the Request-URI.
		r.failure(peer)
		r.answer(tx, req, 400, "Bad Request (digest uri is not the Request-URI)")
		return nil, OutcomeBadRequest
	}
	var cred *credential
	var dbErr error
	res, why := r.auth.Verify(sipmsg.REGISTER.String(), c, func(user, alg string) (string, bool) {
		var ok bool
		if cred, ok = r.creds.cached(user); !ok {
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			cred, dbErr = r.creds.get(ctx, user)
		}
		if cred == nil {
			return "", false
		}
		return cred.ha1(alg), true
	})
	switch {
	case dbErr != nil:
		r.log.Warn("registrar: reading line credentials", "auth_user", c.Username, "error", dbErr)
		r.answer(tx, req, 500, "Server Internal Error")
		return nil, OutcomeError
	case res == digest.Stale:
		return nil, r.challenge(req, tx, src, true, OutcomeStale)
	case res != digest.OK:
		r.log.Debug("registrar: REGISTER credentials refused", "auth_user", clip(c.Username, 128), "source", src.String(), "reason", why)
		r.failure(peer)
		return nil, r.challenge(req, tx, src, false, OutcomeUnauthorized)
	}
	r.auth.PeerSuccess(peer)
	return cred, ""
}

// sameURI reports whether the digest uri s names the Request-URI u:
// the same scheme, user, host (in any case) and port. Parameters and
// headers are not compared: phones differ in which they repeat.
func sameURI(s string, u *sipmsg.Uri) bool {
	var d sipmsg.Uri
	if err := sipmsg.ParseUri(s, &d); err != nil {
		return false
	}
	return strings.EqualFold(d.Scheme, u.Scheme) && d.User == u.User && strings.EqualFold(d.Host, u.Host) && d.Port == u.Port
}

// challenge answers 401 with one WWW-Authenticate per algorithm and
// returns outcome, or sends nothing and returns OutcomeThrottled when a
// UDP source is past Config.ChallengeLimit.
func (r *Registrar) challenge(req *sipmsg.Request, tx responder, src netip.Addr, stale bool, outcome string) string {
	if r.challenges != nil && req.Transport() == "UDP" && !r.challenges.Allow(src) {
		return OutcomeThrottled
	}
	chals := r.auth.Challenges(stale)
	extra := make([]hdr, len(chals))
	for i, v := range chals {
		extra[i] = hdr{"WWW-Authenticate", v}
	}
	r.answer(tx, req, 401, "Unauthorized", extra...)
	return outcome
}

// contactHeader renders a binding for a 200: its URI, remaining expiry and
// RFC 5626 parameters. The URI is written as stored (parsed and
// re-serialized when it was bound), not parsed again.
func contactHeader(b *binding, now int64) hdr {
	v := make([]byte, 0, len(b.contact)+len(b.instance)+48)
	v = append(v, '<')
	v = append(v, b.contact...)
	v = append(v, ">;expires="...)
	v = strconv.AppendInt(v, b.expires-now, 10)
	if b.instance != "" {
		v = append(v, `;+sip.instance="`...)
		v = append(v, b.instance...)
		v = append(v, '"')
		if b.regID != 0 {
			v = append(v, ";reg-id="...)
			v = strconv.AppendInt(v, int64(b.regID), 10)
		}
	}
	return hdr{"Contact", string(v)}
}

// response builds a response to req carrying the Server header.
func (r *Registrar) response(req *sipmsg.Request, code int, reason string) *sipmsg.Response {
	res := sipmsg.NewResponseFromRequest(req, code, reason, nil)
	res.AppendHeader(sipmsg.NewHeader("Server", r.cfg.UserAgent))
	return res
}

func (r *Registrar) reply(req *sipmsg.Request, tx sipmsg.ServerTransaction, code int, reason string) {
	r.send(tx, r.response(req, code, reason))
}

// answer sends an answer to the REGISTER req through tx; a failure means
// the phone is gone, which it learns by itself, so it is only logged at
// debug level.
func (r *Registrar) answer(tx responder, req *sipmsg.Request, code int, reason string, extra ...hdr) {
	if err := tx.answer(r, req, code, reason, extra); err != nil {
		r.log.Debug("registrar: sending response", "status", code, "error", err)
	}
}

// send writes res; a failure means the phone is gone, which it learns by
// itself, so it is only logged at debug level.
func (r *Registrar) send(tx sipmsg.ServerTransaction, res *sipmsg.Response) {
	if err := tx.Respond(res); err != nil {
		r.log.Debug("registrar: sending response", "status", res.StatusCode, "error", err)
	}
}

// clip shortens s to at most n bytes.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Refusal is why a device's last authenticated REGISTER was refused.
type Refusal struct {
	At     time.Time `json:"at"`
	Line   int       `json:"line"`
	Reason string    `json:"reason"`
}

// refusal says why a REGISTER with correct credentials is refused, or "".
// The reason goes into the 403's reason phrase: our own words only.
func (r *Registrar) refusal(cred *credential, to sipmsg.Uri) string {
	switch {
	case !cred.Allowed:
		if cred.Refusal != "" {
			return "line disabled: " + cred.Refusal
		}
		return "line disabled"
	case !strings.EqualFold(to.Host, r.cfg.Domain):
		return "the AOR's domain must be the SIP domain " + r.cfg.Domain
	case to.User != cred.Extension:
		return "the AOR's user must be the line's extension " + cred.Extension
	}
	return ""
}

// LastRefusal returns why the device's last REGISTER with correct
// credentials was refused, if one was since the start.
func (r *Registrar) LastRefusal(mac string) (Refusal, bool) {
	v, ok := r.refusals.Load(mac)
	if !ok {
		return Refusal{}, false
	}
	return v.(Refusal), true
}
