package api

import "net/http"

// listOutbox answers GET /outbox: queued and sent messages, newest first,
// with their set-password links (the tokens are stored hashed).
func (a *API) listOutbox(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	ms, next, err := a.store.ListOutbox(r.Context(), r.URL.Query().Get("status"), p)
	if err != nil {
		return err
	}
	return writeList(w, r, ms, next)
}
