package console

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/api"
)

// maxUpload bounds a request body: a Classic export is the largest.
const maxUpload = api.MaxImportBody

// flash is the feedback of the last action, shown once.
type flash struct {
	Kind string `json:"k"` // "ok" or "error"
	Msg  string `json:"m"`
}

const flashCookie = "pp_flash"

func setFlash(w http.ResponseWriter, r *http.Request, kind, msg string) {
	if len(msg) > 2000 {
		msg = msg[:2000] + "…"
	}
	b, _ := json.Marshal(flash{kind, msg})
	http.SetCookie(w, cookie(r, flashCookie, base64.RawURLEncoding.EncodeToString(b), 60))
}

func takeFlash(w http.ResponseWriter, r *http.Request) (flash, bool) {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return flash{}, false
	}
	http.SetCookie(w, cookie(r, flashCookie, "", -1))
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	var f flash
	if err != nil || json.Unmarshal(b, &f) != nil || (f.Kind != "ok" && f.Kind != "error") {
		return flash{}, false
	}
	return f, true
}

var funcs = template.FuncMap{
	"when": func(t any) string {
		switch v := t.(type) {
		case time.Time:
			if v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04:05Z")
		case *time.Time:
			if v == nil || v.IsZero() {
				return "—"
			}
			return v.UTC().Format("2006-01-02 15:04:05Z")
		}
		return fmt.Sprint(t)
	},
	"deref": func(p any) string {
		switch v := p.(type) {
		case *string:
			if v != nil {
				return *v
			}
		case *int64:
			if v != nil {
				return fmt.Sprint(*v)
			}
		}
		return ""
	},
	"join": strings.Join,
	// uniqDevices lists each device of a user once (a user may hold
	// several lines of one device).
	"uniqDevices": func(ds []devicedb.UserDevice) []devicedb.UserDevice {
		var out []devicedb.UserDevice
		seen := map[string]bool{}
		for _, d := range ds {
			if !seen[d.MAC] {
				seen[d.MAC] = true
				out = append(out, d)
			}
		}
		return out
	},
	"entityLabel":      entityLabel,
	"voicemailChoices": devicedb.VoicemailChoices,
	"raw":              func(b []byte) string { return string(b) },
}

// parsePages parses each page template with the layout.
func parsePages() (map[string]*template.Template, error) {
	names, err := assets.ReadDir("templates")
	if err != nil {
		return nil, err
	}
	layout, err := assets.ReadFile("templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, e := range names {
		if e.Name() == "layout.html" {
			continue
		}
		body, err := assets.ReadFile("templates/" + e.Name())
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(e.Name(), path.Ext(e.Name()))
		t, err := template.New("layout").Funcs(funcs).Parse(string(layout))
		if err == nil {
			_, err = t.Parse(string(body))
		}
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", e.Name(), err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page template gets.
type view struct {
	Title  string
	Admin  string
	CSRF   string
	Flash  *flash
	Nav    string
	Data   map[string]any
	Public bool
	// Window is the next scheduled upgrade window, shown as a banner.
	Window *devicedb.ScheduledImport
}

// render writes page with data; data["Flash"] overrides the cookie's.
func (c *Console) render(w http.ResponseWriter, r *http.Request, page, title string, data map[string]any) {
	v := view{Title: title, Admin: adminOf(r.Context()).Name, Nav: page, Data: data}
	v.CSRF, _ = r.Context().Value(csrfKey{}).(string)
	if v.Admin != "" {
		v.Window, _ = c.store.NextImportWindow(r.Context())
	}
	if f, ok := data["Flash"].(flash); ok {
		v.Flash = &f
	} else if f, ok := takeFlash(w, r); ok {
		v.Flash = &f
	}
	t, ok := c.pages[page]
	if !ok {
		http.Error(w, "no template "+page, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		c.log.Error("console template", "page", page, "err", err)
		http.Error(w, "internal error rendering the page; the server log has the details", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}

// act runs a change, sets the feedback (its message, or the error in
// words) and sends the browser to the page named by to.
func (c *Console) act(w http.ResponseWriter, r *http.Request, to string, fn func(ctx context.Context) (string, error)) error {
	msg, err := fn(r.Context())
	if err != nil {
		if errStatus(err) == http.StatusInternalServerError {
			c.log.Error("console action failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
		setFlash(w, r, "error", userMessage(err))
	} else {
		setFlash(w, r, "ok", msg)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
