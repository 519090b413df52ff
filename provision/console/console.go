package console

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/provision/jobs"
	"github.com/phoneprov/phoneprov/sip/srclimit"
)

//go:embed templates/*.html static/*
var assets embed.FS

// Config configures the console.
type Config struct {
	// Store is the database. Required.
	Store *devicedb.Store
	// Logger receives internal errors. Default: slog.Default().
	Logger *slog.Logger
	// Registrar lists registrations and sends re-syncs; nil: none shown.
	Registrar api.Registrar
	// Firmware holds the firmware targets the overview compares devices
	// with; nil: no device is below a target.
	Firmware *firmware.Store
	// Freeze renders the frozen config of unsupported devices at import;
	// nil: an export with unsupported devices is refused.
	Freeze devicedb.FreezeFunc
	// WelcomeLinkBase prefixes set-password links. Default: devicedb's.
	WelcomeLinkBase string
	// OnReplaced is called after a real replacement with both MACs.
	OnReplaced func(ctx context.Context, oldMAC, newMAC string)
	// ProvisionURL is the base URL phones fetch from, shown on the device
	// page with the device's credential. Default "http://localhost/".
	ProvisionURL string
	// SessionTTL is how long a sign-in lasts. Default: 12h.
	SessionTTL time.Duration
	// SignInBurst is how many sign-in attempts one source address may make
	// per SignInWindow. Default: 10.
	SignInBurst int
	// SignInWindow is the sign-in rate window. Default: 5m.
	SignInWindow time.Duration
	// MaxSources bounds the per-source sign-in counters. Default: 10000.
	MaxSources int
	// CSRFKey keys the HMAC deriving CSRF tokens from sessions. Default:
	// 32 random bytes (provision.New derives it from the store's secret
	// key, so that every node and a restarted one accept a form's token).
	CSRFKey []byte
	// Jobs runs what a page starts in the background (imports, bulk
	// re-syncs); the server stops it before closing the store. Default: a
	// group of its own, never stopped.
	Jobs *jobs.Group
}

func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.ProvisionURL == "" {
		c.ProvisionURL = "http://localhost/"
	}
	if c.Jobs == nil {
		c.Jobs = jobs.New()
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SignInBurst == 0 {
		c.SignInBurst = 10
	}
	if c.SignInWindow == 0 {
		c.SignInWindow = 5 * time.Minute
	}
	if c.MaxSources <= 0 {
		c.MaxSources = 10000
	}
	if len(c.CSRFKey) == 0 {
		c.CSRFKey = make([]byte, 32)
		rand.Read(c.CSRFKey)
	}
}

func (c *Config) validate() error {
	if c.Store == nil {
		return ErrNoStore
	}
	if c.SignInBurst < 0 || c.SignInWindow < 0 {
		return ErrBadLimit
	}
	return nil
}

// Console serves the admin pages.
type Console struct {
	cfg     Config
	store   *devicedb.Store
	log     *slog.Logger
	pages   map[string]*template.Template
	limiter *srclimit.Limiter
	// shareSignIn, on several nodes, tells the others of a sign-in attempt
	// before this node counts it; nil alone.
	shareSignIn func(netip.Addr)
	jobs        importJobs
	csrfKey     []byte
	tasks       tasks
}

// New checks the config and parses the embedded templates.
func New(cfg Config) (*Console, error) {
	cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	c := &Console{cfg: cfg, store: cfg.Store, log: cfg.Logger, pages: pages,
		limiter: newLimiter(cfg.SignInBurst, cfg.SignInWindow, cfg.MaxSources, nil), csrfKey: cfg.CSRFKey}
	if cfg.Store.Shared() {
		c.shareSignIn = shareSignIns(cfg.Store, c.limiter, c.log)
	}
	return c, nil
}

