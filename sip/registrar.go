package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip/digest"
	"github.com/phoneprov/phoneprov/sip/srclimit"
)

// Directory is what the registrar needs from the device database.
// *devicedb.Store satisfies it.
type Directory interface {
	// LineByAuthUser returns the line of an auth user, or an error
	// wrapping devicedb.ErrNotFound.
	LineByAuthUser(ctx context.Context, authUser string) (*devicedb.LineCredential, error)
	// Generation changes after every admin change; cached credentials are
	// dropped when it does.
	Generation() uint64
	SaveBindings(ctx context.Context, upserts []devicedb.Binding, deletes []devicedb.BindingKey) error
	LoadBindings(ctx context.Context, now time.Time) ([]devicedb.Binding, error)
	DeleteExpiredBindings(ctx context.Context, now time.Time) (int64, error)
}

// Outcomes of a REGISTER, as passed to Config.OnRegister.
const (
	OutcomeOK           = "ok"                 // 200: bindings changed or listed
	OutcomeChallenge    = "challenge"          // 401: no credentials yet
	OutcomeStale        = "stale"              // 401 stale=true: old or reused nonce
	OutcomeUnauthorized = "unauthorized"       // 401: wrong credentials or unknown user
	OutcomeForbidden    = "forbidden"          // 403: line refused, AOR not the line's, too many contacts
	OutcomeBadRequest   = "bad_request"        // 400 or 420
	OutcomeTooBrief     = "interval_too_brief" // 423
	OutcomeOutOfOrder   = "out_of_order"       // 500: CSeq not above the stored one for the Call-ID
	OutcomeThrottled    = "throttled"          // 403 or silence: the source failed too often
	OutcomeDropped      = "dropped"            // silence: scanner, or unsafe headers
	OutcomeError        = "error"              // 500: the Directory failed
)

// Registrar is a SIP registrar: it serves REGISTER and OPTIONS on the
// listeners it is given, keeps bindings in memory and in the Directory,
// and sends re-sync NOTIFYs to registered devices.
type Registrar struct {
	cfg     Config
	dir     Directory
	auth    *digest.Authenticator
	ua      *sipgo.UserAgent
	srv     *sipgo.Server
	client  *sipgo.Client
	log     *slog.Logger
	table   *table
	creds   *credCache
	strs    *interner
	persist *persister
	resyncs resyncStore
	udp     *udpFast
	dates   dateCache
	// challenges limits UDP 401s per source; nil when off.
	challenges *srclimit.Limiter
	// refusals maps a MAC to its last Refusal (authenticated devices only,
	// so bounded by the devices in the database).
	refusals sync.Map
	// tellFailure, when the directory is shared by several nodes, tells
	// the others of an authentication failure (shareFailures).
	tellFailure func(digest.Peer)
	// syncFailures waits until the failures told by the other nodes
	// before are counted (shareFailures).
	syncFailures func()

	mu        sync.RWMutex
	closed    bool
	listeners []io.Closer
	udpAddrs  []netip.AddrPort
	inflight  sync.WaitGroup
	// work is the context of request handling (credential lookups):
	// cancelled when Shutdown stops waiting for the requests in flight.
	work       context.Context
	cancelWork context.CancelFunc
}

