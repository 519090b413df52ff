package sip

import (
	"slices"

	"github.com/phoneprov/phoneprov/devicedb"
)

// DropDevice removes every binding of device mac (a replaced or removed
// device: its registrations must not outlive it) and returns how many went.
// The removal is persisted like any other change.
func (r *Registrar) DropDevice(mac string) int { return len(r.Drop(mac)) }

// Drop is DropDevice returning the bindings it removed.
func (r *Registrar) Drop(mac string) []devicedb.Binding {
	if m, err := devicedb.NormalizeMAC(mac); err == nil {
		mac = m
	}
	byAOR := map[string][]string{}
	r.table.each(0, func(aor string, b *binding) {
		if b.mac == mac {
			byAOR[aor] = append(byAOR[aor], b.contact)
		}
	})
	var out []devicedb.Binding
	for aor, contacts := range byAOR {
		r.table.update(aor, func(cur []binding) ([]binding, error) {
			for i := range cur {
				if cur[i].mac == mac {
					out = append(out, cur[i].record(aor))
				}
			}
			return slices.DeleteFunc(slices.Clone(cur), func(b binding) bool { return b.mac == mac }), nil
		})
		r.persist.mark(aor, contacts)
	}
	sortBindings(out)
	return out
}
