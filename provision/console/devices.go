package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/api"
	"github.com/phoneprov/phoneprov/templates"
)

// pageSize is the number of rows per page of every list.
const pageSize = 50

func (c *Console) deviceRoutes(r chi.Router) {
	r.Get("/ui/devices", c.handle(c.devicesPage))
	r.Post("/ui/devices", c.handle(c.createDevice))
	r.Get("/ui/devices/{mac}", c.handle(c.devicePage))
	r.Post("/ui/devices/{mac}/lines", c.handle(c.setLine))
	r.Post("/ui/devices/{mac}/lines/{n}/clear", c.handle(c.clearLine))
	r.Post("/ui/devices/{mac}/lines/{n}/rotate", c.handle(c.rotateLine))
	r.Post("/ui/devices/{mac}/delete", c.handle(c.deleteDevice))
	r.Post("/ui/devices/{mac}/resync", c.handle(c.resync))
	r.Post("/ui/devices/{mac}/provisioning/rotate", c.handle(c.rotateProvisioning))
	r.Post("/ui/devices/{mac}/enrollment", c.handle(c.createEnrollment))
}

// models is the catalog for the model pickers: supported models only.
func (c *Console) models() []templates.Model {
	var out []templates.Model
	for _, m := range c.store.Catalog().Models() {
		if m.Supported {
			out = append(out, m)
		}
	}
	return out
}

func (c *Console) devicesPage(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	view, search, cursor := q.Get("view"), strings.TrimSpace(q.Get("q")), q.Get("cursor")
	data := map[string]any{"View": view, "Q": search, "Models": c.models()}
	ctx := r.Context()
	if search != "" {
		if mac, err := devicedb.NormalizeMAC(search); err == nil {
			if _, err := c.store.GetDevice(ctx, mac); err == nil {
				http.Redirect(w, r, "/ui/devices/"+mac, http.StatusSeeOther)
				return nil
			}
			data["Flash"] = flash{Kind: "error", Msg: fmt.Sprintf("no device with MAC %s", mac)}
			search = ""
		}
	}
	var next string
	var err error
	switch view {
	case "pending":
		data["Pending"], next, err = c.store.ListPending(ctx, devicedb.Page{Limit: pageSize, Cursor: cursor})
	case "unsupported", "retired", "all", "below_target", "registered", "refused":
	default:
		view = "supported"
		data["View"] = view
	}
	if view != "pending" {
		status := view
		if view == "supported" || view == "below_target" || view == "registered" || view == "refused" {
			status = devicedb.DeviceActive
		}
		f := devicedb.DeviceFilter{Status: status}
		if view == "registered" {
			live := map[string]bool{}
			if c.cfg.Registrar != nil {
				for _, b := range c.cfg.Registrar.Bindings("", 0) {
					live[b.MAC] = true
				}
			}
			f.Keep = func(d *devicedb.Device) bool { return live[d.MAC] }
		}
		if view == "refused" {
			rr, _ := c.cfg.Registrar.(api.RefusalReporter)
			since := time.Now().Add(-24 * time.Hour)
			f.Keep = func(d *devicedb.Device) bool {
				if rr == nil {
					return false
				}
				at, _, _, ok := rr.LastRefusal(d.MAC)
				return ok && at.After(since)
			}
		}
		if view == "below_target" {
			below := api.BelowTarget(c.cfg.Firmware)
			f.Keep = func(d *devicedb.Device) bool { return below(d.Model, d.Firmware) }
		}
		if search != "" {
			f = c.deviceFilter(f, search)
		}
		data["Devices"], next, err = c.store.ListDevices(ctx, f, devicedb.Page{Limit: pageSize, Cursor: cursor})
	}
	if err != nil {
		return err
	}
	if next != "" {
		v := url.Values{"view": {view}, "q": {search}, "cursor": {next}}
		data["Next"] = "/ui/devices?" + v.Encode()
	}
	if cursor != "" {
		data["First"] = "/ui/devices?" + url.Values{"view": {view}, "q": {search}}.Encode()
	}
	c.render(w, r, "devices", "Devices", data)
	return nil
}

