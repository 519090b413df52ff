package sip

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb"
)

// resyncStore keeps the last ResyncInfo per MAC; entries older than
// resyncKeep are dropped when a new re-sync is recorded, which bounds it by
// the devices re-synced within that time.
type resyncStore struct {
	mu sync.Mutex
	m  map[string]*devicedb.ResyncInfo
}

const resyncKeep = 24 * time.Hour

// Resync pushes a NOTIFY with Event: event (e.g. "check-sync",
// "check-sync;reboot=false", "resync"), Subscription-State: terminated and
// no body to the device mac: one NOTIFY per distinct (transport, source)
// among its live bindings, so a phone with several lines registered from
// one socket re-syncs once. Over UDP it leaves from the registrar's
// listening socket, over TCP/TLS through the phone's own connection. A 401
// or 407 from the phone is answered with the credentials of the line the
// binding belongs to. Results are per NOTIFY; the error is non-nil only
// when nothing could be sent (ErrInvalidEvent, ErrNotRegistered,
// ErrServerClosed). The outcome is kept for ResyncState.
func (r *Registrar) Resync(ctx context.Context, mac, event string) ([]devicedb.NotifyResult, error) {
	if !validEvent(event) {
		return nil, fmt.Errorf("event %q: %w", event, ErrInvalidEvent)
	}
	r.mu.RLock()
	closed := r.closed
	r.mu.RUnlock()
	if closed {
		return nil, ErrServerClosed
	}
	if m, err := devicedb.NormalizeMAC(mac); err == nil {
		mac = m
	}
	return r.ResyncTo(ctx, mac, event, r.Bindings(mac, 0))
}

// ResyncTo is Resync to the given bindings of device mac: those Drop
// returned, to tell a replaced phone once more to fetch its (now empty)
// config after its registrations went.
func (r *Registrar) ResyncTo(ctx context.Context, mac, event string, targets []devicedb.Binding) ([]devicedb.NotifyResult, error) {
	if !validEvent(event) {
		return nil, fmt.Errorf("event %q: %w", event, ErrInvalidEvent)
	}
	targets = dedupe(targets)
	if len(targets) == 0 {
		return nil, fmt.Errorf("device %s: %w", mac, ErrNotRegistered)
	}
	sentAt := r.cfg.Now()
	results := make([]devicedb.NotifyResult, len(targets))
	var wg sync.WaitGroup
	for i := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = r.notify(ctx, &targets[i], event)
		}()
	}
	wg.Wait()
	r.resyncs.mu.Lock()
	for k, v := range r.resyncs.m {
		if sentAt.Sub(v.SentAt) > resyncKeep {
			delete(r.resyncs.m, k)
		}
	}
	r.resyncs.m[mac] = &devicedb.ResyncInfo{Event: event, SentAt: sentAt, Results: results}
	r.resyncs.mu.Unlock()
	return append([]devicedb.NotifyResult(nil), results...), nil
}

// dedupe keeps, in place, the first binding of each (transport, source).
func dedupe(bs []devicedb.Binding) []devicedb.Binding {
	seen := make(map[string]bool, len(bs))
	out := bs[:0]
	for _, b := range bs {
		if k := b.Transport + " " + b.Source; !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	return out
}

// notify sends one NOTIFY to b and waits for its final answer.
func (r *Registrar) notify(ctx context.Context, b *devicedb.Binding, event string) devicedb.NotifyResult {
	res := devicedb.NotifyResult{AOR: b.AOR, Contact: b.Contact, Source: b.Source, Transport: b.Transport}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.NotifyTimeout)
	defer cancel()
	req, err := r.notifyRequest(b, event)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	ans, err := r.client.Do(ctx, req)
	if err == nil && ans == nil {
		// sipgo returns neither an answer nor an error when its
		// transaction layer closes under the request (Shutdown).
		err = ErrServerClosed
	}
	if err == nil && (ans.StatusCode == 401 || ans.StatusCode == 407) {
		var cred *credential
		if cred, err = r.creds.get(ctx, b.AuthUser); err == nil && cred != nil {
			res.Authenticated = true
			ans, err = r.client.DoDigestAuth(ctx, req, ans, sipgo.DigestAuth{Username: cred.AuthUser, Password: cred.Password})
			if err == nil && ans == nil {
				err = ErrServerClosed
			}
		}
	}
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Status, res.Reason = ans.StatusCode, ans.Reason
	return res
}

