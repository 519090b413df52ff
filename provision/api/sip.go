package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// Registrar is what the admin API asks the SIP registrar.
type Registrar interface {
	// Bindings lists live bindings; zero filters match all.
	Bindings(mac string, userID int64) []devicedb.Binding
	// Resync sends the re-sync NOTIFY with event to the device's bindings
	// and returns the per-binding results.
	Resync(ctx context.Context, mac, event string) ([]devicedb.NotifyResult, error)
	// ResyncState returns the last re-sync of a device and whether it was
	// confirmed by a config fetch.
	ResyncState(mac string) (devicedb.ResyncInfo, bool)
}

// RefusalReporter is an optional part of a Registrar: why the device's
// last REGISTER with correct credentials was refused (403).
type RefusalReporter interface {
	LastRefusal(mac string) (at time.Time, line int, reason string, ok bool)
}

func (a *API) sipRoutes(r chi.Router) {
	r.Get("/registrations", a.handle(a.listRegistrations))
	r.Post("/devices/{mac}/resync", a.handle(a.resync))
	r.Get("/devices/{mac}/resync", a.handle(a.resyncState))
}

func (a *API) registrations(mac string, userID int64) []devicedb.Binding {
	if a.reg == nil {
		return []devicedb.Binding{}
	}
	bs := a.reg.Bindings(mac, userID)
	if bs == nil {
		bs = []devicedb.Binding{}
	}
	return bs
}

func (a *API) listRegistrations(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var mac string
	if m := q.Get("mac"); m != "" {
		n, err := devicedb.NormalizeMAC(m)
		if err != nil {
			return err
		}
		mac = n
	}
	var uid int64
	if v := q.Get("user_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			return errorf(http.StatusBadRequest, "user_id %q: not a user id", v)
		}
		uid = id
	}
	writeJSON(w, http.StatusOK, a.registrations(mac, uid))
	return nil
}

// resync answers 202 at once and sends the NOTIFY in the background; GET
// on the same path shows the results and the confirming fetch.
func (a *API) resync(w http.ResponseWriter, r *http.Request) error {
	if a.reg == nil {
		return errorf(http.StatusNotFound, "the SIP registrar is off")
	}
	d, err := a.store.GetDevice(r.Context(), chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	m, _ := a.store.Catalog().Lookup(d.Model)
	bs := a.registrations(d.MAC, 0)
	if len(bs) == 0 {
		return errorf(http.StatusConflict, "device %s is not registered: there is no contact to send the NOTIFY to", d.MAC)
	}
	if err := a.store.RecordResyncRequest(r.Context(), d.MAC, m.ResyncEvent); err != nil {
		return err
	}
	a.jobs.GoFrom(r.Context(), func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if _, err := a.reg.Resync(ctx, d.MAC, m.ResyncEvent); err != nil {
			a.log.Warn("re-sync", "mac", d.MAC, "err", err)
		}
	})
	writeJSON(w, http.StatusAccepted, map[string]any{"mac": d.MAC, "event": m.ResyncEvent, "bindings": len(bs),
		"status": "/api/v1/devices/" + d.MAC + "/resync"})
	return nil
}

func (a *API) resyncState(w http.ResponseWriter, r *http.Request) error {
	if a.reg == nil {
		return errorf(http.StatusNotFound, "the SIP registrar is off")
	}
	mac, err := devicedb.NormalizeMAC(chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	st, ok := a.reg.ResyncState(mac)
	if !ok {
		return errorf(http.StatusNotFound, "no re-sync was sent to %s in the last 24 hours", mac)
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

// deviceView is a device with its live registrations and the last
// REGISTER refused despite correct credentials.
type deviceView struct {
	*devicedb.Device
	Registrations []devicedb.Binding `json:"registrations"`
	LastRefusal   *refusalView       `json:"last_refusal,omitempty"`
}

type refusalView struct {
	At     time.Time `json:"at"`
	Line   int       `json:"line"`
	Reason string    `json:"reason"`
}
