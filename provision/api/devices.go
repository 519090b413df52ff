package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

func (a *API) deviceRoutes(r chi.Router) {
	r.Get("/devices", a.handle(a.listDevices))
	r.Post("/devices", a.handle(a.createDevice))
	r.Get("/devices/pending", a.handle(a.listPending))
	r.Get("/devices/{mac}", a.handle(a.getDevice))
	r.Get("/devices/{mac}/uploads", a.handle(a.listUploads))
	r.Get("/devices/{mac}/fetches", a.handle(a.recentFetches))
	r.Put("/devices/{mac}/http-auth", a.handle(a.setHTTPAuth))
	r.Get("/devices/{mac}/provisioning", a.handle(a.getProvisioning))
	r.Post("/devices/{mac}/provisioning/rotate", a.handle(a.rotateProvisioning))
	r.Post("/devices/{mac}/enrollment", a.handle(a.createEnrollment))
	r.Delete("/devices/{mac}", a.handle(a.deleteDevice))
	r.Put("/devices/{mac}/lines/{n}", a.handle(a.setLine))
	r.Delete("/devices/{mac}/lines/{n}", a.handle(a.clearLine))
	r.Post("/devices/{mac}/lines/{n}/rotate", a.handle(a.rotateLine))
}

func (a *API) listDevices(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := devicedb.DeviceFilter{Status: q.Get("status"), Vendor: q.Get("vendor"), Model: q.Get("model"), Query: q.Get("q")}
	if v := q.Get("user_id"); v != "" {
		if f.UserID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errorf(http.StatusBadRequest, "user_id %q: not a user id", v)
		}
	}
	switch v := q.Get("below_target"); v {
	case "", "false":
	case "true":
		below := BelowTarget(a.fw)
		f.Keep = func(d *devicedb.Device) bool { return below(d.Model, d.Firmware) }
	default:
		return errorf(http.StatusBadRequest, "below_target %q: use true or false", v)
	}
	if asCSV, err := wantCSV(r); err != nil || asCSV {
		if err != nil {
			return err
		}
		return writeCSV(w, "devices.csv", DeviceCSVHeader(), func(p devicedb.Page) ([]devicedb.Device, string, error) {
			return a.store.ListDevices(r.Context(), f, p)
		}, DeviceCSVRow)
	}
	ds, next, err := a.store.ListDevices(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, r, ds, next)
}

func (a *API) createDevice(w http.ResponseWriter, r *http.Request) error {
	var n devicedb.NewDevice
	if err := decode(w, r, &n); err != nil {
		return err
	}
	d, err := a.store.CreateDevice(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/devices/"+d.MAC)
	writeJSON(w, http.StatusCreated, d)
	return nil
}

func (a *API) getDevice(w http.ResponseWriter, r *http.Request) error {
	d, err := a.store.GetDevice(r.Context(), chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	v := deviceView{Device: d, Registrations: a.registrations(d.MAC, 0)}
	if rr, ok := a.reg.(RefusalReporter); ok {
		if at, line, why, ok := rr.LastRefusal(d.MAC); ok {
			v.LastRefusal = &refusalView{At: at, Line: line, Reason: why}
		}
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) deleteDevice(w http.ResponseWriter, r *http.Request) error {
	if err := a.store.DeleteDevice(r.Context(), chi.URLParam(r, "mac")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func lineNumber(r *http.Request) (int, error) {
	v := chi.URLParam(r, "n")
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errorf(http.StatusNotFound, "line %q: not a line number", v)
	}
	return n, nil
}

func (a *API) setLine(w http.ResponseWriter, r *http.Request) error {
	n, err := lineNumber(r)
	if err != nil {
		return err
	}
	var body struct {
		UserID int64 `json:"user_id"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.UserID == 0 {
		return errorf(http.StatusUnprocessableEntity, "user_id is required")
	}
	d, err := a.store.SetLine(r.Context(), chi.URLParam(r, "mac"), n, body.UserID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) rotateLine(w http.ResponseWriter, r *http.Request) error {
	n, err := lineNumber(r)
	if err != nil {
		return err
	}
	d, err := a.store.RotateLine(r.Context(), chi.URLParam(r, "mac"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) clearLine(w http.ResponseWriter, r *http.Request) error {
	n, err := lineNumber(r)
	if err != nil {
		return err
	}
	d, err := a.store.ClearLine(r.Context(), chi.URLParam(r, "mac"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

func (a *API) listModels(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	out := []templates.Model{}
	for _, m := range a.store.Catalog().Models() {
		if v := q.Get("vendor"); v != "" && !equalFold(v, m.Vendor) {
			continue
		}
		if v := q.Get("supported"); v != "" && v != strconv.FormatBool(m.Supported) {
			continue
		}
		out = append(out, m)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) listExtensions(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	es, next, err := a.store.ListExtensions(r.Context(), p)
	if err != nil {
		return err
	}
	return writeList(w, r, es, next)
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	es, next, err := a.store.ListAudit(r.Context(), devicedb.AuditFilter{Entity: q.Get("entity"), EntityID: q.Get("entity_id"), Actor: q.Get("actor")}, p)
	if err != nil {
		return err
	}
	return writeList(w, r, es, next)
}

func equalFold(a, b string) bool { return templates.Key(a) == templates.Key(b) }
