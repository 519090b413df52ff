package provision

import (
	"context"
	"errors"
	"io"
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
	"github.com/phoneprov/phoneprov/sip/sipauth"
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
	auth     *sipauth.Authenticator
	fw       *firmware.Store
	servedMu sync.Mutex
	served   map[string]served // by MAC: the per-device file it last fetched
	fetches  *prometheus.CounterVec
	counters sync.Map // "vendor|model|outcome" -> prometheus.Counter
	admit    *admission
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
	p := &Phones{admit: newAdmission(cfg.MaxInFlight, cfg.QueueWait), store: cfg.Store, render: cfg.Renderer, id: ident.New(cfg.Store.Catalog()), set: cfg.Settings,
		allow: cfg.Allow, onFetch: cfg.OnFetch, fw: cfg.Firmware, log: cfg.Logger, now: cfg.Now, cache: newConfigCache(cacheEntries, cacheBytes), served: make(map[string]served),
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
	p.throttle = newThrottle(cfg.Throttle, throttled.Inc)
	var err error
	if len(cfg.DigestAlgorithms) == 0 {
		cfg.DigestAlgorithms = []string{sipauth.MD5}
	}
	if p.auth, err = sipauth.New(sipauth.Config{Realm: cfg.Settings.Domain, Now: cfg.Now, Algorithms: cfg.DigestAlgorithms}); err != nil {
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

// ServeHTTP answers a phone's request for a file.
func (p *Phones) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	now := p.now()
	src := clientAddr(r)
	if !p.allowed(src) {
		writeNotFound(w)
		return
	}
	if p.throttle.blocked(src, now) {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.throttle.cfg.BlockFor.Seconds())))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	if !p.admit.enter(r.Context()) {
		busy(w)
		p.count("", "", "busy")
		return
	}
	defer p.admit.leave()
	ua := r.UserAgent()
	id := p.id.Identify(ua, r.URL.Path)
	outcome := p.serve(w, r, &id, src, now)
	p.count(id.Vendor, metricModel(id), outcome)
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

// serve answers one identified request and returns the outcome for metrics.
func (p *Phones) serve(w http.ResponseWriter, r *http.Request, id *ident.Identity, src netip.Addr, now time.Time) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPut:
		return p.upload(w, r, id, src, now)
	default:
		writeNotFound(w)
		return "method"
	}
	switch id.Kind {
	case ident.KindCommon, ident.KindBoot, ident.KindMaster:
		if id.MAC == "" {
			return p.serveShared(w, r, id)
		}
	case ident.KindDevice, ident.KindPhoneConfig:
	case ident.KindFirmware:
		return p.serveFirmware(w, r, id)
	default:
		writeNotFound(w)
		return "unknown_file"
	}
	if id.MAC == "" || id.MACMismatch || !certMACMatches(r, id.MAC) {
		p.refuse(w, id, src, now)
		return "refused"
	}
	e, err := p.config(r, id)
	if errors.Is(err, errFileNotServed) {
		writeNotFound(w)
		return "not_served"
	}
	if err != nil {
		if !errors.Is(err, errNotServed) {
			if r.Context().Err() != nil {
				return "gone" // the phone hung up while its file was read
			}
			p.log.Error("rendering config", "mac", id.MAC, "kind", id.Kind, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return "error"
		}
		p.refuse(w, id, src, now)
		return "refused"
	}
	if !p.deviceAuth(w, r, e, src) {
		return "unauthorized"
	}
	p.writeConfig(w, r, e)
	p.noteServed(id, r.URL.Path, e.etag)
	p.rec.fetch(id.MAC, fetchNote{at: now, ip: src, file: id.File, status: http.StatusOK, ua: r.UserAgent(), firmware: id.Firmware})
	if p.onFetch != nil {
		p.onFetch(id.MAC, now)
	}
	if e.frozen {
		return "frozen"
	}
	return "ok"
}

// serveFirmware answers a firmware image request: the model comes from the
// User-Agent or the file name. Firmware is not secret, so a known device is
// not required, but an unknown file gets the uniform 404.
func (p *Phones) serveFirmware(w http.ResponseWriter, r *http.Request, id *ident.Identity) string {
	if p.fw == nil || !id.Known {
		writeNotFound(w)
		return "unknown_file"
	}
	e, ok := p.fw.ByFilename(id.Model, id.File)
	if !ok {
		writeNotFound(w)
		return "unknown_file"
	}
	p.fw.Serve(w, r, e)
	return "firmware"
}

// refuse answers the uniform 404, records the sighting of an unknown device
// and counts the MAC against its source.
func (p *Phones) refuse(w http.ResponseWriter, id *ident.Identity, src netip.Addr, now time.Time) {
	mac := id.MAC
	if mac == "" {
		mac = id.File
	}
	if p.throttle.cfg.OnUnknown != nil {
		p.throttle.cfg.OnUnknown(src, mac)
	}
	if p.throttle.unknown(src, mac, now) {
		w.Header().Set("Retry-After", strconv.Itoa(int(p.throttle.cfg.BlockFor.Seconds())))
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	}
	if id.MAC != "" && id.Vendor != "" {
		p.rec.sighting(devicedb.Sighting{MAC: id.MAC, Vendor: id.Vendor, Model: id.Model, Firmware: id.Firmware,
			UserAgent: "", SourceIP: src.String(), At: now})
	}
	writeNotFound(w)
}

// upload takes a file a known phone PUTs (Poly logs and override files).
func (p *Phones) upload(w http.ResponseWriter, r *http.Request, id *ident.Identity, src netip.Addr, now time.Time) string {
	if id.Kind != ident.KindUpload || id.MAC == "" || id.MACMismatch || !certMACMatches(r, id.MAC) {
		p.refuse(w, id, src, now)
		return "refused"
	}
	d, err := p.store.DeviceConfig(r.Context(), id.MAC)
	if err != nil || d.Status == devicedb.DeviceRetired || (id.Known && id.Model != d.Model) {
		p.refuse(w, id, src, now)
		return "refused"
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, devicedb.MaxUpload))
	if err != nil {
		http.Error(w, "upload over 1 MiB", http.StatusRequestEntityTooLarge)
		return "upload_too_big"
	}
	if err := p.store.SaveUpload(r.Context(), id.MAC, id.File, body); err != nil {
		p.log.Error("saving upload", "mac", id.MAC, "file", id.File, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return "error"
	}
	w.WriteHeader(http.StatusNoContent)
	return "upload"
}
