package api

import (
	"errors"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/firmware"
)

func (a *API) firmwareRoutes(r chi.Router) {
	r.Get("/firmware", a.handle(a.listFirmware))
	r.Post("/firmware", a.handle(a.addFirmware))
	r.Delete("/firmware", a.handle(a.removeFirmware))
	r.Put("/firmware/target", a.handle(a.setFirmwareTarget))
}

// firmwareStatus maps the firmware store's errors to statuses.
func firmwareStatus(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, firmware.ErrNotFound):
		return errorf(http.StatusNotFound, "%v", err)
	case errors.Is(err, firmware.ErrIsTarget):
		return errorf(http.StatusConflict, "%v", err)
	case errors.Is(err, firmware.ErrTooLarge):
		return errorf(http.StatusRequestEntityTooLarge, "%v", err)
	case errors.Is(err, firmware.ErrModel), errors.Is(err, firmware.ErrVersion), errors.Is(err, firmware.ErrFilename),
		errors.Is(err, firmware.ErrEmptyImage):
		return errorf(http.StatusUnprocessableEntity, "%v", err)
	}
	return err
}

func (a *API) firmwareStore() (*firmware.Store, error) {
	if a.fw == nil {
		return nil, errorf(http.StatusNotFound, "firmware serving is off")
	}
	return a.fw, nil
}

// firmwareModel canonicalises a model name through the catalog.
func (a *API) firmwareModel(name string) (string, string, error) {
	m, ok := a.store.Catalog().Lookup(name)
	if !ok {
		return "", "", errorf(http.StatusUnprocessableEntity, "model %q is not in the catalog; GET /api/v1/models lists them", name)
	}
	return m.Model, m.FirmwareFile, nil
}

type firmwareView struct {
	firmware.Entry
	Target bool `json:"target"`
}

func (a *API) listFirmware(w http.ResponseWriter, r *http.Request) error {
	fw, err := a.firmwareStore()
	if err != nil {
		return err
	}
	out := []firmwareView{}
	for _, e := range fw.List() {
		t, ok := fw.Target(e.Model)
		out = append(out, firmwareView{Entry: e, Target: ok && t.Version == e.Version})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// addFirmware stores the request body as an image:
// POST /firmware?model=VVX%20410&version=6.4.6&filename=... (filename
// defaults to the catalog's firmware file of the model).
func (a *API) addFirmware(w http.ResponseWriter, r *http.Request) error {
	fw, err := a.firmwareStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	model, file, err := a.firmwareModel(q.Get("model"))
	if err != nil {
		return err
	}
	if f := q.Get("filename"); f != "" {
		file = f
	}
	if file == "" {
		return errorf(http.StatusUnprocessableEntity, "filename is required: the catalog names no firmware file for %s", model)
	}
	e, err := fw.Add(r.Body, model, q.Get("version"), file)
	if err := firmwareStatus(err); err != nil {
		return err
	}
	if q.Get("target") == "true" {
		if err := firmwareStatus(fw.SetTarget(model, e.Version)); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}

func (a *API) removeFirmware(w http.ResponseWriter, r *http.Request) error {
	fw, err := a.firmwareStore()
	if err != nil {
		return err
	}
	model, _, err := a.firmwareModel(r.URL.Query().Get("model"))
	if err != nil {
		return err
	}
	if err := firmwareStatus(fw.Remove(model, r.URL.Query().Get("version"))); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) setFirmwareTarget(w http.ResponseWriter, r *http.Request) error {
	fw, err := a.firmwareStore()
	if err != nil {
		return err
	}
	var body struct {
		Model   string `json:"model"`
		Version string `json:"version"`
	}
	if err := decode(w, r, &body); err != nil {
		return err
	}
	model, _, err := a.firmwareModel(body.Model)
	if err != nil {
		return err
	}
	if err := firmwareStatus(fw.SetTarget(model, body.Version)); err != nil {
		return err
	}
	t, _ := fw.Target(model)
	writeJSON(w, http.StatusOK, map[string]any{"model": model, "target": t})
	return nil
}
