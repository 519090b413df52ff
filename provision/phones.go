package provision

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/sip/digest"
	"github.com/phoneprov/phoneprov/templates"
)

// Settings are the server-wide values rendered into every config.
type Settings struct {
	// Domain is the SIP domain. Required.
	Domain string
	// PublicHost is the host name or IP phones reach us at. Required.
	PublicHost string
	// SIPPort is the registrar's UDP/TCP port; 0 means 5060.
	SIPPort int
	// SIPTransport is "udp" (default), "tcp" or "tls".
	SIPTransport string
	// DNSSRV is true when phoneprov answers DNS for Domain, so models that
	// can resolve SRV get the domain instead of host and port.
	DNSSRV bool
	// STUNPort is the STUN responder's port; 0: STUN off.
	STUNPort int
	// NTPServer is rendered into configs. Default "pool.ntp.org".
	NTPServer string
	// ProvisionURL is the base URL of the config routes, ending in "/".
	// Required.
	ProvisionURL string
	// ResyncInterval is how often phones re-check their config, in
	// seconds. Default 86400.
	ResyncInterval int
	// Expiry is the REGISTER expiry rendered into lines. Default 3600.
	Expiry int
	// CACert is the local CA (PEM) rendered into models that take a
	// custom CA; CACertURL is where it is downloaded. Optional.
	CACert, CACertURL string
}

func (s *Settings) defaults() error {
	if s.Domain == "" || s.PublicHost == "" || s.ProvisionURL == "" {
		return errors.New("provision: settings need Domain, PublicHost and ProvisionURL")
	}
	if s.SIPPort == 0 {
		s.SIPPort = 5060
	}
	if s.SIPTransport == "" {
		s.SIPTransport = "udp"
	}
	if s.NTPServer == "" {
		s.NTPServer = "pool.ntp.org"
	}
	if s.ResyncInterval == 0 {
		s.ResyncInterval = 86400
	}
	if s.Expiry == 0 {
		s.Expiry = 3600
	}
	return nil
}

