package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/phoneprov/phoneprov/devicedb"
)

func (c *Console) auditPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := devicedb.AuditFilter{Entity: strings.TrimSpace(q.Get("entity")), EntityID: strings.TrimSpace(q.Get("entity_id")), Actor: strings.TrimSpace(q.Get("actor"))}
	cursor := q.Get("cursor")
	es, next, err := c.store.ListAudit(r.Context(), f, devicedb.Page{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	v := url.Values{"entity": {f.Entity}, "entity_id": {f.EntityID}, "actor": {f.Actor}}
	data := map[string]any{"Entries": es, "F": f}
	if next != "" {
		v.Set("cursor", next)
		data["Next"] = "/ui/audit?" + v.Encode()
	}
	if cursor != "" {
		v.Del("cursor")
		data["First"] = "/ui/audit?" + v.Encode()
	}
	c.render(w, r, "audit", "Audit log", data)
	return nil
}
