package sip

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// allowed is the Allow header value: the methods this registrar serves.
const allowed = "REGISTER, OPTIONS"

// onOptions answers OPTIONS (keepalives, monitoring) with 200.
func (r *Registrar) onOptions(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if r.silenced(req) {
		return
	}
	if drop, bad := r.unsafeHeaders(req); drop {
		return
	} else if bad {
		r.reply(req, tx, 400, "Bad Request (CR or LF in a header)")
		return
	}
	res := r.response(req, 200, "OK")
	res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	res.AppendHeader(sipmsg.NewHeader("Accept", "application/sdp"))
	r.send(tx, res)
}

// onOther answers every other method with 405: this is no proxy. ACKs get
// nothing, as RFC 3261 wants.
func (r *Registrar) onOther(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
	if req.IsAck() || r.silenced(req) {
		return
	}
	if drop, _ := r.unsafeHeaders(req); drop {
		return
	}
	res := r.response(req, 405, "Method Not Allowed")
	res.AppendHeader(sipmsg.NewHeader("Allow", allowed))
	r.send(tx, res)
}

// silenced reports whether req must get no answer: it comes from a
// scanner. The auth throttle silences credentials only (see sip/digest): an
// OPTIONS names no auth user, and the phones behind an address where
// someone else fails must keep their keep-alives answered.
func (r *Registrar) silenced(req *sipmsg.Request) bool {
	return r.isScanner(req)
}

// isScanner reports whether the User-Agent of req contains one of the
// configured scanner fragments, in any case.
func (r *Registrar) isScanner(req *sipmsg.Request) bool {
	h := req.GetHeader("user-agent")
	if h == nil || len(r.cfg.ScannerUserAgents) == 0 {
		return false
	}
	ua := strings.ToLower(h.Value())
	for _, s := range r.cfg.ScannerUserAgents {
		if strings.Contains(ua, s) {
			return true
		}
	}
	return false
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// unsafeHeaders looks for a CR or LF inside the start line or a header of
// req. sipgo splits lines at CRLF only, so a bare LF (or an encoded one a
// parser let through) stays inside a value and would be written back
// verbatim, letting a sender inject headers into our answers. bad reports
// such a header; drop reports that it is one a response copies (Via, From,
// To, Call-ID, CSeq), so no safe answer exists.
func (r *Registrar) unsafeHeaders(req *sipmsg.Request) (drop, bad bool) {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	req.StartLineWrite(buf)
	buf.WriteString("\r\n")
	for _, h := range req.Headers() {
		h.StringWrite(buf)
		buf.WriteString("\r\n")
	}
	if !bareCRLF(buf.Bytes()) {
		return false, false
	}
	for _, h := range req.GetHeaders("Via") {
		if hasCRLF(h.Value()) {
			return true, true
		}
	}
	// Typed nils must not become non-nil interfaces: test each header.
	if h := req.From(); h != nil && hasCRLF(h.Value()) {
		return true, true
	}
	if h := req.To(); h != nil && hasCRLF(h.Value()) {
		return true, true
	}
	if h := req.CallID(); h != nil && hasCRLF(h.Value()) {
		return true, true
	}
	if h := req.CSeq(); h != nil && hasCRLF(h.Value()) {
		return true, true
	}
	return false, true
}

// bareCRLF reports whether b holds a CR not followed by LF or an LF not
// preceded by CR.
func bareCRLF(b []byte) bool {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 >= len(b) || b[i+1] != '\n'):
			return true
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return true
		}
	}
	return false
}

func hasCRLF(s string) bool { return strings.ContainsAny(s, "\r\n") }

// quietHandler passes sipgo's log records on, demoting to debug (and
// stripping the payload from) those that outside traffic triggers, at most
// noisyPerSecond of them a second, so nobody who can reach the SIP port
// can flood the log.
type quietHandler struct {
	h    slog.Handler
	gate *rateGate // nil: no limit
}

// noisy are sipgo's messages that outside input triggers.
var noisy = map[string]bool{
	"failed to parse": true, "Read error": true, "Read filter error": true,
	"Server tx failed to handle request": true, "Client tx failed to handle response": true,
	"Failed to send stateless 400 for malformed request": true,
	msgUnhandledResponse: true,
}

// msgUnhandledResponse is logged for a SIP response that matches no
// transaction (a late retransmission, or junk).
const msgUnhandledResponse = "sip: response matching no transaction (a retransmission?)"

// noisyPerSecond bounds the noisy records logged per second.
const noisyPerSecond = 20

// rateGate lets at most max events through per second.
type rateGate struct {
	mu    sync.Mutex
	start time.Time
	n     int
	max   int
}

func (g *rateGate) allow() bool {
	if g == nil {
		return true
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if now := time.Now(); now.Sub(g.start) >= time.Second {
		g.start, g.n = now, 0
	}
	g.n++
	return g.n <= g.max
}

func (q quietHandler) Enabled(ctx context.Context, l slog.Level) bool { return q.h.Enabled(ctx, l) }

func (q quietHandler) Handle(ctx context.Context, rec slog.Record) error {
	if !noisy[rec.Message] {
		return q.h.Handle(ctx, rec)
	}
	if !q.h.Enabled(ctx, slog.LevelDebug) || !q.gate.allow() {
		return nil
	}
	out := slog.NewRecord(rec.Time, slog.LevelDebug, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key != "data" {
			out.AddAttrs(a)
		}
		return true
	})
	return q.h.Handle(ctx, out)
}

func (q quietHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return quietHandler{q.h.WithAttrs(as), q.gate}
}

func (q quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{q.h.WithGroup(name), q.gate}
}
