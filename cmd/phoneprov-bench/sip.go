package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// sipPool is a fixed set of SIP clients (each its own socket) the phones
// take turns on. Each answers the re-sync NOTIFYs the registrar sends back
// to it with 200, as a phone does.
type sipPool struct {
	uas       []*sipgo.UserAgent
	clients   []*sipgo.Client
	next      atomic.Uint64
	transport string // "UDP" or "TCP"
	dest      string
	domain    string
	notifies  atomic.Int64 // NOTIFYs answered
}

var quietSIPOnce sync.Once

func newSIPPool(n int, transport, dest, domain string) (*sipPool, error) {
	quietSIPOnce.Do(func() {
		// sipgo logs through its package default; the harness counts and
		// reports errors itself. Once: the goroutines of a closed pool
		// may still read it.
		sip.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	})
	p := &sipPool{transport: strings.ToUpper(transport), dest: dest, domain: domain}
	for i := 0; i < n; i++ {
		ua, err := sipgo.NewUA(sipgo.WithUserAgent("phoneprov-bench"))
		if err != nil {
			p.close()
			return nil, err
		}
		p.uas = append(p.uas, ua)
		c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
		if err != nil {
			p.close()
			return nil, err
		}
		srv, err := sipgo.NewServer(ua)
		if err != nil {
			p.close()
			return nil, err
		}
		srv.OnNotify(func(req *sip.Request, tx sip.ServerTransaction) {
			p.notifies.Add(1)
			tx.Respond(sip.NewResponseFromRequest(req, sip.StatusOK, "OK", nil))
		})
		p.clients = append(p.clients, c)
	}
	return p, nil
}

func (p *sipPool) close() {
	for _, ua := range p.uas {
		ua.Close()
	}
}

// sipStatusError is a final answer other than 200.
type sipStatusError struct{ code int }

func (e *sipStatusError) Error() string { return fmt.Sprintf("sip status %d", e.code) }

// regOpts shape one REGISTER. The zero value is the storm's: a client of
// the pool in turn, a fresh Call-ID, CSeq 1, Expires 600.
type regOpts struct {
	Sticky  bool   // send from the device's own client of the pool (d.i modulo its size), as a phone keeps its socket
	CallID  string // the phone's Call-ID, kept across refreshes; empty: a fresh one
	CSeq    uint32 // CSeq of the first request (the digest retry takes the next); 0: 1
	Expires int    // seconds asked for; 0: 600, unless Remove
	Remove  bool   // unregister: Expires 0
	Dest    string // the registrar, HOST:PORT; empty: the pool's
}

// register sends REGISTER for line 1 of the device and answers the digest
// challenge with its credentials; only a 200 is success. It returns the
// CSeq of the last request sent, so that the next one can go above it.
func (p *sipPool) register(ctx context.Context, d device, c creds, o regOpts) (uint32, error) {
	k := p.next.Add(1)
	if o.Sticky {
		k = uint64(d.i)
	}
	cl := p.clients[k%uint64(len(p.clients))]
	expires := o.Expires
	switch {
	case o.Remove:
		expires = 0
	case expires == 0:
		expires = 600
	}
	aor := "sip:" + c.User + "@" + p.domain
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: p.domain})
	req.AppendHeader(sip.NewHeader("To", "<"+aor+">"))
	req.AppendHeader(sip.NewHeader("From", "<"+aor+">;tag="+d.mac))
	req.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:%s@127.0.0.1:%d;transport=%s>", c.User,
		10000+d.i%50000, strings.ToLower(p.transport))))
	req.AppendHeader(sip.NewHeader("Expires", fmt.Sprint(expires)))
	req.AppendHeader(sip.NewHeader("User-Agent", d.v.sipUA))
	if o.CallID != "" {
		cid := sip.CallIDHeader(o.CallID)
		req.AppendHeader(&cid)
	}
	req.AppendHeader(&sip.CSeqHeader{SeqNo: max(o.CSeq, 1), MethodName: sip.REGISTER})
	req.SetTransport(p.transport)
	dest := p.dest
	if o.Dest != "" {
		dest = o.Dest
	}
	req.SetDestination(dest)
	res, err := cl.Do(ctx, req)
	if err == nil && (res.StatusCode == 401 || res.StatusCode == 407) {
		res, err = cl.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: c.AuthUser, Password: c.Password})
	}
	last := req.CSeq().SeqNo
	if err != nil {
		return last, err
	}
	if res.StatusCode != 200 {
		return last, &sipStatusError{res.StatusCode}
	}
	return last, nil
}

// sipKind names a REGISTER failure for the report.
func sipKind(ctx context.Context, err error) string {
	var se *sipStatusError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("sip %d", se.code)
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil:
		return "sip timeout"
	default:
		return "sip error"
	}
}
