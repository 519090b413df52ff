package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

func (a *API) adminRoutes(r chi.Router) {
	r.Get("/admins", a.handle(a.listAdmins))
	r.Post("/admins", a.handle(a.createAdmin))
	r.Delete("/admins/{name}", a.handle(a.deleteAdmin))
	r.Post("/admins/{name}/password", a.handle(a.setAdminPassword))
}

func (a *API) listAdmins(w http.ResponseWriter, r *http.Request) error {
	as, err := a.store.ListAdmins(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, as)
	return nil
}

// adminBody is the body of POST /admins and POST /admins/{name}/password.
type adminBody struct {
	Name     string `json:"name"`
	Password string `json:"password"`
}

func (a *API) createAdmin(w http.ResponseWriter, r *http.Request) error {
	var b adminBody
	if err := decode(w, r, &b); err != nil {
		return err
	}
	ad, err := a.store.CreateAdmin(r.Context(), b.Name, b.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ad)
	return nil
}

func (a *API) deleteAdmin(w http.ResponseWriter, r *http.Request) error {
	if err := a.store.DeleteAdmin(r.Context(), chi.URLParam(r, "name")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// setAdminPassword resets an admin's password and ends its sessions.
func (a *API) setAdminPassword(w http.ResponseWriter, r *http.Request) error {
	var b struct {
		Password string `json:"password"`
	}
	if err := decode(w, r, &b); err != nil {
		return err
	}
	if err := a.store.SetAdminPassword(r.Context(), chi.URLParam(r, "name"), b.Password, ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