// notifyRequest builds the NOTIFY for b; the client adds Via, Call-ID,
// CSeq, Max-Forwards and Content-Length: 0.
func (r *Registrar) notifyRequest(b *devicedb.Binding, event string) (*sipmsg.Request, error) {
	var uri, aor sipmsg.Uri
	if err := sipmsg.ParseUri(b.Contact, &uri); err != nil {
		return nil, fmt.Errorf("contact %q: %w", b.Contact, err)
	}
	if err := sipmsg.ParseUri(b.AOR, &aor); err != nil {
		return nil, fmt.Errorf("aor %q: %w", b.AOR, err)
	}
	req := sipmsg.NewRequest(sipmsg.NOTIFY, uri)
	from := &sipmsg.FromHeader{Address: sipmsg.Uri{Scheme: "sip", User: r.cfg.UserAgent, Host: r.cfg.Domain}}
	from.Params.Add("tag", sipmsg.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sipmsg.ToHeader{Address: aor})
	req.AppendHeader(sipmsg.NewHeader("Event", event))
	req.AppendHeader(sipmsg.NewHeader("Subscription-State", "terminated"))
	req.AppendHeader(sipmsg.NewHeader("User-Agent", r.cfg.UserAgent))
	req.SetTransport(b.Transport)
	req.SetDestination(b.Source)
	if b.Transport == "UDP" {
		// Leave from the listening socket even for a phone not heard from
		// since a restart; NAT bindings only let that address in.
		if la, ok := r.udpLocal(b.Source); ok {
			req.Laddr = sipmsg.Addr{IP: la.Addr().AsSlice(), Port: int(la.Port())}
		}
	}
	return req, nil
}

// udpLocal picks the UDP listener to send to dst from: the first of dst's
// address family or bound to all addresses.
func (r *Registrar) udpLocal(dst string) (netip.AddrPort, bool) {
	d, err := netip.ParseAddrPort(dst)
	if err != nil {
		return netip.AddrPort{}, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, la := range r.udpAddrs {
		if la.Addr().IsUnspecified() || la.Addr().Is4() == d.Addr().Unmap().Is4() {
			return la, true
		}
	}
	return netip.AddrPort{}, false
}

// NoteFetch tells the registrar that device mac fetched its config at
// at; a re-sync sent to it before then is marked confirmed. The config
// server calls it on every fetch: it costs one map lookup.
func (r *Registrar) NoteFetch(mac string, at time.Time) {
	r.resyncs.mu.Lock()
	defer r.resyncs.mu.Unlock()
	if len(r.resyncs.m) == 0 {
		return
	}
	info, ok := r.resyncs.m[mac]
	if !ok {
		if m, err := devicedb.NormalizeMAC(mac); err == nil {
			info, ok = r.resyncs.m[m]
		}
	}
	if ok && info.ConfirmedAt.IsZero() && !at.Before(info.SentAt) {
		info.ConfirmedAt = at
	}
}

// ResyncState returns the last re-sync sent to device mac, if any.
func (r *Registrar) ResyncState(mac string) (devicedb.ResyncInfo, bool) {
	if m, err := devicedb.NormalizeMAC(mac); err == nil {
		mac = m
	}
	r.resyncs.mu.Lock()
	defer r.resyncs.mu.Unlock()
	info, ok := r.resyncs.m[mac]
	if !ok {
		return devicedb.ResyncInfo{}, false
	}
	out := *info
	out.Results = append([]devicedb.NotifyResult(nil), info.Results...)
	return out, true
}

// validEvent reports whether s is a safe Event value: a token, then
// ;name or ;name=value parameters of tokens, at most 128 bytes.
func validEvent(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	want := true // a token must start here
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isTokenChar(c):
			want = false
		case (c == ';' || c == '=') && !want:
			want = true
		default:
			return false
		}
	}
	return !want
}

// isTokenChar reports whether c may appear in an RFC 3261 token.
func isTokenChar(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
		c == '-' || c == '.' || c == '!' || c == '%' || c == '*' || c == '_' || c == '+' || c == '`' || c == '\'' || c == '~'
}
