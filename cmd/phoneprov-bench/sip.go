package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// sipPool is a fixed set of SIP clients (each its own socket) the phones
// take turns on.
type sipPool struct {
	uas       []*sipgo.UserAgent
	clients   []*sipgo.Client
	next      atomic.Uint64
	transport string // "UDP" or "TCP"
	dest      string
	domain    string
}

func newSIPPool(n int, transport, dest, domain string) (*sipPool, error) {
	// sipgo logs through its package default; the harness counts and
	// reports errors itself
	sip.SetDefaultLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	p := &sipPool{transport: strings.ToUpper(transport), dest: dest, domain: domain}
	for i := 0; i < n; i++ {
		ua, err := sipgo.NewUA(sipgo.WithUserAgent("phoneprov-bench"))
		if err != nil {
			p.close()
			return nil, err
		}
		c, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
		if err != nil {
			ua.Close()
			p.close()
			return nil, err
		}
		p.uas, p.clients = append(p.uas, ua), append(p.clients, c)
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

// register sends REGISTER for line 1 of the device and answers the digest
// challenge with its credentials; only a 200 is success.
func (p *sipPool) register(ctx context.Context, d device, c creds) error {
	cl := p.clients[p.next.Add(1)%uint64(len(p.clients))]
	aor := "sip:" + c.User + "@" + p.domain
	req := sip.NewRequest(sip.REGISTER, sip.Uri{Host: p.domain})
	req.AppendHeader(sip.NewHeader("To", "<"+aor+">"))
	req.AppendHeader(sip.NewHeader("From", "<"+aor+">;tag="+d.mac))
	req.AppendHeader(sip.NewHeader("Contact", fmt.Sprintf("<sip:%s@127.0.0.1:%d;transport=%s>", c.User,
		10000+d.i%50000, strings.ToLower(p.transport))))
	req.AppendHeader(sip.NewHeader("Expires", "600"))
	req.AppendHeader(sip.NewHeader("User-Agent", d.v.sipUA))
	req.SetTransport(p.transport)
	req.SetDestination(p.dest)
	res, err := cl.Do(ctx, req)
	if err == nil && (res.StatusCode == 401 || res.StatusCode == 407) {
		res, err = cl.DoDigestAuth(ctx, req, res, sipgo.DigestAuth{Username: c.AuthUser, Password: c.Password})
	}
	if err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return &sipStatusError{res.StatusCode}
	}
	return nil
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