// New checks cfg, loads the bindings persisted in dir that are still live
// and starts the background writer and sweeper. Call Shutdown to stop them.
func New(cfg Config, dir Directory) (*Registrar, error) {
	if dir == nil {
		return nil, ErrNoDirectory
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("registrar config: %w", err)
	}
	auth, err := digest.New(cfg.Auth)
	if err != nil {
		return nil, fmt.Errorf("registrar config: %w", err)
	}
	r := &Registrar{cfg: cfg, dir: dir, auth: auth, table: newTable(defaultShards), strs: newInterner(1 << 16)}
	r.log = slog.New(quietHandler{cfg.Logger.Handler(), &rateGate{max: noisyPerSecond}})
	r.work, r.cancelWork = context.WithCancel(context.Background())
	r.creds = newCredCache(dir, cfg.Auth.Realm)
	r.resyncs.m = make(map[string]*devicedb.ResyncInfo)
	r.udp = newUDPFast(r)
	if cfg.ChallengeLimit > 0 {
		r.challenges = srclimit.New(cfg.ChallengeLimit, 1<<16, cfg.Now)
	}
	parser := sipmsg.NewParser()
	parser.MaxMessageLength = cfg.MaxMessageSize
	r.ua, err = sipgo.NewUA(
		sipgo.WithUserAgent(cfg.UserAgent),
		sipgo.WithUserAgentHostname(cfg.Domain),
		sipgo.WithUserAgentParser(parser),
		sipgo.WithUserAgentTransportLayerOptions(sipmsg.WithTransportLayerLogger(r.log),
			sipmsg.WithTransportLayerReadFilter(r.udp.filter)),
		sipgo.WithUserAgentTransactionLayerOptions(sipmsg.WithTransactionLayerLogger(r.log),
			sipmsg.WithTransactionLayerUnhandledResponseHandler(func(res *sipmsg.Response) {
				r.log.Debug(msgUnhandledResponse, "response", res.StartLine(), "source", res.Source())
			}),
			// A NOTIFY sent on a connection the phone closed fails at once.
			sipmsg.WithTransactionLayerTerminateOnConnClose()),
	)
	if err != nil {
		return nil, fmt.Errorf("sip user agent: %w", err)
	}
	if r.srv, err = sipgo.NewServer(r.ua, sipgo.WithServerLogger(r.log)); err == nil {
		// With no hostname the transport writes the socket's address in Via.
		r.client, err = sipgo.NewClient(r.ua, sipgo.WithClientLogger(r.log), sipgo.WithClientHostname(cfg.AdvertiseHost))
	}
	if err != nil {
		_ = r.ua.Close()
		return nil, fmt.Errorf("sip server: %w", err)
	}
	r.srv.OnRegister(r.guard(r.onRegister))
	r.srv.OnOptions(r.guard(r.onOptions))
	r.srv.OnNoRoute(r.guard(r.onOther))

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	recs, err := dir.LoadBindings(ctx, cfg.Now())
	if err != nil {
		_ = r.ua.Close()
		return nil, fmt.Errorf("loading bindings: %w", err)
	}
	r.table.load(recs, r.strs.intern)
	// A live binding proves its auth user authenticated from its source:
	// after a restart that line still passes a sweep verdict on its address.
	for i := range recs {
		if ap, err := netip.ParseAddrPort(recs[i].Source); err == nil {
			r.auth.PeerSuccess(digest.Peer{Addr: ap.Addr().Unmap(), User: recs[i].AuthUser})
		}
	}
	if len(recs) > 0 {
		// The records and the database driver's copies of their strings are
		// garbage now, about as large as the table built from them: collect
		// them and hand their pages back, or the process keeps that peak
		// (and the GC's headroom over it) resident until traffic reuses it.
		debug.FreeOSMemory()
	}
	r.persist = startPersister(r)
	r.udp.start()
	if sd, ok := dir.(sharedDirectory); ok && sd.Shared() {
		r.shareFailures(sd)
	}
	return r, nil
}

// ServeUDP answers SIP over pc until Shutdown, and sends NOTIFYs over UDP
// from it. It returns ErrServerClosed after Shutdown.
func (r *Registrar) ServeUDP(pc net.PacketConn) error {
	if pc == nil {
		return ErrNoListener
	}
	if ap, err := netip.ParseAddrPort(pc.LocalAddr().String()); err == nil {
		r.mu.Lock()
		r.udpAddrs = append(r.udpAddrs, ap)
		r.mu.Unlock()
	}
	if rb, ok := pc.(interface{ SetReadBuffer(int) error }); ok && r.cfg.UDPReadBuffer > 0 {
		if err := rb.SetReadBuffer(r.cfg.UDPReadBuffer); err != nil {
			r.log.Warn("registrar: UDP receive buffer", "bytes", r.cfg.UDPReadBuffer, "error", err)
		}
	}
	pc = stampConn(pc)
	r.udp.add(pc)
	return r.serve(pc, func() error { return r.srv.ServeUDP(pc) })
}

// ServeTCP answers SIP over connections accepted from l until Shutdown.
// NOTIFYs to phones registered over TCP reuse their connection.
func (r *Registrar) ServeTCP(l net.Listener) error {
	if l == nil {
		return ErrNoListener
	}
	il := idleListener{l, r.cfg.IdleTimeout}
	return r.serve(l, func() error { return r.srv.ServeTCP(il) })
}

// ServeTLS answers SIP over TLS on l, a listener the caller made with
// tls.NewListener (or tls.Listen) and the certificate it chose; otherwise
// as ServeTCP.
func (r *Registrar) ServeTLS(l net.Listener) error {
	if l == nil {
		return ErrNoListener
	}
	il := idleListener{l, r.cfg.IdleTimeout}
	return r.serve(l, func() error { return r.srv.ServeTLS(il) })
}

