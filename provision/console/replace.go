package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

func (c *Console) replaceRoutes(r chi.Router) {
	r.Get("/ui/replace", c.handle(c.replacePage))
	r.Post("/ui/replace", c.handle(c.replace))
}

// replacePage is the wizard: 1. pick the device, 2. the new MAC and model,
// then the POST shows 3. the dry-run plan with a confirm button.
func (c *Console) replacePage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	data := map[string]any{"Models": c.models()}
	if mac := strings.TrimSpace(r.URL.Query().Get("mac")); mac != "" {
		d, err := c.store.GetDevice(ctx, mac)
		if err != nil {
			data["Flash"] = flash{Kind: "error", Msg: userMessage(err)}
		} else {
			data["D"] = d
		}
	}
	if data["D"] == nil {
		unsup, _, err := c.store.ListDevices(ctx, devicedb.DeviceFilter{Status: devicedb.DeviceUnsupported}, devicedb.Page{Limit: 200})
		if err != nil {
			return err
		}
		data["Unsupported"] = unsup
	}
	c.render(w, r, "replace", "Replace a device", data)
	return nil
}

func (c *Console) replace(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	mac := r.PostFormValue("mac")
	req := devicedb.ReplaceRequest{NewMAC: strings.TrimSpace(r.PostFormValue("new_mac")), NewModel: strings.TrimSpace(r.PostFormValue("new_model")),
		DryRun: r.PostFormValue("confirm") != "yes", WelcomeLinkBase: c.cfg.WelcomeLinkBase}
	res, err := c.store.ReplaceDevice(ctx, mac, req)
	if err != nil {
		if errStatus(err) == http.StatusInternalServerError {
			return err
		}
		d, _ := c.store.GetDevice(ctx, mac)
		w.WriteHeader(errStatus(err))
		c.render(w, r, "replace", "Replace a device", map[string]any{"Models": c.models(), "D": d, "NewMAC": req.NewMAC, "NewModel": req.NewModel,
			"Flash": flash{Kind: "error", Msg: userMessage(err)}})
		return nil
	}
	if res.DryRun {
		d, err := c.store.GetDevice(ctx, mac)
		if err != nil {
			return err
		}
		c.render(w, r, "replace", "Replace a device", map[string]any{"D": d, "Plan": res, "NewMAC": req.NewMAC, "NewModel": req.NewModel})
		return nil
	}
	if c.cfg.OnReplaced != nil {
		c.cfg.OnReplaced(context.WithoutCancel(ctx), res.OldMAC, res.NewMAC)
	}
	return c.act(w, r, "/ui/devices/"+res.NewMAC, func(context.Context) (string, error) {
		msg := fmt.Sprintf("device %s replaced by %s (%s) in %d steps", res.OldMAC, res.NewMAC, res.Procedure, len(res.Steps))
		for _, u := range res.Users {
			msg += fmt.Sprintf("; extension %s moved from %s to the new profile %s (welcome message queued)", u.Extension, u.OldUsername, u.NewUsername)
		}
		return msg, nil
	})
}