// deviceFilter reads a search that is not a whole MAC: a model or a
// vendor by name, else part of a MAC, a username, an extension or a phone
// number (the same search as GET /api/v1/devices?q=).
func (c *Console) deviceFilter(f devicedb.DeviceFilter, q string) devicedb.DeviceFilter {
	if _, ok := c.store.Catalog().Lookup(q); ok {
		f.Model = q
		return f
	}
	for _, m := range c.store.Catalog().Models() {
		if strings.EqualFold(m.Vendor, q) {
			f.Vendor = q
			return f
		}
	}
	f.Query = q
	return f
}

func (c *Console) createDevice(w http.ResponseWriter, r *http.Request) error {
	mac, _ := devicedb.NormalizeMAC(r.PostFormValue("mac"))
	to := "/ui/devices"
	if mac != "" {
		to = "/ui/devices/" + mac
	}
	msg, err := func() (string, error) {
		d, err := c.store.CreateDevice(r.Context(), devicedb.NewDevice{MAC: r.PostFormValue("mac"), Model: r.PostFormValue("model")})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("device %s (%s) added", d.MAC, d.Model), nil
	}()
	if err != nil {
		to = "/ui/devices"
	}
	return c.act(w, r, to, func(context.Context) (string, error) { return msg, err })
}

func (c *Console) devicePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d, err := c.store.GetDevice(ctx, chi.URLParam(r, "mac"))
	if err != nil {
		return err
	}
	fetches, err := c.store.RecentFetches(ctx, d.MAC, 20)
	if err != nil {
		return err
	}
	hist, _, err := c.store.ListAudit(ctx, devicedb.AuditFilter{Entity: "device", EntityID: d.MAC}, devicedb.Page{Limit: 50})
	if err != nil {
		return err
	}
	var regs []devicedb.Binding
	var resync *devicedb.ResyncInfo
	var refusal any
	if c.cfg.Registrar != nil {
		regs = c.cfg.Registrar.Bindings(d.MAC, 0)
		if rr, ok := c.cfg.Registrar.(api.RefusalReporter); ok {
			if at, line, why, ok := rr.LastRefusal(d.MAC); ok {
				refusal = map[string]any{"At": at, "Line": line, "Reason": why}
			}
		}
		if st, ok := c.cfg.Registrar.ResyncState(d.MAC); ok {
			resync = &st
		}
	}
	prov, err := c.store.DeviceProvisioning(ctx, d.MAC, c.cfg.ProvisionURL)
	if err != nil {
		return err
	}
	m, _ := c.store.Catalog().Lookup(d.Model)
	lines := make([]int, 0, d.MaxLines)
	for i := 1; i <= d.MaxLines && i <= 16; i++ {
		lines = append(lines, i)
	}
	c.render(w, r, "device", "Device "+d.MAC, map[string]any{"D": d, "Model": m, "Fetches": fetches, "History": timeline(fetches, regs, resync, hist),
		"Regs": regs, "Refusal": refusal, "Registrar": c.cfg.Registrar != nil, "Resync": resync, "LineNumbers": lines, "Prov": prov})
	return nil
}

// rotateProvisioning issues a new credential (and web-UI password when
// asked); the old credential works until the device fetched with the new.
func (c *Console) rotateProvisioning(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		webUI := r.PostFormValue("web_ui") != ""
		if _, err := c.store.RotateDeviceCredentials(ctx, mac, webUI); err != nil {
			return "", err
		}
		msg := "new credential issued; the old one works until the device has fetched with the new one"
		if webUI {
			msg += "; new web-UI password issued (the phone takes it with its next config)"
		}
		return msg, nil
	})
}

// createEnrollment issues a one-time enrollment URL for the device.
func (c *Console) createEnrollment(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		ttl, err := time.ParseDuration(strings.TrimSpace(r.PostFormValue("ttl")))
		if err != nil {
			return "", &pageError{status: http.StatusUnprocessableEntity, msg: "validity: use a duration such as 24h or 30m"}
		}
		e, err := c.store.CreateEnrollment(ctx, mac, ttl)
		if err != nil {
			return "", err
		}
		return "enrollment URL issued, valid until " + e.Expires.Format(time.RFC3339) + ": " + devicedb.EnrollmentURL(c.cfg.ProvisionURL, e.Token), nil
	})
}

