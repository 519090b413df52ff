package api

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

func (a *API) userRoutes(r chi.Router) {
	r.Post("/users", a.handle(a.createUser))
	r.Get("/users", a.handle(a.listUsers))
	r.Get("/users/{id}", a.handle(a.getUser))
	r.Patch("/users/{id}", a.handle(a.patchUser))
	r.Delete("/users/{id}", a.handle(a.deleteUser))
	r.Post("/users/{id}/deactivate", a.handle(a.userStatus(a.store.DeactivateUser)))
	r.Post("/users/{id}/reactivate", a.handle(a.userStatus(a.store.ReactivateUser)))
	r.Post("/users/{id}/licenses", a.handle(a.assignLicense))
	r.Delete("/users/{id}/licenses/{license_id}", a.handle(a.unassignLicense))
	r.Post("/users/{id}/numbers", a.handle(a.addNumber))
	r.Delete("/users/{id}/numbers/{number}", a.handle(a.removeNumber))
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var n devicedb.NewUser
	if err := decode(w, r, &n); err != nil {
		return err
	}
	u, err := a.store.CreateUser(r.Context(), n)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := devicedb.UserFilter{Username: q.Get("username"), Query: q.Get("q")}
	if asCSV, err := wantCSV(r); err != nil || asCSV {
		if err != nil {
			return err
		}
		return writeCSV(w, "users.csv", userCSVHeader, func(p devicedb.Page) ([]devicedb.User, string, error) {
			return a.store.ListUsers(r.Context(), f, p)
		}, userCSVRow)
	}
	us, next, err := a.store.ListUsers(r.Context(), f, p)
	if err != nil {
		return err
	}
	return writeList(w, r, us, next)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) patchUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p devicedb.UserPatch
	if err := decode(w, r, &p); err != nil {
		return err
	}
	u, err := a.store.UpdateUser(r.Context(), id, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) userStatus(fn func(ctx ctxT, id int64) (*devicedb.User, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		u, err := fn(r.Context(), id)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, u)
		return nil
	}
}

func (a *API) assignLicense(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		LicenseID string `json:"license_id"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	if body.LicenseID == "" {
		return errorf(http.StatusUnprocessableEntity, "license_id is required")
	}
	l, err := a.store.AssignLicense(r.Context(), id, body.LicenseID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) unassignLicense(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	l, err := a.store.UnassignLicense(r.Context(), id, chi.URLParam(r, "license_id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

func (a *API) addNumber(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body struct {
		Number  string `json:"number"`
		Routing string `json:"routing"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	u, err := a.store.AddPhoneNumber(r.Context(), id, body.Number, body.Routing)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (a *API) removeNumber(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.store.RemovePhoneNumber(r.Context(), id, chi.URLParam(r, "number"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}
