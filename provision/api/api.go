// Package api is phoneprov's admin REST API (/api/v1): users, extensions,
// phone numbers, licenses, devices and lines, the model catalog and the
// audit log, over the devicedb store.
package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/jobs"
)

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// Config configures the API.
type Config struct {
	// Store is the database. Required.
	Store *devicedb.Store
	// Token is the admin bearer token. Required.
	Token string
	// Logger receives one line per failed request. Default: slog.Default().
	Logger *slog.Logger
	// Identify explains what the config server makes of a User-Agent and
	// a path (GET /identify). Optional: without it the route answers 404.
	Identify func(ctx context.Context, userAgent, path string) (*Explanation, error)
	// Firmware is the firmware store; nil: the firmware routes answer 404.
	Firmware *firmware.Store
	// Registrar is the SIP registrar; nil: no registrations, no re-sync.
	Registrar Registrar
	// Freeze renders the frozen config of an unsupported device during a
	// Classic import (provision.Phones.Freeze). nil: an export with
	// unsupported devices is refused.
	Freeze devicedb.FreezeFunc
	// WelcomeLinkBase prefixes the set-password links of welcome messages
	// (the token is appended). Default: devicedb.DefaultWelcomeLinkBase.
	WelcomeLinkBase string
	// ProvisionURL is the base URL phones fetch their files from
	// ("https://host:port/"), shown with each device's credential by
	// GET /devices/{mac}/provisioning. Default "http://localhost/".
	ProvisionURL string
	// OnReplaced, when set, is called after a device replacement (not a
	// dry run) with both MACs: drop the old device's bindings, NOTIFY both.
	OnReplaced func(ctx context.Context, oldMAC, newMAC string)
	// Jobs runs what a request starts in the background (re-sync
	// NOTIFYs); the server stops it before closing the store. Default: a
	// group of its own, never stopped.
	Jobs *jobs.Group
}

// API serves /api/v1.
type API struct {
	store    *devicedb.Store
	token    []byte
	log      *slog.Logger
	identify func(context.Context, string, string) (*Explanation, error)
	fw       *firmware.Store
	reg      Registrar
	upgrade  upgradeHooks
	provURL  string
	jobs     *jobs.Group
}

// New checks the config and returns the API.
func New(cfg Config) (*API, error) {
	if cfg.Store == nil {
		return nil, errors.New("api: no store")
	}
	if len(cfg.Token) < 16 {
		return nil, errors.New("api: admin token shorter than 16 characters")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ProvisionURL == "" {
		cfg.ProvisionURL = "http://localhost/"
	}
	if cfg.Jobs == nil {
		cfg.Jobs = jobs.New()
	}
	return &API{jobs: cfg.Jobs, provURL: cfg.ProvisionURL, store: cfg.Store, token: []byte(cfg.Token), log: cfg.Logger, identify: cfg.Identify, fw: cfg.Firmware, reg: cfg.Registrar,
		upgrade: upgradeHooks{freeze: cfg.Freeze, linkBase: cfg.WelcomeLinkBase, onReplaced: cfg.OnReplaced}}, nil
}

// Routes returns the router to mount at /api/v1.
func (a *API) Routes() chi.Router {
	r := chi.NewRouter()
	r.Use(a.authenticate, a.window)
	r.NotFound(a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusNotFound, "no such route %s %s; GET /api/v1/openapi.json lists them", r.Method, r.URL.Path)
	}))
	r.MethodNotAllowed(a.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errorf(http.StatusMethodNotAllowed, "method %s not allowed on %s", r.Method, r.URL.Path)
	}))
	r.Get("/openapi.json", a.handle(a.openAPI))
	a.userRoutes(r)
	a.licenseRoutes(r)
	a.deviceRoutes(r)
	r.Get("/models", a.handle(a.listModels))
	r.Get("/extensions", a.handle(a.listExtensions))
	r.Get("/audit", a.handle(a.listAudit))
	r.Get("/identify", a.handle(a.identifyRequest))
	r.Get("/overview", a.handle(a.overview))
	r.Get("/fetches", a.handle(a.listFetches))
	a.adminRoutes(r)
	a.firmwareRoutes(r)
	a.sipRoutes(r)
	a.upgradeRoutes(r)
	a.featureRoutes(r)
	return r
}

