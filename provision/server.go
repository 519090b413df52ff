package provision

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/provision/console"
	"github.com/phoneprov/phoneprov/provision/jobs"
)

// Config configures the HTTP handler.
type Config struct {
	// Store is the database. Required.
	Store *devicedb.Store
	// AdminToken is the API bearer token. Required.
	AdminToken string
	// Logger is the access and error log. Default: slog.Default().
	Logger *slog.Logger
	// Registry receives the HTTP metrics and is served at /metrics.
	// Default: a new registry.
	Registry *prometheus.Registry
	// Phones serves the phone-facing config routes; nil: none.
	Phones *Phones
	// CACert is the local CA certificate (PEM) served at /ca.crt for
	// phones and admins to trust; nil: not served.
	CACert []byte
	// API carries the admin API's optional hooks (Store, Token and Logger
	// are taken from this Config).
	API api.Config
	// Console tunes the admin console served at / and /ui/ (Store, Logger
	// and the upgrade hooks are taken from this Config and API).
	Console console.Config
	// AdminHTTPSOnly answers the console and admin API with 403 over plain
	// HTTP (--admin-https-only). Default false.
	AdminHTTPSOnly bool
	// Jobs runs the background work requests start (re-sync NOTIFYs,
	// console imports and bulk actions); the caller stops it before
	// closing the store. Default: API.Jobs, else a group of its own.
	Jobs *jobs.Group
}

// Server is the HTTP handler shared by the HTTP and HTTPS listeners.
type Server struct {
	router chi.Router
	admin  fasthttp.RequestHandler // router, through the net/http adaptor
	phones *Phones
	// phoneReqs counts phone-route requests by status class, looked up
	// once: the phone route is the hot path and skips the router.
	phoneReqs [6]prometheus.Counter
	ready     atomic.Bool
	reqs      *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	log       *slog.Logger
}

// New builds the handler. It answers /healthz with 503 until SetReady.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("provision: no store")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Registry == nil {
		cfg.Registry = prometheus.NewRegistry()
	}
	ac := cfg.API
	ac.Store, ac.Token, ac.Logger = cfg.Store, cfg.AdminToken, cfg.Logger
	if cfg.Jobs == nil {
		cfg.Jobs = ac.Jobs
	}
	if cfg.Jobs == nil {
		cfg.Jobs = jobs.New()
	}
	ac.Jobs = cfg.Jobs
	if cfg.Phones != nil && ac.Identify == nil {
		ac.Identify = cfg.Phones.Explain
	}
	a, err := api.New(ac)
	if err != nil {
		return nil, err
	}
	s := &Server{log: cfg.Logger,
		reqs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "phoneprov_http_requests_total",
			Help: "HTTP requests by route pattern, method and status."}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "phoneprov_http_request_duration_seconds",
			Help: "HTTP request latency by route pattern.", Buckets: prometheus.ExponentialBuckets(0.0001, 4, 9)}, []string{"route"}),
	}
	if err := registerAll(cfg.Registry, s.reqs, s.latency); err != nil {
		return nil, err
	}
	r := chi.NewRouter()
	r.Use(middleware.Recoverer, s.instrument)
	if cfg.AdminHTTPSOnly {
		r.Use(adminHTTPSOnly)
	}
	r.Get("/healthz", s.healthz)
	r.Handle("/metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	r.Mount("/api/v1", a.Routes())
	cc := cfg.Console
	cc.Store, cc.Logger, cc.Registrar, cc.Freeze = cfg.Store, cfg.Logger, ac.Registrar, ac.Freeze
	cc.WelcomeLinkBase, cc.OnReplaced = ac.WelcomeLinkBase, ac.OnReplaced
	if cc.ProvisionURL == "" {
		cc.ProvisionURL = ac.ProvisionURL
	}
	cc.Firmware, cc.Jobs = ac.Firmware, cfg.Jobs
	if len(cc.CSRFKey) == 0 {
		// From the secret key every node shares: a form from one node's
		// page is good on another, and across a restart.
		cc.CSRFKey = cfg.Store.DerivedKey("console csrf")
	}
	con, err := console.New(cc)
	if err != nil {
		return nil, err
	}
	ch := con.Routes()
	for _, p := range console.Patterns() {
		r.Handle(p, ch)
	}
	if cfg.CACert != nil {
		r.Get("/ca.crt", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-x509-ca-cert")
			w.Write(cfg.CACert)
		})
	}
	if cfg.Phones != nil {
		s.phones = cfg.Phones
		for i := range s.phoneReqs {
			s.phoneReqs[i] = s.reqs.WithLabelValues("/*", "phone", strconv.Itoa(i)+"xx")
		}
	}
	s.router = r
	s.admin = fasthttpadaptor.NewFastHTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.ServeHTTP(w, detached(req))
	}))
	return s, nil
}

func registerAll(reg *prometheus.Registry, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// SetReady makes /healthz answer 200: the database is open and every
// listener is up.
func (s *Server) SetReady(ok bool) { s.ready.Store(ok) }

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if !s.ready.Load() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"starting"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// isPhonePath reports whether a path is for the config routes: any path
// outside /api/, /healthz, /metrics, /ca.crt and the console's.
func isPhonePath(p string) bool {
	switch {
	case strings.HasPrefix(p, "/api/"), p == "/api", p == "/healthz", p == "/metrics", p == "/ca.crt", console.Paths(p):
		return false
	}
	return true
}

// instrument counts requests by route pattern (never by MAC or IP).
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		route := "unmatched"
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
			route = rc.RoutePattern()
		}
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		s.reqs.WithLabelValues(route, methodLabel(r.Method), statusLabel(status)).Inc()
		s.latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// methodLabel keeps the method label to a bounded set: made-up methods
// are "other".
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// statusLabel keeps the status label to real HTTP statuses.
func statusLabel(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return strconv.Itoa(code)
}
