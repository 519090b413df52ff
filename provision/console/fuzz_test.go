package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzTakeFlash: the flash cookie comes back from the browser; any value
// is either a well-formed flash or ignored, never a panic.
func FuzzTakeFlash(f *testing.F) {
	f.Add("eyJrIjoib2siLCJtIjoiZGV2aWNlIGFkZGVkIn0")
	f.Add("")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, v string) {
		r := httptest.NewRequest("GET", "/ui/devices", nil)
		r.AddCookie(&http.Cookie{Name: flashCookie, Value: v})
		fl, ok := takeFlash(httptest.NewRecorder(), r)
		if ok && fl.Kind != "ok" && fl.Kind != "error" {
			t.Fatalf("flash kind %q accepted", fl.Kind)
		}
	})
}

// FuzzSafeNext: the redirect after sign-in never leaves the site.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/ui/users?q=a", "//evil.example/", "https://evil.example/", "/\\evil.example", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, n string) {
		got := safeNext(n)
		clean := strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			if r == '\\' {
				return '/'
			}
			return r
		}, got)
		if !strings.HasPrefix(clean, "/") || strings.HasPrefix(clean, "//") {
			t.Fatalf("safeNext(%q) = %q leaves the site", n, got)
		}
	})
}
