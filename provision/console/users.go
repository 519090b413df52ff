package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

func (c *Console) userRoutes(r chi.Router) {
	r.Get("/ui/users", c.handle(c.usersPage))
	r.Post("/ui/users", c.handle(c.createUser))
	r.Get("/ui/users/{id}", c.handle(c.userPage))
	r.Post("/ui/users/{id}", c.handle(c.editUser))
	r.Post("/ui/users/{id}/{action}", c.handle(c.userAction))
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	cursor := r.URL.Query().Get("cursor")
	us, next, err := c.store.ListUsers(r.Context(), devicedb.UserFilter{Query: q}, devicedb.Page{Limit: pageSize, Cursor: cursor})
	if err != nil {
		return err
	}
	data := map[string]any{"Users": us, "Q": q}
	if next != "" {
		data["Next"] = "/ui/users?" + url.Values{"q": {q}, "cursor": {next}}.Encode()
	}
	if cursor != "" {
		data["First"] = "/ui/users?" + url.Values{"q": {q}}.Encode()
	}
	c.render(w, r, "users", "Users", data)
	return nil
}

func (c *Console) createUser(w http.ResponseWriter, r *http.Request) error {
	f := r.PostFormValue
	u, err := c.store.CreateUser(r.Context(), devicedb.NewUser{Username: strings.TrimSpace(f("username")), FirstName: f("first_name"),
		LastName: f("last_name"), Email: strings.TrimSpace(f("email")), Extension: strings.TrimSpace(f("extension")),
		ExtensionKind: f("extension_kind"), TimeZone: f("time_zone")})
	if err != nil {
		return c.act(w, r, "/ui/users", func(context.Context) (string, error) { return "", err })
	}
	return c.act(w, r, fmt.Sprintf("/ui/users/%d", u.ID), func(context.Context) (string, error) {
		return fmt.Sprintf("user %s created", u.Username), nil
	})
}

func userID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &pageError{status: http.StatusNotFound, msg: "no such user"}
	}
	return id, nil
}

func (c *Console) userPage(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	u, err := c.store.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	var unsupported []devicedb.UserDevice
	for _, d := range u.Devices {
		if !d.Supported {
			unsupported = append(unsupported, d)
		}
	}
	free, _, err := c.store.ListLicenses(r.Context(), devicedb.LicenseFilter{Status: "unassigned"}, devicedb.Page{Limit: 200})
	if err != nil {
		return err
	}
	c.render(w, r, "user", "User "+u.Username, map[string]any{"U": u, "Unsupported": unsupported, "Free": free})
	return nil
}

// wayOut adds the console's way out to a refusal caused by an unsupported
// device: the replace wizard.
func (c *Console) wayOut(ctx context.Context, id int64, err error) error {
	if !errors.Is(err, devicedb.ErrConflict) {
		return err
	}
	u, gerr := c.store.GetUser(ctx, id)
	if gerr != nil {
		return err
	}
	for _, d := range u.Devices {
		if !d.Supported {
			return &pageError{status: http.StatusConflict, msg: fmt.Sprintf(
				"refused: %s has the unsupported device %s (%s), and changing the profile would break it. Way out: replace the device first with the Replace wizard (/ui/replace?mac=%s), then try again",
				u.Username, d.MAC, d.Model, d.MAC)}
		}
	}
	return err
}

func (c *Console) editUser(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	to := fmt.Sprintf("/ui/users/%d", id)
	return c.act(w, r, to, func(ctx context.Context) (string, error) {
		p := devicedb.UserPatch{}
		set := func(name string, dst **string) {
			if v, ok := r.PostForm[name]; ok {
				s := strings.TrimSpace(v[0])
				*dst = &s
			}
		}
		set("username", &p.Username)
		set("first_name", &p.FirstName)
		set("last_name", &p.LastName)
		set("email", &p.Email)
		set("extension", &p.Extension)
		set("time_zone", &p.TimeZone)
		set("language", &p.Language)
		set("voicemail_to_email", &p.VoicemailToEmail)
		cur, err := c.store.GetUser(ctx, id)
		if err != nil {
			return "", err
		}
		// Send only what changed: an unchanged extension is not a change.
		if p.Extension != nil && cur.Extension != nil && *p.Extension == *cur.Extension {
			p.Extension = nil
		}
		if p.Extension != nil && cur.Extension == nil && *p.Extension == "" {
			p.Extension = nil
		}
		u, err := c.store.UpdateUser(ctx, id, p)
		if err != nil {
			return "", c.wayOut(ctx, id, err)
		}
		return fmt.Sprintf("user %s saved", u.Username), nil
	})
}

func (c *Console) userAction(w http.ResponseWriter, r *http.Request) error {
	id, err := userID(r)
	if err != nil {
		return err
	}
	to := fmt.Sprintf("/ui/users/%d", id)
	action := chi.URLParam(r, "action")
	if action == "delete" {
		err := c.store.DeleteUser(r.Context(), id)
		if err == nil {
			to = "/ui/users"
		}
		return c.act(w, r, to, func(ctx context.Context) (string, error) {
			return fmt.Sprintf("user %d deleted", id), c.wayOut(ctx, id, err)
		})
	}
	return c.act(w, r, to, func(ctx context.Context) (string, error) {
		var err error
		var msg string
		f := r.PostFormValue
		switch action {
		case "deactivate":
			_, err = c.store.DeactivateUser(ctx, id)
			msg = "user deactivated: the lines are disabled and the licenses suspended"
		case "reactivate":
			_, err = c.store.ReactivateUser(ctx, id)
			msg = "user reactivated"
		case "license":
			var l devicedb.License
			l, err = c.store.AssignLicense(ctx, id, strings.TrimSpace(f("license_id")))
			msg = fmt.Sprintf("license %s (%s, %s) assigned", l.ID, l.Type, l.Country)
		case "unlicense":
			_, err = c.store.UnassignLicense(ctx, id, f("license_id"))
			msg = "license " + f("license_id") + " unassigned"
		case "number":
			_, err = c.store.AddPhoneNumber(ctx, id, strings.TrimSpace(f("number")), f("routing"))
			msg = "phone number " + f("number") + " added"
		case "unnumber":
			_, err = c.store.RemovePhoneNumber(ctx, id, f("number"))
			msg = "phone number " + f("number") + " removed"
		default:
			return "", &pageError{status: http.StatusNotFound, msg: "no such action " + action}
		}
		if err != nil {
			return "", c.wayOut(ctx, id, err)
		}
		return msg, nil
	})
}