// PhonesConfig configures the phone-facing config routes.
type PhonesConfig struct {
	// Store is the database. Required.
	Store *devicedb.Store
	// Renderer renders the family templates. Required.
	Renderer *templates.Renderer
	// Settings are rendered into every config. Required.
	Settings Settings
	// Throttle bounds MAC walking; zero fields take defaults.
	Throttle ThrottleConfig
	// Allow, when not empty, is the list of networks phones may fetch
	// from; others get the same 404 as unknown devices.
	Allow []netip.Prefix
	// DeviceAuth is what a request must prove, besides the vendor's
	// User-Agent naming the model, to get a file holding secrets: one of
	// the DeviceAuth constants. Default DeviceAuthCredentials; "network"
	// needs Allow.
	DeviceAuth string
	// MaxUploads bounds the uploads (PUT) read at once, and
	// MaxUploadsPerSource those from one source (an IPv4 address or IPv6
	// /64). Defaults 32 and 4.
	MaxUploads, MaxUploadsPerSource int
	// DigestAlgorithms are offered in per-device HTTP digest challenges,
	// in order. Default: MD5 (what phones implement).
	DigestAlgorithms []string
	// Firmware is the firmware store; nil: no firmware served or offered.
	Firmware *firmware.Store
	// OnFetch is told of every config fetch by a known device (the
	// registrar confirms a pending re-sync with it). Optional.
	OnFetch func(mac string, at time.Time)
	// MaxInFlight bounds the phone requests answered at once; past it a
	// request waits up to QueueWait for a slot, then gets 503 with
	// Retry-After (boot storms). Default DefaultMaxInFlight (128).
	MaxInFlight int
	// QueueWait is how long a request waits for a slot. Default
	// DefaultQueueWait (1 s).
	QueueWait time.Duration
	// Registry receives the config server's metrics. Optional.
	Registry prometheus.Registerer
	// Logger; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Phones serves the files phones ask for.
type Phones struct {
	store    *devicedb.Store
	render   *templates.Renderer
	id       *ident.Identifier
	set      Settings
	allow    []netip.Prefix
	onFetch  func(string, time.Time)
	log      *slog.Logger
	now      func() time.Time
	throttle *throttle
	rec      *recorder
	cache    *configCache
	auth     *digest.Authenticator
	fw       *firmware.Store
	servedMu sync.Mutex
	served   map[string]served // by MAC: the per-device file it last fetched
	fetches  *prometheus.CounterVec
	counters sync.Map // "vendor|model|outcome" -> prometheus.Counter
	admit    *admission
	mode     string
	noUA     map[string]bool // families with a model whose User-Agent proves nothing
	uploads  *uploadLimit
}

// NewPhones builds the config routes' handler. Close stops its background
// writer.
func NewPhones(cfg PhonesConfig) (*Phones, error) {
	if cfg.Store == nil || cfg.Renderer == nil {
		return nil, errors.New("provision: phones need a store and a renderer")
	}
	if err := cfg.Settings.defaults(); err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.QueueWait <= 0 {
		cfg.QueueWait = DefaultQueueWait
	}
	switch cfg.DeviceAuth {
	case "":
		cfg.DeviceAuth = DeviceAuthCredentials
	case DeviceAuthCredentials, DeviceAuthOpen:
	case DeviceAuthNetwork:
		if len(cfg.Allow) == 0 {
			return nil, errors.New("provision: device auth \"network\" needs the networks phones are in (--allow)")
		}
	default:
		return nil, fmt.Errorf("provision: device auth %q: use credentials, network or open", cfg.DeviceAuth)
	}
	p := &Phones{admit: newAdmission(cfg.MaxInFlight, cfg.QueueWait), store: cfg.Store, render: cfg.Renderer, id: ident.New(cfg.Store.Catalog()), set: cfg.Settings,
		allow: cfg.Allow, mode: cfg.DeviceAuth, noUA: map[string]bool{}, uploads: newUploadLimit(cfg.MaxUploads, cfg.MaxUploadsPerSource),
		onFetch: cfg.OnFetch, fw: cfg.Firmware, log: cfg.Logger, now: cfg.Now, cache: newConfigCache(cacheEntries, cacheBytes), served: make(map[string]served),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phoneprov_config_fetches_total",
			Help: "Config fetches by vendor, model and outcome."}, []string{"vendor", "model", "outcome"})}
	throttled := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_throttled_sources_total",
		Help: "Sources blocked for asking for too many unknown MACs."})
	dropped := prometheus.NewCounter(prometheus.CounterOpts{Name: "phoneprov_fetch_records_dropped_total",
		Help: "Fetch records not stored because the write queue was full."})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "phoneprov_pending_devices",
		Help: "Unknown devices that asked for config, waiting to be adopted."}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		n, _ := cfg.Store.CountPending(ctx)
		return float64(n)
	})
	if cfg.Registry != nil {
		for _, c := range []prometheus.Collector{p.fetches, throttled, dropped, pending} {
			if err := cfg.Registry.Register(c); err != nil {
				return nil, err
			}
		}
	}
	for _, m := range cfg.Store.Catalog().Models() {
		if uaPolicyOf(m) == uaNone {
			p.noUA[m.Family] = true
		}
	}
	p.throttle = newThrottle(cfg.Throttle, throttled.Inc)
	var err error
	if len(cfg.DigestAlgorithms) == 0 {
		cfg.DigestAlgorithms = []string{digest.MD5}
	}
	if p.auth, err = digest.New(digest.Config{Realm: cfg.Settings.Domain, Now: cfg.Now, Algorithms: cfg.DigestAlgorithms}); err != nil {
		return nil, err
	}
	p.rec = newRecorder(cfg.Store, cfg.Logger, dropped.Inc)
	return p, nil
}

// Close stores the fetch records still queued.
func (p *Phones) Close() { p.rec.close() }

// notFoundBody is the one answer for anything not served: unknown,
// unassigned, mismatched and unauthorised requests look the same.
var notFoundBody = []byte("404 page not found\n")

// writeNotFound answers with the uniform 404.
func writeNotFound(ctx *fasthttp.RequestCtx) {
	h := &ctx.Response.Header
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	ctx.SetStatusCode(http.StatusNotFound)
	ctx.SetBody(notFoundBody)
}

// writeError answers like http.Error: msg and a newline, as plain text.
func writeError(ctx *fasthttp.RequestCtx, msg string, code int) {
	h := &ctx.Response.Header
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	ctx.SetStatusCode(code)
	ctx.SetBodyString(msg + "\n")
}

