package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// The account features' pages: every phone number with where it routes,
// and the auto attendants (with their schedules) and receptionist
// extensions. Read-mostly: the one form makes a new auto attendant and
// points numbers to it, the seeds' way around the read-only 444.
func (c *Console) featureRoutes(r chi.Router) {
	r.Get("/ui/numbers", c.handle(c.numbersPage))
	r.Get("/ui/auto-attendants", c.handle(c.autoAttendantsPage))
	r.Post("/ui/auto-attendants", c.handle(c.createAutoAttendant))
}

func (c *Console) numbersPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	cursor := r.URL.Query().Get("cursor")
	ns, next, err := c.store.ListNumbers(r.Context(), q, devicedb.Page{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	acct, err := c.store.GetAccount(r.Context())
	if err != nil {
		return err
	}
	data := map[string]any{"Numbers": ns, "Q": q, "Messaging": acct.MessagingEnabled}
	v := url.Values{"q": {q}}
	if next != "" {
		v.Set("cursor", next)
		data["Next"] = "/ui/numbers?" + v.Encode()
	}
	if cursor != "" {
		v.Del("cursor")
		data["First"] = "/ui/numbers?" + v.Encode()
	}
	c.render(w, r, "numbers", "Phone numbers", data)
	return nil
}

func (c *Console) autoAttendantsPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	aas, err := c.store.ListAutoAttendants(ctx)
	if err != nil {
		return err
	}
	scs, err := c.store.ListSchedules(ctx)
	if err != nil {
		return err
	}
	rs, err := c.store.ListReceptionists(ctx)
	if err != nil {
		return err
	}
	c.render(w, r, "autoattendants", "Auto attendants", map[string]any{"AutoAttendants": aas, "Schedules": scs, "Receptionists": rs})
	return nil
}

func (c *Console) createAutoAttendant(w http.ResponseWriter, r *http.Request) error {
	return c.act(w, r, "/ui/auto-attendants", func(ctx context.Context) (string, error) {
		n := devicedb.NewAutoAttendant{Name: strings.TrimSpace(r.PostFormValue("name")), Extension: strings.TrimSpace(r.PostFormValue("extension")),
			PhoneNumbers: strings.FieldsFunc(r.PostFormValue("phone_numbers"), func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\n' || r == '\r' })}
		if v := r.PostFormValue("schedule_id"); v != "" {
			if _, err := fmt.Sscan(v, &n.ScheduleID); err != nil {
				return "", &pageError{status: http.StatusBadRequest, msg: "pick a schedule from the list"}
			}
		}
		active := r.PostFormValue("active") != ""
		n.Active = &active
		aa, err := c.store.CreateAutoAttendant(ctx, n)
		if err != nil {
			return "", err
		}
		msg := fmt.Sprintf("auto attendant %q created", aa.Name)
		if len(aa.PhoneNumbers) > 0 {
			msg += "; it now answers " + strings.Join(aa.PhoneNumbers, ", ")
		}
		return msg, nil
	})
}