// authenticate checks the bearer token in constant time. The OpenAPI
// document is documentation and is served without one.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePath != "" {
			path = rc.RoutePath // below the mount point
		}
		if r.Method == http.MethodGet && path == "/openapi.json" {
			next.ServeHTTP(w, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), a.token) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="phoneprov"`)
			writeJSON(w, http.StatusUnauthorized, errorBody{"missing or wrong bearer token: send Authorization: Bearer <token from DATA/admin.token>"})
			return
		}
		next.ServeHTTP(w, r.WithContext(devicedb.WithActor(r.Context(), "admin-token")))
	})
}

// httpError is an API-level refusal with its status.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, a ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, a...)}
}

type errorBody struct {
	Error string `json:"error"`
}

// handle adapts a handler that returns an error; the error is turned into
// the response here and only here.
func (a *API) handle(fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	err = devicedb.DiskFull(err)
	status, msg := Status(err), err.Error()
	if status == http.StatusInternalServerError || status == http.StatusInsufficientStorage {
		a.log.Error("api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusInternalServerError {
		msg = "internal error; the server log has the details"
	}
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "60")
	}
	writeJSON(w, status, errorBody{msg})
}

// Status maps an error to its HTTP status.
func Status(err error) int {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.status
	case errors.Is(err, devicedb.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, devicedb.ErrInvalid):
		return http.StatusUnprocessableEntity
	case errors.Is(err, devicedb.ErrConflict):
		return http.StatusConflict
	case errors.Is(err, devicedb.ErrUnavailable):
		return http.StatusServiceUnavailable
	case errors.Is(err, devicedb.ErrDiskFull):
		return http.StatusInsufficientStorage
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"internal error: encoding the response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decode reads a JSON body into v: at most MaxBody bytes, no unknown
// fields, one value.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return errorf(http.StatusRequestEntityTooLarge, "request body over %d bytes", MaxBody)
		case errors.Is(err, io.EOF):
			return errorf(http.StatusBadRequest, "empty body: send a JSON object")
		case errors.As(err, &syn):
			return errorf(http.StatusBadRequest, "malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return errorf(http.StatusBadRequest, "field %q must be a %s, not a JSON %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errorf(http.StatusBadRequest, "%s; see GET /api/v1/openapi.json for the fields", strings.TrimPrefix(err.Error(), "json: "))
		}
		return errorf(http.StatusBadRequest, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, "request body over %d bytes", MaxBody)
		}
		return errorf(http.StatusBadRequest, "malformed JSON: more than one value in the body")
	}
	return nil
}

// page reads limit and cursor from the query.
func page(r *http.Request) (devicedb.Page, error) {
	p := devicedb.Page{Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 1000 {
			return p, errorf(http.StatusBadRequest, "limit %q: use a whole number from 1 to 1000", l)
		}
		p.Limit = n
	}
	return p, nil
}

// writeList answers a list as a JSON array; the next page's cursor goes in
// the X-Next-Cursor and Link headers.
func writeList(w http.ResponseWriter, r *http.Request, items any, next string) error {
	if next != "" {
		q := r.URL.Query()
		q.Set("cursor", next)
		u := url.URL{Path: r.URL.Path, RawQuery: q.Encode()}
		w.Header().Set("X-Next-Cursor", next)
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", u.String()))
	}
	writeJSON(w, http.StatusOK, items)
	return nil
}

func pathID(r *http.Request, name string) (int64, error) {
	v := chi.URLParam(r, name)
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, errorf(http.StatusNotFound, "%s %q: not a user id (a positive whole number)", name, v)
	}
	return id, nil
}