// sourceAddr is a connection's remote address, IPv4-mapped addresses
// unmapped.
func sourceAddr(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (p *Phones) allowed(a netip.Addr) bool {
	if len(p.allow) == 0 {
		return true
	}
	for _, n := range p.allow {
		if n.Contains(a) {
			return true
		}
	}
	return false
}

// serve answers a phone's request for a file. Uploads (PUT) are read
// outside the admission slots, under their own limits.
func (p *Phones) serve(ctx *fasthttp.RequestCtx) {
	if ctx.IsPut() {
		p.upload(ctx)
		return
	}
	// Not ctx itself: a fasthttp.RequestCtx must not outlive its request,
	// and the database's context watchers can.
	if !p.admit.enter(context.Background()) {
		busy(ctx)
		p.count("", "", "busy")
		return
	}
	defer p.admit.leave()
	d := p.Answer(context.Background(), phoneRequest(ctx))
	p.write(ctx, &d)
	d.release()
	p.count(d.ID.Vendor, metricModel(d.ID), d.Outcome)
}

// methodOf is the request's method, without an allocation for the usual
// ones.
func methodOf(ctx *fasthttp.RequestCtx) string {
	switch {
	case ctx.IsGet():
		return http.MethodGet
	case ctx.IsHead():
		return http.MethodHead
	case ctx.IsPut():
		return http.MethodPut
	}
	return string(ctx.Method())
}

// phoneRequest takes from an HTTP request what the decision needs.
func phoneRequest(ctx *fasthttp.RequestCtx) PhoneRequest {
	h := &ctx.Request.Header
	req := PhoneRequest{Method: methodOf(ctx), Path: string(ctx.Path()), UserAgent: string(h.UserAgent()),
		Source: sourceAddr(ctx.RemoteAddr()), Authorization: string(h.Peek("Authorization")), TLS: ctx.IsTLS(),
		IfNoneMatch: string(h.Peek("If-None-Match"))}
	if uri := ctx.RequestURI(); req.Authorization != "" && string(uri) != req.Path {
		req.RequestURI = string(uri) // what a digest response names
	}
	if req.TLS {
		if st := ctx.TLSConnectionState(); st != nil && len(st.VerifiedChains) > 0 && len(st.PeerCertificates) > 0 {
			req.CertMAC = certMAC(st.PeerCertificates[0])
			if req.CertMAC == "" {
				req.CertMAC = "-" // verified, but names no MAC: matches none
			}
		}
	}
	return req
}

// write answers an HTTP request with a decision.
func (p *Phones) write(ctx *fasthttp.RequestCtx, d *Decision) {
	switch d.Status {
	case http.StatusOK:
		if d.Firmware != nil {
			e := *d.Firmware
			serveStreamed(ctx, func(w http.ResponseWriter, r *http.Request) { p.fw.Serve(w, r, e) })
			return
		}
		writeFile(ctx, d)
	case http.StatusUnauthorized:
		for _, c := range d.Challenges {
			ctx.Response.Header.Add("WWW-Authenticate", c)
		}
		writeError(ctx, "401 unauthorized", http.StatusUnauthorized)
	case http.StatusTooManyRequests:
		ctx.Response.Header.Set("Retry-After", strconv.Itoa(int(p.throttle.cfg.BlockFor.Seconds())))
		writeError(ctx, "too many requests", http.StatusTooManyRequests)
	case http.StatusInternalServerError:
		if d.Outcome != "gone" {
			p.log.Error("rendering config", "mac", d.ID.MAC, "kind", d.ID.Kind, "err", d.Reason)
			writeError(ctx, "internal error", http.StatusInternalServerError)
		}
	default:
		writeNotFound(ctx)
	}
}

// count increments the fetch counter, keeping the labelled counters so the
// hot path does not hash its labels every time.
func (p *Phones) count(vendor, model, outcome string) {
	k := fetchKey{vendor, model, outcome}
	c, ok := p.counters.Load(k)
	if !ok {
		c, _ = p.counters.LoadOrStore(k, p.fetches.WithLabelValues(vendor, model, outcome))
	}
	c.(prometheus.Counter).Inc()
}

type fetchKey struct{ vendor, model, outcome string }

func metricModel(id ident.Identity) string {
	if id.Known {
		return id.Model
	}
	return "unknown"
}
