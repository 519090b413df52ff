package console

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/phoneprov/phoneprov/devicedb"
)

const (
	sessionCookie = "pp_session"
	csrfCookie    = "pp_csrf"
	csrfField     = "csrf"
	maxForm       = 1 << 20
)

type adminKey struct{}

// adminOf returns the signed-in admin of a request behind requireAdmin.
func adminOf(ctx context.Context) devicedb.Admin {
	a, _ := ctx.Value(adminKey{}).(devicedb.Admin)
	return a
}

// cookie builds a console cookie: HttpOnly, SameSite=Strict, Secure over
// HTTPS.
func cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode}
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrf refuses a state-changing request (anything but GET and HEAD) that
// a browser says comes from another site (Origin, Sec-Fetch-Site) or whose
// CSRF token, from the form field or the X-CSRF-Token header, is not the
// one derived from its session (see csrfToken). Every visitor gets a
// pp_csrf cookie: before sign-in the token is derived from it.
func (c *Console) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		anon := ""
		if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) == 43 {
			anon = ck.Value
		}
		session := ""
		if ck, err := r.Cookie(sessionCookie); err == nil {
			session = ck.Value
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
			msg := ""
			if !sameOrigin(r) {
				msg = "this form was sent from another site (Origin or Sec-Fetch-Site check failed); open the console itself and try again"
			} else {
				got := r.Header.Get("X-CSRF-Token")
				if got == "" {
					got = formValue(r, csrfField)
				}
				if (anon == "" && session == "") || subtle.ConstantTimeCompare([]byte(got), []byte(c.csrfToken(session, anon))) != 1 {
					msg = "the form expired or came from another site (CSRF check failed); reload the page and try again"
				}
			}
			if msg != "" {
				w.WriteHeader(http.StatusForbidden)
				c.render(w, r, "error", "Error", map[string]any{"Status": http.StatusForbidden, "Message": msg})
				return
			}
		}
		if anon == "" {
			anon = randomToken()
			http.SetCookie(w, cookie(r, csrfCookie, anon, 0))
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey{}, c.csrfToken(session, anon))))
	})
}

// csrfToken is the CSRF token of a request: an HMAC under the console's
// key of its session cookie, or of its pp_csrf cookie before sign-in. A
// token is worth nothing with another session, and an attacker who plants
// a cookie cannot compute the token that goes with it.
func (c *Console) csrfToken(session, anon string) string {
	m := hmac.New(sha256.New, c.csrfKey)
	if session != "" {
		m.Write([]byte("session\x00" + session))
	} else {
		m.Write([]byte("anonymous\x00" + anon))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// sameOrigin reports whether a browser's headers allow r as coming from the
// console's own pages: Sec-Fetch-Site, when sent, must be same-origin (or
// none: typed or bookmarked), and Origin, when sent, must be this scheme
// and host. Origin "null" says nothing: browsers send it for every form
// post from a page with Referrer-Policy no-referrer, as the console's
// pages are. Clients sending neither (scripts, old browsers) are left to
// the CSRF token.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return true
	}
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	return strings.EqualFold(o, scheme+r.Host)
}

type csrfKey struct{}

// formValue reads a field of a url-encoded or multipart form.
func formValue(r *http.Request, name string) string {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
		if r.MultipartForm == nil {
			if err := r.ParseMultipartForm(maxForm); err != nil {
				return ""
			}
		}
	} else if err := r.ParseForm(); err != nil {
		return ""
	}
	return r.PostFormValue(name)
}

// requireAdmin sends visitors without a live session to the sign-in page.
func (c *Console) requireAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ck, err := r.Cookie(sessionCookie)
		if err == nil {
			a, err := c.store.SessionAdmin(r.Context(), ck.Value)
			if err == nil {
				ctx := context.WithValue(r.Context(), adminKey{}, a)
				ctx = devicedb.WithActor(ctx, "admin:"+a.Name)
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			if !errors.Is(err, devicedb.ErrNotFound) {
				c.log.Error("console session lookup", "err", err)
			}
		}
		next := "/"
		if r.Method == http.MethodGet {
			next = r.URL.RequestURI()
		}
		http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
	})
}

func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) error {
	c.render(w, r, "login", "Sign in", map[string]any{"Next": safeNext(r.URL.Query().Get("next"))})
	return nil
}

// safeNext keeps redirects after sign-in on this site.
func safeNext(n string) string {
	if n == "" || !strings.HasPrefix(n, "/") || strings.HasPrefix(n, "//") || len(n) > 2000 {
		return "/ui/devices"
	}
	for _, c := range []byte(n) {
		// Browsers drop tabs and newlines and read \ as /: "/\t/x" is "//x".
		if c < 0x20 || c == 0x7f || c == '\\' {
			return "/ui/devices"
		}
	}
	return n
}

func (c *Console) login(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.PostFormValue("next"))
	fail := func(status int, msg string) error {
		w.WriteHeader(status)
		c.render(w, r, "login", "Sign in", map[string]any{"Next": next, "Name": r.PostFormValue("name"),
			"Flash": flash{Kind: "error", Msg: msg}})
		return nil
	}
	src := remoteSource(r.RemoteAddr)
	if c.shareSignIn != nil {
		c.shareSignIn(src)
	}
	if !c.limiter.Allow(src) {
		return fail(http.StatusTooManyRequests, "too many sign-in attempts from your address; wait a few minutes and try again")
	}
	tok, _, err := c.store.SignIn(r.Context(), strings.TrimSpace(r.PostFormValue("name")), r.PostFormValue("password"), c.cfg.SessionTTL)
	if errors.Is(err, devicedb.ErrInvalid) {
		return fail(http.StatusUnauthorized, userMessage(err))
	}
	if errors.Is(err, devicedb.ErrUnavailable) { // every password-hashing slot busy
		w.Header().Set("Retry-After", "5")
		return fail(http.StatusServiceUnavailable, userMessage(err))
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, cookie(r, sessionCookie, tok, int(c.cfg.SessionTTL.Seconds())))
	// Tokens now derive from the new session; the pre-sign-in cookie is
	// renewed too, so a token planted before cannot be reused after logout.
	http.SetCookie(w, cookie(r, csrfCookie, randomToken(), 0))
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (c *Console) logout(w http.ResponseWriter, r *http.Request) error {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := c.store.SignOut(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, cookie(r, sessionCookie, "", -1))
	setFlash(w, r, "ok", "signed out")
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil
}
