package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// maxGrouped bounds the licenses read to build the type and country
// groups; accounts have far fewer.
const maxGrouped = 20000

func (c *Console) licenseRoutes(r chi.Router) {
	r.Get("/ui/licenses", c.handle(c.licensesPage))
	r.Post("/ui/licenses", c.handle(c.createLicense))
	r.Post("/ui/licenses/{id}/address", c.handle(c.setAddress))
	r.Post("/ui/licenses/{id}/{action}", c.handle(c.licenseAction))
}

// group is one type or country with its counts.
type group struct {
	Name                                   string
	Total, Assigned, Unassigned, Suspended int
	Link                                   string
}

func (g *group) count(l devicedb.License) {
	g.Total++
	switch l.Status {
	case devicedb.LicenseAssigned:
		g.Assigned++
	case devicedb.LicenseUnassigned:
		g.Unassigned++
	case devicedb.LicenseSuspended:
		g.Suspended++
	}
}

func (c *Console) licensesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	typ, country, status, id := q.Get("type"), strings.ToUpper(q.Get("country")), q.Get("status"), strings.TrimSpace(q.Get("id"))
	ctx := r.Context()
	if id != "" {
		l, err := c.store.GetLicense(ctx, id)
		if err != nil {
			c.render(w, r, "licenses", "Licenses", map[string]any{"Flash": flash{Kind: "error", Msg: userMessage(err)}, "Status": status, "Country": country})
			return nil
		}
		typ, country = l.Type, l.Country
	}
	// Filters by country and status apply to the groups too.
	var all []devicedb.License
	cursor := ""
	for len(all) < maxGrouped {
		page, next, err := c.store.ListLicenses(ctx, devicedb.LicenseFilter{Country: country, Status: status}, devicedb.Page{Limit: 1000, Cursor: cursor})
		if err != nil {
			return err
		}
		all = append(all, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	link := func(t, c string) string {
		v := url.Values{"type": {t}}
		if c != "" {
			v.Set("country", c)
		}
		if status != "" {
			v.Set("status", status)
		}
		return "/ui/licenses?" + v.Encode()
	}
	types, countries := map[string]*group{}, map[string]*group{}
	var details []devicedb.License
	for _, l := range all {
		g := types[l.Type]
		if g == nil {
			g = &group{Name: l.Type, Link: link(l.Type, "")}
			types[l.Type] = g
		}
		g.count(l)
		if l.Type != typ {
			continue
		}
		cg := countries[l.Country]
		if cg == nil {
			cg = &group{Name: l.Country, Link: link(typ, l.Country)}
			countries[l.Country] = cg
		}
		cg.count(l)
		if l.Country == country && (id == "" || l.ID == id) {
			details = append(details, l)
		}
	}
	c.render(w, r, "licenses", "Licenses", map[string]any{"Types": sorted(types), "Countries": sorted(countries), "Details": details,
		"Type": typ, "Country": country, "Status": status, "ID": id, "Truncated": len(all) >= maxGrouped,
		"Back": r.URL.RequestURI()})
	return nil
}

func sorted(m map[string]*group) []*group {
	out := make([]*group, 0, len(m))
	for _, g := range m {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// back is the licenses page the form came from (kept on this site).
func back(r *http.Request) string {
	b := r.PostFormValue("back")
	if !strings.HasPrefix(b, "/ui/licenses") {
		return "/ui/licenses"
	}
	return safeNext(b)
}

func (c *Console) createLicense(w http.ResponseWriter, r *http.Request) error {
	return c.act(w, r, back(r), func(ctx context.Context) (string, error) {
		l, err := c.store.CreateLicense(ctx, devicedb.NewLicense{ID: strings.TrimSpace(r.PostFormValue("id")), Type: strings.TrimSpace(r.PostFormValue("type")),
			Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))), ServiceAddress: strings.TrimSpace(r.PostFormValue("service_address"))})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("license %s (%s, %s) created", l.ID, l.Type, l.Country), nil
	})
}

func (c *Console) setAddress(w http.ResponseWriter, r *http.Request) error {
	return c.act(w, r, back(r), func(ctx context.Context) (string, error) {
		l, err := c.store.SetServiceAddress(ctx, chi.URLParam(r, "id"), strings.TrimSpace(r.PostFormValue("service_address")))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("service address of %s set to %q", l.ID, l.ServiceAddress), nil
	})
}

func (c *Console) licenseAction(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	return c.act(w, r, back(r), func(ctx context.Context) (string, error) {
		switch chi.URLParam(r, "action") {
		case "remove":
			l, err := c.store.RemoveLicense(ctx, id)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("license %s removed: suspended until %s, then gone", l.ID, funcs["when"].(func(any) string)(l.PurgeAt)), nil
		case "reinstate":
			if _, err := c.store.ReinstateLicense(ctx, id); err != nil {
				return "", err
			}
			return "license " + id + " reinstated", nil
		}
		return "", &pageError{status: http.StatusNotFound, msg: "no such license action"}
	})
}
