package templates

import (
	"fmt"
	"net"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Helpers the view and the family builders share: URL and address
// checks and splits, catalog file names.

// checkURL accepts "" or an absolute http(s) URL.
func checkURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("want an absolute http or https url")
	}
	return nil
}

// splitHostPort reads "host[:port]".
func splitHostPort(s string, defPort int) (string, int, error) {
	host, portStr, err := net.SplitHostPort(s)
	if err != nil {
		if strings.Contains(s, ":") && !strings.HasPrefix(s, "[") && strings.Count(s, ":") == 1 {
			return "", 0, err
		}
		host, portStr = strings.Trim(s, "[]"), ""
	}
	port := defPort
	if portStr != "" {
		if port, err = strconv.Atoi(portStr); err != nil || port < 1 || port > 65535 {
			return "", 0, fmt.Errorf("port %q: want 1..65535", portStr)
		}
	}
	if host == "" || strings.ContainsFunc(host, func(r rune) bool { return r <= ' ' }) {
		return "", 0, fmt.Errorf("no host")
	}
	return host, port, nil
}

// urlParts splits a URL the way vendors with separate fields want it.
type urlParts struct {
	HTTPS    bool
	HostPath string // host[:port]/path without scheme and trailing slash
	Dir      string // HostPath up to the last "/" (the firmware folder)
	Base     string // scheme://host/path without the trailing slash
}

func splitURL(s string) urlParts {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return urlParts{}
	}
	p := urlParts{HTTPS: u.Scheme == "https"}
	u.User = nil
	p.Base = strings.TrimSuffix(u.String(), "/")
	p.HostPath = strings.TrimSuffix(u.Host+u.EscapedPath(), "/")
	if i := strings.LastIndexByte(p.HostPath, '/'); i >= 0 {
		p.Dir = p.HostPath[:i]
	} else {
		p.Dir = p.HostPath
	}
	return p
}

// withUserinfo puts HTTP credentials into a URL (Snom and Obihai take
// them that way); it returns s unchanged without credentials.
func withUserinfo(s, user, pass string) string {
	if s == "" || user == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	u.User = url.UserPassword(user, pass)
	return u.String()
}

// ceilDiv is a/b rounded up, at least lo.
func ceilDiv(a, b, lo int) int {
	n := (a + b - 1) / b
	if n < lo {
		return lo
	}
	return n
}

// expandFile fills the {mac}, {MAC} and {model} placeholders of a catalog
// file name; false when it needs a MAC the view does not have.
func expandFile(f string, v *view) (string, bool) {
	if v.MAC == "" && strings.Contains(strings.ToLower(f), "{mac}") {
		return "", false
	}
	r := strings.NewReplacer("{mac}", v.MAC, "{MAC}", v.MACUpper, "{model}", Key(v.Model.Model))
	return r.Replace(f), true
}

// deviceFile is the name pattern of the model's per-device file: the last
// catalog file (Model.Files) with a {mac} or {MAC} placeholder that is not
// a boot, model or log file; fallback when the catalog lists none.
func deviceFile(m Model, fallback string) string {
	for i := len(m.Files) - 1; i >= 0; i-- {
		f := m.Files[i]
		if !strings.Contains(strings.ToLower(f), "{mac}") {
			continue
		}
		switch path.Ext(f) {
		case ".boot", ".htm", ".log", ".ld":
			continue
		}
		return f
	}
	return fallback
}
