package firmware

import (
	"net/http"
	"net/textproto"
	"os"
	"strings"
	"time"
)

// RetryAfter is the Retry-After value (seconds) of a refused download.
const RetryAfter = "30"

// maxAllowance caps size/MinRate, in seconds, to keep the deadline sane.
const maxAllowance = 1 << 31

// Serve answers a GET or HEAD for e's image with http.ServeContent: Range
// and If-Range, a strong ETag of the quoted sha256, If-None-Match (304),
// Last-Modified from e.AddedAt, Content-Type application/octet-stream.
//
// At most Config.MaxConcurrent downloads run at once. One more is answered
// at once with 503 and Retry-After (phones retry; queueing would hold a
// goroutine and a connection per phone during a boot storm) and counted
// through Config.OnRefused. HEAD requests and requests whose If-None-Match
// matches send no body and take no slot. Each download gets a write deadline
// of Config.Grace + size/Config.MinRate so a stalled phone frees its slot.
//
// Other methods get 405; an entry whose blob is gone (removed meanwhile)
// gets 404.
func (s *Store) Serve(w http.ResponseWriter, r *http.Request, e Entry) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !isSHA256Hex(e.SHA256) {
		http.NotFound(w, r)
		return
	}
	etag := `"` + e.SHA256 + `"`
	if r.Method == http.MethodGet && !noneMatch(r.Header.Get("If-None-Match"), etag) {
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
		default:
			s.refuse(w)
			return
		}
	}
	f, err := os.Open(s.blobPath(e.SHA256))
	if err != nil {
		s.log.Warn("firmware: opening blob", "model", e.Model, "version", e.Version, "sha256", e.SHA256, "err", err)
		http.NotFound(w, r)
		return
	}
	defer f.Close()

	// net/http clears the deadline once the response is finished, so the
	// next request on the connection (a config fetch) is not affected. A
	// ResponseWriter without deadlines (a recorder) is served without one.
	allowed := s.cfg.Grace + time.Duration(min(e.Size/s.cfg.MinRate, maxAllowance))*time.Second
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(allowed))
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Content-Type", "application/octet-stream")
	http.ServeContent(w, r, e.Filename, e.AddedAt, f)
}

// InFlight returns the number of downloads holding a slot now.
func (s *Store) InFlight() int { return len(s.sem) }

// refuse answers a download that found every slot taken.
func (s *Store) refuse(w http.ResponseWriter) {
	if s.cfg.OnRefused != nil {
		s.cfg.OnRefused()
	}
	w.Header().Set("Retry-After", RetryAfter)
	http.Error(w, "firmware downloads busy, retry later", http.StatusServiceUnavailable)
}

// noneMatch reports whether an If-None-Match header value matches etag
// (weak comparison, "*" matches), by the same rules as http.ServeContent,
// so a request it accepts is answered without a body.
func noneMatch(header, etag string) bool {
	buf := header
	for {
		buf = textproto.TrimString(buf)
		switch {
		case buf == "":
			return false
		case buf[0] == ',':
			buf = buf[1:]
			continue
		case buf[0] == '*':
			return true
		}
		tag, rest := scanETag(buf)
		if tag == "" {
			return false
		}
		if strings.TrimPrefix(tag, "W/") == strings.TrimPrefix(etag, "W/") {
			return true
		}
		buf = rest
	}
}

// scanETag reads one entity tag, W/"x" or "x", from the front of s and
// returns it and the rest, or "" when s does not start with one.
func scanETag(s string) (tag, rest string) {
	s = textproto.TrimString(s)
	start := 0
	if strings.HasPrefix(s, "W/") {
		start = 2
	}
	if len(s[start:]) < 2 || s[start] != '"' {
		return "", ""
	}
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return s[:i+1], s[i+1:]
		case c == 0x21 || c >= 0x23 && c <= 0x7e || c >= 0x80:
		default:
			return "", ""
		}
	}
	return "", ""
}
