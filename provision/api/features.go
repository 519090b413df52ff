package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// The account features of the seeds: the account's messaging setting,
// every phone number and where it routes, auto attendants and their
// schedules, receptionist extensions, and sites.
func (a *API) featureRoutes(r chi.Router) {
	r.Get("/account", a.handle(a.getAccount))
	r.Patch("/account", a.handle(a.patchAccount))
	r.Get("/numbers", a.handle(a.listNumbers))
	r.Get("/auto-attendants", a.handle(a.listAutoAttendants))
	r.Post("/auto-attendants", a.handle(a.createAutoAttendant))
	r.Get("/auto-attendants/{id}", a.handle(a.getAutoAttendant))
	r.Patch("/auto-attendants/{id}", a.handle(a.patchAutoAttendant))
	r.Delete("/auto-attendants/{id}", a.handle(a.deleteAutoAttendant))
	r.Get("/schedules", a.handle(a.listSchedules))
	r.Post("/schedules", a.handle(a.createSchedule))
	r.Get("/receptionists", a.handle(a.listReceptionists))
	r.Get("/receptionists/{id}", a.handle(a.getReceptionist))
	r.Patch("/receptionists/{id}", a.handle(a.changeReceptionist("edit")))
	r.Delete("/receptionists/{id}", a.handle(a.changeReceptionist("remove")))
	r.Get("/sites", a.handle(a.listSites))
	r.Post("/sites", a.handle(a.createSite))
	r.Get("/sites/{id}", a.handle(a.getSite))
	r.Patch("/sites/{id}", a.handle(a.patchSite))
	r.Post("/licenses/service-address", a.handle(a.setServiceAddresses))
}

// objectID reads the {id} of an auto attendant, receptionist or site.
func objectID(r *http.Request, what string) (int64, error) {
	v := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return 0, errorf(http.StatusNotFound, "%s id %q: not an id (a positive whole number)", what, v)
	}
	return id, nil
}

// reply writes v as the answer, or returns err.
func reply(w http.ResponseWriter, status int, v any, err error) error {
	if err != nil {
		return err
	}
	writeJSON(w, status, v)
	return nil
}

func (a *API) getAccount(w http.ResponseWriter, r *http.Request) error {
	acct, err := a.store.GetAccount(r.Context())
	return reply(w, http.StatusOK, acct, err)
}

func (a *API) patchAccount(w http.ResponseWriter, r *http.Request) error {
	var p devicedb.AccountPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	acct, err := a.store.UpdateAccount(r.Context(), p)
	return reply(w, http.StatusOK, acct, err)
}

func (a *API) listNumbers(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ns, next, err := a.store.ListNumbers(r.Context(), r.URL.Query().Get("q"), p)
	if err != nil {
		return err
	}
	return writeList(w, r, ns, next)
}

func (a *API) listAutoAttendants(w http.ResponseWriter, r *http.Request) error {
	aas, err := a.store.ListAutoAttendants(r.Context())
	return reply(w, http.StatusOK, aas, err)
}

func (a *API) createAutoAttendant(w http.ResponseWriter, r *http.Request) error {
	var n devicedb.NewAutoAttendant
	if err := decode(w, r, &n); err != nil {
		return err
	}
	aa, err := a.store.CreateAutoAttendant(r.Context(), n)
	if err == nil {
		w.Header().Set("Location", "/api/v1/auto-attendants/"+strconv.FormatInt(aa.ID, 10))
	}
	return reply(w, http.StatusCreated, aa, err)
}

func (a *API) getAutoAttendant(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "auto attendant")
	if err != nil {
		return err
	}
	aa, err := a.store.GetAutoAttendant(r.Context(), id)
	return reply(w, http.StatusOK, aa, err)
}

func (a *API) patchAutoAttendant(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "auto attendant")
	if err != nil {
		return err
	}
	var p devicedb.AutoAttendantPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	aa, err := a.store.UpdateAutoAttendant(r.Context(), id, p)
	return reply(w, http.StatusOK, aa, err)
}

func (a *API) deleteAutoAttendant(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "auto attendant")
	if err != nil {
		return err
	}
	if err := a.store.DeleteAutoAttendant(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listSchedules(w http.ResponseWriter, r *http.Request) error {
	scs, err := a.store.ListSchedules(r.Context())
	return reply(w, http.StatusOK, scs, err)
}

func (a *API) createSchedule(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Name string `json:"name"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	sc, err := a.store.CreateSchedule(r.Context(), body.Name)
	return reply(w, http.StatusCreated, sc, err)
}

func (a *API) listReceptionists(w http.ResponseWriter, r *http.Request) error {
	rs, err := a.store.ListReceptionists(r.Context())
	return reply(w, http.StatusOK, rs, err)
}

func (a *API) getReceptionist(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "receptionist")
	if err != nil {
		return err
	}
	rc, err := a.store.GetReceptionist(r.Context(), id)
	return reply(w, http.StatusOK, rc, err)
}

// changeReceptionist answers an edit or a removal of a receptionist
// extension: refused, with the way out (a case with support).
func (a *API) changeReceptionist(what string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := objectID(r, "receptionist")
		if err != nil {
			return err
		}
		return a.store.ChangeReceptionist(r.Context(), id, what)
	}
}

func (a *API) listSites(w http.ResponseWriter, r *http.Request) error {
	sites, err := a.store.ListSites(r.Context())
	return reply(w, http.StatusOK, sites, err)
}

func (a *API) createSite(w http.ResponseWriter, r *http.Request) error {
	var n devicedb.NewSite
	if err := decode(w, r, &n); err != nil {
		return err
	}
	st, err := a.store.CreateSite(r.Context(), n)
	if err == nil {
		w.Header().Set("Location", "/api/v1/sites/"+strconv.FormatInt(st.ID, 10))
	}
	return reply(w, http.StatusCreated, st, err)
}

func (a *API) getSite(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "site")
	if err != nil {
		return err
	}
	st, err := a.store.GetSite(r.Context(), id)
	return reply(w, http.StatusOK, st, err)
}

func (a *API) patchSite(w http.ResponseWriter, r *http.Request) error {
	id, err := objectID(r, "site")
	if err != nil {
		return err
	}
	var p devicedb.SitePatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	st, err := a.store.UpdateSite(r.Context(), id, p)
	return reply(w, http.StatusOK, st, err)
}

// setServiceAddresses sets the service address of several unassigned
// licenses, from a site or as text, and answers the summary of the changes.
func (a *API) setServiceAddresses(w http.ResponseWriter, r *http.Request) error {
	var in devicedb.ServiceAddresses
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := a.store.SetServiceAddresses(r.Context(), in)
	return reply(w, http.StatusOK, out, err)
}
