package console

import (
	"encoding/json"
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

// entityLabel names what an audit entry is about the way admins know it:
// a user by username (from the entry's own before/after record, so deleted
// users keep their name), anything else by its id.
func entityLabel(e devicedb.AuditEntry) string {
	if e.Entity == "user" {
		for _, raw := range []json.RawMessage{e.After, e.Before} {
			var u struct {
				Username string `json:"username"`
			}
			if len(raw) > 0 && json.Unmarshal(raw, &u) == nil && u.Username != "" {
				return "user " + u.Username + " (" + e.EntityID + ")"
			}
		}
	}
	return e.Entity + " " + e.EntityID
}
