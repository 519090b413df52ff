package console

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

func (c *Console) adminRoutes(r chi.Router) {
	r.Get("/ui/admins", c.handle(c.adminsPage))
	r.Post("/ui/admins", c.handle(c.addAdmin))
	r.Post("/ui/admins/me/password", c.handle(c.ownPassword))
	r.Post("/ui/admins/{name}/password", c.handle(c.resetAdminPassword))
	r.Post("/ui/admins/{name}/delete", c.handle(c.removeAdmin))
}

func (c *Console) adminsPage(w http.ResponseWriter, r *http.Request) error {
	as, err := c.store.ListAdmins(r.Context())
	if err != nil {
		return err
	}
	c.render(w, r, "admins", "Admins", map[string]any{"Admins": as, "Me": adminOf(r.Context()).Name, "Min": devicedb.MinPasswordLen})
	return nil
}

// twice checks a new password typed twice.
func twice(r *http.Request) (string, error) {
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		return "", &pageError{status: http.StatusUnprocessableEntity, msg: "the two passwords differ; type the same password twice"}
	}
	return pw, nil
}

func (c *Console) addAdmin(w http.ResponseWriter, r *http.Request) error {
	return c.act(w, r, "/ui/admins", func(ctx context.Context) (string, error) {
		pw, err := twice(r)
		if err != nil {
			return "", err
		}
		a, err := c.store.CreateAdmin(ctx, strings.TrimSpace(r.PostFormValue("name")), pw)
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("admin %s added; tell them their password through a safe channel", a.Name), nil
	})
}

func (c *Console) resetAdminPassword(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	return c.act(w, r, "/ui/admins", func(ctx context.Context) (string, error) {
		pw, err := twice(r)
		if err != nil {
			return "", err
		}
		keep := ""
		if name == adminOf(ctx).Name {
			keep = sessionToken(r)
		}
		if err := c.store.SetAdminPassword(ctx, name, pw, keep); err != nil {
			return "", err
		}
		return fmt.Sprintf("password of %s reset; their sessions were ended", name), nil
	})
}

func (c *Console) ownPassword(w http.ResponseWriter, r *http.Request) error {
	return c.act(w, r, "/ui/admins", func(ctx context.Context) (string, error) {
		pw, err := twice(r)
		if err != nil {
			return "", err
		}
		me := adminOf(ctx).Name
		if err := c.store.ChangeOwnPassword(ctx, me, r.PostFormValue("current"), pw, sessionToken(r)); err != nil {
			return "", err
		}
		return "your password is changed; your other sessions were ended", nil
	})
}

func (c *Console) removeAdmin(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	return c.act(w, r, "/ui/admins", func(ctx context.Context) (string, error) {
		if name == adminOf(ctx).Name {
			return "", &pageError{status: http.StatusConflict, msg: "you cannot remove yourself; another admin can"}
		}
		if err := c.store.DeleteAdmin(ctx, name); err != nil {
			return "", err
		}
		return "admin " + name + " removed", nil
	})
}

// sessionToken is the console session of the request ("" without one).
func sessionToken(r *http.Request) string {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		return ck.Value
	}
	return ""
}
