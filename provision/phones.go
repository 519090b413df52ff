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

func writeNotFound(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(notFoundBody)))
	w.WriteHeader(http.StatusNotFound)
	w.Write(notFoundBody)
}

func clientAddr(r *http.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		a, _ := netip.ParseAddr(host)
		return a.Unmap()
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

// ServeHTTP answers a phone's request for a file. Uploads (PUT) are read
// outside the admission slots, under their own limits.
func (p *Phones) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPut {
		p.upload(w, r)
		return
	}
	if !p.admit.enter(r.Context()) {
		busy(w)
		p.count("", "", "busy")
		return
	}
	defer p.admit.leave()
	d := p.Answer(r.Context(), phoneRequest(r))
	p.write(w, r, &d)
	d.release()
	p.count(d.ID.Vendor, metricModel(d.ID), d.Outcome)
}

// phoneRequest takes from an HTTP request what the decision needs.
func phoneRequest(r *http.Request) PhoneRequest {
	req := PhoneRequest{Method: r.Method, Path: r.URL.Path, RequestURI: r.URL.RequestURI(), UserAgent: r.UserAgent(),
		Source: clientAddr(r), Authorization: r.Header.Get("Authorization"), TLS: r.TLS != nil,
		IfNoneMatch: r.Header.Get("If-None-Match")}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.PeerCertificates) > 0 {
		req.CertMAC = certMAC(r.TLS.PeerCertificates[0])
		if req.CertMAC == "" {
			req.CertMAC = "-" // verified, but names no MAC: matches none
		}
	}
	return req
}

// write answers an HTTP request with a decision.
func (p *Phones) write(w http.ResponseWriter, r *http.Request, d *Decision) {
	switch d.Status {
	case http.StatusOK:
		if d.Firmware != nil {
			p.fw.Serve(w, r, *d.Firmware)
			return
		}
		writeFile(w, r, d)
	case http.StatusUnauthorized:
		for _, c := range d.Challenges {
			w.Header().Add("WWW-Authenticate", c)
		}
		http.Error(w, "401 unauthorized", http.StatusUnauthorized)
	case http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(int(p.throttle.cfg.BlockFor.Seconds())))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
	case http.StatusInternalServerError:
		if d.Outcome != "gone" {
			p.log.Error("rendering config", "mac", d.ID.MAC, "kind", d.ID.Kind, "err", d.Reason)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	default:
		writeNotFound(w)
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