// findUser resolves what an admin typed: a user id, a username or an
// extension.
func (c *Console) findUser(ctx context.Context, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, &pageError{status: http.StatusUnprocessableEntity, msg: "name the user: a username, an extension or a user id"}
	}
	if us, _, err := c.store.ListUsers(ctx, devicedb.UserFilter{Username: s}, devicedb.Page{Limit: 1}); err == nil && len(us) == 1 {
		return us[0].ID, nil
	}
	us, _, err := c.store.ListUsers(ctx, devicedb.UserFilter{Query: s}, devicedb.Page{Limit: 20})
	if err != nil {
		return 0, err
	}
	for _, u := range us {
		if u.Extension != nil && *u.Extension == s {
			return u.ID, nil
		}
	}
	if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	return 0, &pageError{status: http.StatusNotFound, msg: fmt.Sprintf("no user with username or extension %q", s)}
}

func (c *Console) setLine(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		n, err := strconv.Atoi(r.PostFormValue("line"))
		if err != nil {
			return "", &pageError{status: http.StatusUnprocessableEntity, msg: "pick a line number"}
		}
		uid, err := c.findUser(ctx, r.PostFormValue("user"))
		if err != nil {
			return "", err
		}
		d, err := c.store.SetLine(ctx, mac, n, uid)
		if err != nil {
			return "", err
		}
		for _, l := range d.Lines {
			if l.Line == n {
				return fmt.Sprintf("line %d of %s assigned to %s (extension %s)", n, d.MAC, l.Username, l.Extension), nil
			}
		}
		return fmt.Sprintf("line %d of %s assigned", n, d.MAC), nil
	})
}

func (c *Console) clearLine(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		n, err := strconv.Atoi(chi.URLParam(r, "n"))
		if err != nil {
			return "", &pageError{status: http.StatusNotFound, msg: "no such line"}
		}
		if _, err := c.store.ClearLine(ctx, mac, n); err != nil {
			return "", err
		}
		return fmt.Sprintf("line %d cleared", n), nil
	})
}

func (c *Console) rotateLine(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		n, err := strconv.Atoi(chi.URLParam(r, "n"))
		if err != nil {
			return "", &pageError{status: http.StatusNotFound, msg: "no such line"}
		}
		if _, err := c.store.RotateLine(ctx, mac, n); err != nil {
			return "", err
		}
		return fmt.Sprintf("line %d has new SIP credentials; re-sync the phone so it fetches them", n), nil
	})
}

func (c *Console) deleteDevice(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	err := c.store.DeleteDevice(r.Context(), mac)
	to := "/ui/devices"
	if err != nil {
		to = "/ui/devices/" + url.PathEscape(mac)
	}
	return c.act(w, r, to, func(context.Context) (string, error) { return "device " + mac + " deleted", err })
}

func (c *Console) resync(w http.ResponseWriter, r *http.Request) error {
	mac := chi.URLParam(r, "mac")
	return c.act(w, r, "/ui/devices/"+url.PathEscape(mac), func(ctx context.Context) (string, error) {
		if c.cfg.Registrar == nil {
			return "", &pageError{status: http.StatusNotFound, msg: "the SIP registrar is off: there is nothing to send a re-sync with"}
		}
		d, err := c.store.GetDevice(ctx, mac)
		if err != nil {
			return "", err
		}
		if len(c.cfg.Registrar.Bindings(d.MAC, 0)) == 0 {
			return "", &pageError{status: http.StatusConflict, msg: fmt.Sprintf("device %s is not registered: there is no contact to send the re-sync NOTIFY to; reboot the phone instead", d.MAC)}
		}
		m, _ := c.store.Catalog().Lookup(d.Model)
		if err := c.store.RecordResyncRequest(ctx, d.MAC, m.ResyncEvent); err != nil {
			return "", err
		}
		c.cfg.Jobs.GoFrom(ctx, func(ctx context.Context) {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if _, err := c.cfg.Registrar.Resync(ctx, d.MAC, m.ResyncEvent); err != nil && !errors.Is(err, context.Canceled) {
				c.log.Warn("console re-sync", "mac", d.MAC, "err", err)
			}
		})
		return fmt.Sprintf("re-sync NOTIFY (%s) sent to %s; reload to see the confirming fetch", m.ResyncEvent, d.MAC), nil
	})
}