// shareSignIns makes the sign-in limit hold across the nodes on one
// database: every attempt counted on a node is told to the others (over
// the store's change feed), which count it too. It returns what tells
// them of one attempt.
func shareSignIns(s *devicedb.Store, l *srclimit.Limiter, log *slog.Logger) func(netip.Addr) {
	node := s.NodeID()
	s.Subscribe("signin", func(p string) {
		if from, src, _ := strings.Cut(p, " "); from != node {
			if a, err := netip.ParseAddr(src); err == nil {
				l.Over(a)
			}
		}
	})
	return func(src netip.Addr) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err := s.Broadcast(ctx, "signin", node+" "+src.String())
		if err == nil {
			// The attempts made on the other nodes before are counted
			// here before this one is.
			err = s.Sync(ctx)
		}
		if err != nil {
			log.Warn("sharing a sign-in attempt with the other nodes", "err", err)
		}
	}
}

// patterns are the paths the console serves, in chi's syntax; Paths and
// Patterns both read them.
var patterns = [...]string{"/", "/login", "/logout", "/set-password", "/ui", "/ui/*"}

// Patterns are the route patterns to mount the console's router on.
func Patterns() []string { return patterns[:] }

// Paths reports whether the console serves p: "/", "/login", "/logout",
// "/set-password" and everything under "/ui/". Phone config files never
// have these names.
func Paths(p string) bool {
	for _, pat := range patterns {
		if prefix, wild := strings.CutSuffix(pat, "*"); wild && len(p) > len(prefix) && strings.HasPrefix(p, prefix) || p == pat {
			return true
		}
	}
	return false
}

// Routes returns the console's router, to mount at "/".
func (c *Console) Routes() chi.Router {
	r := chi.NewRouter()
	r.Use(securityHeaders, c.maintenance, c.csrf)
	static, _ := fs.Sub(assets, "static")
	r.Handle("/ui/static/*", http.StripPrefix("/ui/static/", http.FileServer(http.FS(static))))
	r.Get("/login", c.handle(c.loginPage))
	r.Post("/login", c.handle(c.login))
	r.Post("/logout", c.handle(c.logout))
	r.Get("/set-password", c.handle(c.setPasswordPage))
	r.Post("/set-password", c.handle(c.setPassword))
	r.Group(func(r chi.Router) {
		r.Use(c.requireAdmin)
		r.Get("/", c.handle(c.overviewPage))
		r.Get("/ui", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusSeeOther) })
		c.deviceRoutes(r)
		c.userRoutes(r)
		c.licenseRoutes(r)
		c.importRoutes(r)
		c.replaceRoutes(r)
		c.featureRoutes(r)
		r.Get("/ui/audit", c.handle(c.auditPage))
		c.bulkRoutes(r)
		c.adminRoutes(r)
	})
	r.NotFound(c.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &pageError{status: http.StatusNotFound, msg: "no such page: " + r.URL.Path}
	}))
	return r
}

// securityHeaders keeps the pages out of frames and other origins.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.URL.Path != "/ui/static/style.css" && r.URL.Path != "/ui/static/app.js" {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// pageError is a refusal shown as a page with its status.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

// handle adapts a handler that returns an error: the error page is
// rendered here and only here.
func (c *Console) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			status, msg := errStatus(err), err.Error()
			if status == http.StatusInternalServerError {
				c.log.Error("console request failed", "method", r.Method, "path", r.URL.Path, "err", err)
				msg = "internal error; the server log has the details"
			}
			w.WriteHeader(status)
			c.render(w, r, "error", "Error", map[string]any{"Status": status, "Message": msg})
		}
	}
}

func errStatus(err error) int {
	var pe *pageError
	if errors.As(err, &pe) {
		return pe.status
	}
	if s := api.Status(err); s != http.StatusInternalServerError {
		return s
	}
	return http.StatusInternalServerError
}

// userMessage is the text shown to the admin for a failed action.
func userMessage(err error) string {
	var de *devicedb.Error
	var pe *pageError
	switch {
	case errors.As(err, &de):
		return de.Msg
	case errors.As(err, &pe):
		return pe.msg
	case errors.Is(err, devicedb.ErrDiskFull):
		return "the data directory is full: nothing was changed; free space on its file system and retry"
	}
	return "internal error; the server log has the details"
}
