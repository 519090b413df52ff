package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"
)

func (a *API) identifyRequest(w http.ResponseWriter, r *http.Request) error {
	if a.identify == nil {
		return errorf(http.StatusNotFound, "the config server is off")
	}
	q := r.URL.Query()
	if q.Get("path") == "" {
		return errorf(http.StatusUnprocessableEntity, "path is required, e.g. ?path=/0004f2a1b2c3.cfg&user_agent=...")
	}
	v, err := a.identify(r.Context(), q.Get("user_agent"), q.Get("path"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) listPending(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ds, next, err := a.store.ListPending(r.Context(), p)
	if err != nil {
		return err
	}
	return writeList(w, r, ds, next)
}

// listUploads lists the files a device sent; ?name= returns one file's
// content.
func (a *API) listUploads(w http.ResponseWriter, r *http.Request) error {
	d, err := a.store.GetDevice(r.Context(), chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	name := r.URL.Query().Get("name")
	us, err := a.store.Uploads(r.Context(), d.MAC, name)
	if err != nil {
		return err
	}
	if name == "" {
		writeJSON(w, http.StatusOK, us)
		return nil
	}
	if len(us) == 0 {
		return errorf(http.StatusNotFound, "device %s sent no file %q", d.MAC, name)
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.Itoa(len(us[0].Body)))
	w.Write(us[0].Body)
	return nil
}

func (a *API) recentFetches(w http.ResponseWriter, r *http.Request) error {
	d, err := a.store.GetDevice(r.Context(), chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	fs, err := a.store.RecentFetches(r.Context(), d.MAC, 50)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, fs)
	return nil
}

func (a *API) setHTTPAuth(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Enabled bool `json:"enabled"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	d, err := a.store.SetDeviceHTTPCredentials(r.Context(), chi.URLParam(r, "mac"), body.Enabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}
