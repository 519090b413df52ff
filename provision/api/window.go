package api

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// windowBody is the answer to every admin request during the upgrade
// window.
type windowBody struct {
	Error       string    `json:"error"`
	ImportID    int64     `json:"import_id,omitempty"`
	ExpectedEnd time.Time `json:"expected_end"`
}

// RetryAfter is the Retry-After value (seconds, at least 1) for a window
// expected to end at until.
func RetryAfter(until, now time.Time) string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(until.Sub(now).Seconds()))))
}

// window answers 503 with Retry-After to every admin request, reads and
// writes, while a Classic import runs (the FAQ: the admin portal is
// inaccessible during the upgrade). The exceptions, for monitoring: the
// import's own progress (GET /imports/{id}) and the OpenAPI document;
// /healthz and /metrics are outside the API. Phones are not concerned.
func (a *API) window(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, open := a.store.RunningImport()
		if !open || windowException(r) {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Retry-After", RetryAfter(p.ExpectedEnd, time.Now()))
		msg := "an upgrade (Classic import) is in progress: the admin API and console are unavailable until about " +
			p.ExpectedEnd.Format(time.RFC3339) + "; phones keep working; retry after that"
		if p.ID != 0 {
			msg += "; GET /api/v1/imports/" + strconv.FormatInt(p.ID, 10) + " follows its progress"
		}
		writeJSON(w, http.StatusServiceUnavailable, windowBody{Error: msg, ImportID: p.ID, ExpectedEnd: p.ExpectedEnd})
	})
}

func windowException(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := strings.TrimPrefix(r.URL.Path, "/api/v1")
	if p == "/openapi.json" {
		return true
	}
	id, ok := strings.CutPrefix(p, "/imports/")
	_, err := strconv.ParseInt(id, 10, 64)
	return ok && err == nil
}

// scheduleImport stores the export to run at ?at= (RFC 3339).
func (a *API) scheduleImport(w http.ResponseWriter, r *http.Request, at string) error {
	t, err := time.Parse(time.RFC3339, at)
	if err != nil {
		return errorf(http.StatusBadRequest, "at %q: use an RFC 3339 time such as 2026-05-10T22:00:00Z", at)
	}
	exp, err := readImportBody(w, r)
	if err != nil {
		return err
	}
	si, err := a.store.ScheduleImport(r.Context(), exp, t)
	if err != nil {
		return a.importErr(w, err)
	}
	w.Header().Set("Location", "/api/v1/imports/scheduled/"+strconv.FormatInt(si.ID, 10))
	writeJSON(w, http.StatusCreated, si)
	return nil
}

func (a *API) listScheduledImports(w http.ResponseWriter, r *http.Request) error {
	list, err := a.store.ListScheduledImports(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

func scheduledID(r *http.Request) (int64, error) {
	v := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, errorf(http.StatusNotFound, "scheduled import %q: not a scheduled import id (a positive whole number)", v)
	}
	return id, nil
}

func (a *API) getScheduledImport(w http.ResponseWriter, r *http.Request) error {
	id, err := scheduledID(r)
	if err != nil {
		return err
	}
	si, err := a.store.GetScheduledImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, si)
	return nil
}

func (a *API) cancelScheduledImport(w http.ResponseWriter, r *http.Request) error {
	id, err := scheduledID(r)
	if err != nil {
		return err
	}
	si, err := a.store.CancelScheduledImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, si)
	return nil
}

// runningImport answers GET /imports/{id} for the import in progress.
func (a *API) runningImport(w http.ResponseWriter, id int64) bool {
	p, ok := a.store.RunningImport()
	if !ok || p.ID != id {
		return false
	}
	w.Header().Set("Retry-After", RetryAfter(p.ExpectedEnd, time.Now()))
	writeJSON(w, http.StatusOK, p)
	return true
}

// importErr answers an *ImportError with every problem; other errors go
// to the mapper.
func (a *API) importErr(w http.ResponseWriter, err error) error {
	var ie *devicedb.ImportError
	if errors.As(err, &ie) {
		writeJSON(w, Status(err), importErrorBody{Error: ie.Error(), Problems: ie.Problems})
		return nil
	}
	return err
}
