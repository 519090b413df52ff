package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/provision/api"
)

// maintenance shows the maintenance page, with the expected end, for every
// console page (reads included, the sign-in page too) while a Classic
// import runs: the FAQ's "Account Manager will be inaccessible;
// administrators logged in at time of portal lockout will be
// automatically logged out" (the import deleted their sessions; the
// cookie goes too). The console opens again by itself at the end. The
// users' set-password page and the static files stay.
func (c *Console) maintenance(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, open := c.store.RunningImport()
		if !open || r.URL.Path == "/set-password" || strings.HasPrefix(r.URL.Path, "/ui/static/") {
			next.ServeHTTP(w, r)
			return
		}
		retry := api.RetryAfter(p.ExpectedEnd, time.Now())
		w.Header().Set("Retry-After", retry)
		refresh, _ := strconv.Atoi(retry)
		w.Header().Set("Refresh", strconv.Itoa(min(max(refresh, 2), 10)))
		if _, err := r.Cookie(sessionCookie); err == nil {
			http.SetCookie(w, cookie(r, sessionCookie, "", -1))
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		c.render(w, r, "maintenance", "Upgrade in progress", map[string]any{"Progress": p})
	})
}