func (r *Registrar) serve(c io.Closer, run func() error) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrServerClosed
	}
	r.listeners = append(r.listeners, c)
	r.mu.Unlock()
	err := run()
	r.mu.RLock()
	closed := r.closed
	r.mu.RUnlock()
	if closed {
		return ErrServerClosed
	}
	return err
}

// Shutdown stops the listeners, waits for the requests being handled,
// writes the pending binding changes to the Directory and closes the
// transports. It returns the error of the last write, or ctx's error if ctx
// ends first.
func (r *Registrar) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrServerClosed
	}
	r.closed = true
	for _, l := range r.listeners {
		_ = l.Close()
	}
	r.mu.Unlock()
	r.udp.stop()
	done := make(chan struct{})
	go func() { r.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
	r.cancelWork()
	err := r.persist.stop(ctx)
	if cerr := r.ua.Close(); err == nil && cerr != nil && ctx.Err() == nil {
		err = fmt.Errorf("closing sip transports: %w", cerr)
	}
	return err
}

// guard wraps a sipgo handler in enter and leave.
func (r *Registrar) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sipmsg.Request, tx sipmsg.ServerTransaction) {
		if !r.enter() {
			return
		}
		defer r.leave()
		h(req, tx)
	}
}

// enter admits a request, counted so that Shutdown can wait for it; false
// during Shutdown, when the request is ignored. Every request path (sipgo's
// handlers, the UDP REGISTER workers) calls it, and leave when done.
func (r *Registrar) enter() bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return false
	}
	r.inflight.Add(1)
	return true
}

// leave ends a request admitted by enter.
func (r *Registrar) leave() { r.inflight.Done() }

// BindingCount returns the number of live bindings, without copying them
// (for a gauge scraped often: Bindings builds a record per binding).
func (r *Registrar) BindingCount() int {
	n := 0
	r.table.each(r.cfg.Now().Unix(), func(string, *binding) { n++ })
	return n
}

// Bindings returns the live bindings, of the device mac and/or of the user
// userID (a zero value matches any), sorted by AOR and contact.
func (r *Registrar) Bindings(mac string, userID int64) []devicedb.Binding {
	if mac != "" {
		if m, err := devicedb.NormalizeMAC(mac); err == nil {
			mac = m
		}
	}
	var out []devicedb.Binding
	r.table.each(r.cfg.Now().Unix(), func(aor string, b *binding) {
		if (mac == "" || b.mac == mac) && (userID == 0 || b.userID == userID) {
			out = append(out, b.record(aor))
		}
	})
	sortBindings(out)
	return out
}

// sharedDirectory is what a Directory shared by several nodes (a
// *devicedb.Store on PostgreSQL) offers: a feed on which the registrars
// count each other's authentication failures, so that a credential sweep
// spread over the nodes is stopped as on one.
type sharedDirectory interface {
	Shared() bool
	NodeID() string
	Broadcast(ctx context.Context, topic, payload string) error
	Subscribe(topic string, fn func(payload string))
	Sync(ctx context.Context) error
}

func (r *Registrar) shareFailures(sd sharedDirectory) {
	node := sd.NodeID()
	r.tellFailure = func(p digest.Peer) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := sd.Broadcast(ctx, "authfail", failurePayload(node, p)); err != nil {
			r.log.Warn("sharing an authentication failure with the other nodes", "err", err)
		}
	}
	r.syncFailures = func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := sd.Sync(ctx); err != nil {
			r.log.Warn("hearing the other nodes' authentication failures", "err", err)
		}
	}
	sd.Subscribe("authfail", func(payload string) {
		if from, p, ok := parseFailurePayload(payload); ok && from != node {
			r.auth.PeerFailure(p)
		}
	})
}

// failurePayload is a failure told to the other nodes: "node udp|stream
// address user" (the user last: it may hold spaces).
func failurePayload(node string, p digest.Peer) string {
	tr := "stream"
	if p.UDP {
		tr = "udp"
	}
	return node + " " + tr + " " + p.Addr.String() + " " + p.User
}

func parseFailurePayload(s string) (node string, p digest.Peer, ok bool) {
	f := strings.SplitN(s, " ", 4)
	if len(f) != 4 {
		return "", p, false
	}
	a, err := netip.ParseAddr(f[2])
	if err != nil {
		return "", p, false
	}
	return f[0], digest.Peer{Addr: a, UDP: f[1] == "udp", User: f[3]}, true
}

// failure counts a failed authentication by p (and tells the other nodes,
// when the directory is shared).
func (r *Registrar) failure(p digest.Peer) {
	r.auth.PeerFailure(p)
	if r.tellFailure != nil {
		r.tellFailure(p)
	}
}
