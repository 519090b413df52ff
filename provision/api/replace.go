package api

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// replaceDevice answers POST /devices/{mac}/replace: the plan (dry_run)
// or the result of the replacement.
func (a *API) replaceDevice(w http.ResponseWriter, r *http.Request) error {
	var req devicedb.ReplaceRequest
	if err := decode(w, r, &req); err != nil {
		return err
	}
	req.WelcomeLinkBase = a.upgrade.linkBase
	res, err := a.store.ReplaceDevice(r.Context(), chi.URLParam(r, "mac"), req)
	if err != nil {
		return err
	}
	if !res.DryRun && a.upgrade.onReplaced != nil {
		a.upgrade.onReplaced(context.WithoutCancel(r.Context()), res.OldMAC, res.NewMAC)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
