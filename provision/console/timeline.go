package console

import (
	"fmt"
	"sort"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// event is one line of a device's history: fetch → register → NOTIFY →
// re-fetch, and the admins' changes.
type event struct {
	At   time.Time
	Kind string
	What string
}

// timeline merges a device's fetches, registrations, last re-sync (nil:
// none) and audit entries, newest first.
func timeline(fetches []devicedb.FetchRecord, regs []devicedb.Binding, ri *devicedb.ResyncInfo, audit []devicedb.AuditEntry) []event {
	var out []event
	for _, f := range fetches {
		out = append(out, event{f.At, "fetch", fmt.Sprintf("fetched %s: %d, from %s", f.File, f.Status, f.IP)})
	}
	for _, b := range regs {
		out = append(out, event{b.RegisteredAt, "register", fmt.Sprintf("line %d registered from %s over %s, expires %s",
			b.Line, b.Source, b.Transport, b.Expires.UTC().Format("15:04:05Z"))})
	}
	if ri != nil {
		if !ri.SentAt.IsZero() {
			out = append(out, event{ri.SentAt, "notify", fmt.Sprintf("re-sync NOTIFY (%s) sent to %d contact(s)", ri.Event, len(ri.Results))})
			// Confirmed only by a fetch of this device's own (fetches
			// are this device's log) at or after the NOTIFY.
			var confirm *devicedb.FetchRecord
			for i := range fetches {
				if f := &fetches[i]; f.Status < 400 && !f.At.Before(ri.SentAt.Truncate(time.Second)) && (confirm == nil || f.At.Before(confirm.At)) {
					confirm = f
				}
			}
			if confirm != nil {
				out = append(out, event{confirm.At, "re-fetch", fmt.Sprintf("the device fetched %s after the NOTIFY: re-sync confirmed", confirm.File)})
			}
		}
	}
	for _, a := range audit {
		if a.Action == "resync_request" {
			out = append(out, event{a.At, "re-sync", "re-sync requested by " + a.Actor})
			continue
		}
		out = append(out, event{a.At, "change", fmt.Sprintf("%s %s %s by %s", a.Action, a.Entity, a.EntityID, a.Actor)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	return out
}
