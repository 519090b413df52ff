package provision

import (
	"html"
	"net/http"
	"strings"
)

// adminHTTPSOnly refuses the console and admin API over plain HTTP with
// 403 (Config.AdminHTTPSOnly): JSON for /api/, a page for the console.
// Phone routes, /healthz, /metrics and /ca.crt never get here or pass.
func adminHTTPSOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if r.TLS != nil || p == "/healthz" || p == "/metrics" || p == "/ca.crt" {
			next.ServeHTTP(w, r)
			return
		}
		const msg = "the console and admin API are served over HTTPS only (--admin-https-only): use https:// and the HTTPS port"
		w.Header().Set("Cache-Control", "no-store")
		if strings.HasPrefix(p, "/api/") || p == "/api" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"error":"` + msg + `"}` + "\n"))
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte("<!doctype html><title>HTTPS only</title><p>" + html.EscapeString(msg) + "</p>\n"))
	})
}
