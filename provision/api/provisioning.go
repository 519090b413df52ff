package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/ident"
)

// Explanation is what the config server makes of a request, for admins
// troubleshooting a phone (GET /identify): the identification, and whether and why the
// request would be served.
type Explanation struct {
	ident.Identity
	// Device is true when a device with the MAC is in the database.
	Device bool `json:"device"`
	// Served is true when the request would get a file once it presents
	// what --device-auth asks besides the User-Agent (the device's own
	// credential by default); a request without the vendor's User-Agent,
	// or for another model's file, is never served.
	Served bool `json:"served"`
	// Status is the HTTP status the request gets exactly as given (without
	// a credential): 401 when the device's credential is asked for.
	Status int `json:"status"`
	// Reason says why a request is not served.
	Reason string `json:"reason,omitempty"`
}

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

// getProvisioning shows what to hand a device: its provisioning URL with
// its credential, the DHCP option 66 value, its web-UI password and its
// enrollment URL.
func (a *API) getProvisioning(w http.ResponseWriter, r *http.Request) error {
	p, err := a.store.DeviceProvisioning(r.Context(), chi.URLParam(r, "mac"), a.provURL)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// rotateProvisioning issues a new credential (and with
// {"web_ui_password": true} a new web-UI password); the old credential
// works until the device has fetched with the new one.
func (a *API) rotateProvisioning(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		WebUIPassword bool `json:"web_ui_password"`
	}
	if r.ContentLength != 0 {
		if err := decode(w, r, &body); err != nil {
			return err
		}
	}
	mac := chi.URLParam(r, "mac")
	if _, err := a.store.RotateDeviceCredentials(r.Context(), mac, body.WebUIPassword); err != nil {
		return err
	}
	return a.getProvisioning(w, r)
}

// createEnrollment issues a one-time enrollment URL bound to the device.
func (a *API) createEnrollment(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		TTL string `json:"ttl"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.TTL == "" {
		body.TTL = "24h"
	}
	ttl, err := time.ParseDuration(body.TTL)
	if err != nil {
		return errorf(http.StatusUnprocessableEntity, "ttl %q: use a duration such as \"24h\" or \"30m\"", body.TTL)
	}
	e, err := a.store.CreateEnrollment(r.Context(), chi.URLParam(r, "mac"), ttl)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, devicedb.EnrollmentInfoOf(a.provURL, e))
	return nil
}
