package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

type ctxT = context.Context

func (a *API) licenseRoutes(r chi.Router) {
	r.Get("/licenses", a.handle(a.listLicenses))
	r.Post("/licenses", a.handle(a.createLicense))
	r.Get("/licenses/{license_id}", a.handle(a.getLicense))
	r.Patch("/licenses/{license_id}", a.handle(a.patchLicense))
	r.Post("/licenses/{license_id}/remove", a.handle(a.licenseAction(a.store.RemoveLicense)))
	r.Post("/licenses/{license_id}/reinstate", a.handle(a.licenseAction(a.store.ReinstateLicense)))
}

func (a *API) listLicenses(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := devicedb.LicenseFilter{Type: q.Get("type"), Country: q.Get("country"), Status: q.Get("status"), ID: q.Get("id")}
	if asCSV, err := wantCSV(r); err != nil || asCSV {
		if err != nil {
			return err
		}
		return writeCSV(w, "licenses.csv", licenseCSVHeader, func(p devicedb.Page) ([]devicedb.License, string, error) {
			return a.store.ListLicenses(r.Context(), f, p)
		}, licenseCSVRow)
	}
	ls, next, err := a.store.ListLicenses(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, r, ls, next)
}

func (a *API) createLicense(w http.ResponseWriter, r *http.Request) error {
	var n devicedb.NewLicense
	if err := decode(w, r, &n); err != nil {
		return err
	}
	l, err := a.store.CreateLicense(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/licenses/"+l.ID)
	writeJSON(w, http.StatusCreated, l)
	return nil
}

func (a *API) getLicense(w http.ResponseWriter, r *http.Request) error {
	l, err := a.store.GetLicense(r.Context(), chi.URLParam(r, "license_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) patchLicense(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		ServiceAddress *string `json:"service_address"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.ServiceAddress == nil {
		return errorf(http.StatusUnprocessableEntity, "service_address is the only field a license takes, and it is missing")
	}
	l, err := a.store.SetServiceAddress(r.Context(), chi.URLParam(r, "license_id"), *body.ServiceAddress)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) licenseAction(fn func(context.Context, string) (devicedb.License, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		l, err := fn(r.Context(), chi.URLParam(r, "license_id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, l)
		return nil
	}
}
