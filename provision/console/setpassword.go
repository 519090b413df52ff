package console

import (
	"errors"
	"net/http"

	"github.com/phoneprov/phoneprov/devicedb"
)

// The set-password page is the target of the welcome message's link,
// <provision URL>set-password?token=<token>. The token is spent only when
// the new password is accepted by its length check first, so a typo does
// not burn the link.
func (c *Console) setPasswordPage(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	if tok == "" || len(tok) > 200 {
		return c.publicError(w, r, http.StatusBadRequest, "this set-password link has no valid token; use the link from your welcome message")
	}
	var de *devicedb.Error
	if err := c.store.CheckPasswordToken(r.Context(), tok); errors.As(err, &de) {
		return c.publicError(w, r, errStatus(err), de.Msg)
	} else if err != nil {
		return err
	}
	c.render(w, r, "setpassword", "Set your password", map[string]any{"Token": tok, "Min": devicedb.MinPasswordLen})
	return nil
}

func (c *Console) setPassword(w http.ResponseWriter, r *http.Request) error {
	tok, pw := r.PostFormValue("token"), r.PostFormValue("password")
	again := func(msg string) error {
		w.WriteHeader(http.StatusUnprocessableEntity)
		c.render(w, r, "setpassword", "Set your password", map[string]any{"Token": tok, "Min": devicedb.MinPasswordLen,
			"Flash": flash{Kind: "error", Msg: msg}})
		return nil
	}
	switch {
	case tok == "" || len(tok) > 200:
		return c.publicError(w, r, http.StatusBadRequest, "this set-password link has no valid token; use the link from your welcome message")
	case len(pw) < devicedb.MinPasswordLen:
		return again("use at least 10 characters")
	case len(pw) > 1024:
		return again("use at most 1024 characters")
	case pw != r.PostFormValue("password2"):
		return again("the two passwords differ; type the same password twice")
	}
	uid, err := c.store.UsePasswordToken(r.Context(), tok)
	var de *devicedb.Error
	if errors.As(err, &de) {
		return c.publicError(w, r, errStatus(err), de.Msg)
	}
	if err != nil {
		return err
	}
	if err := c.store.SetUserPassword(devicedb.WithActor(r.Context(), "set-password-link"), uid, pw); err != nil {
		return err
	}
	c.render(w, r, "done", "Password set", map[string]any{"Message": "your password is set; you can close this page"})
	return nil
}

// publicError shows an error to an end user (not an admin): no form, no
// way into the console.
func (c *Console) publicError(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	w.WriteHeader(status)
	c.render(w, r, "error", "Set your password", map[string]any{"Status": status, "Message": msg, "Public": true})
	return nil
}
