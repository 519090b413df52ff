package provision

import (
	"errors"
	"io"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/sip/srclimit"
)

// Limits of upload bodies: each read must bring data within uploadIdle,
// the whole body must arrive within uploadMax, and after uploadGrace it
// must have come at uploadMinRate bytes a second at least.
const (
	uploadIdle    = 5 * time.Second
	uploadMax     = 60 * time.Second
	uploadGrace   = 5 * time.Second
	uploadMinRate = 4 << 10
)

// uploadLimit bounds the uploads read at once, in all and per source. It
// is separate from the admission slots of GETs, so slow upload bodies
// never keep phones from their configs.
type uploadLimit struct {
	mu        sync.Mutex
	max, each int
	total     int
	by        map[netip.Addr]int
}

func newUploadLimit(max, each int) *uploadLimit {
	if max <= 0 {
		max = 32
	}
	if each <= 0 {
		each = 4
	}
	return &uploadLimit{max: max, each: each, by: make(map[netip.Addr]int)}
}

func (u *uploadLimit) enter(a netip.Addr) bool {
	k := srclimit.SourceKey(a)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.total >= u.max || u.by[k] >= u.each {
		return false
	}
	u.total++
	u.by[k]++
	return true
}

func (u *uploadLimit) leave(a netip.Addr) {
	k := srclimit.SourceKey(a)
	u.mu.Lock()
	defer u.mu.Unlock()
	u.total--
	if u.by[k]--; u.by[k] <= 0 {
		delete(u.by, k)
	}
}

// upload takes a file a device PUTs (Poly logs and override files) after
// the same decision as a GET: the device's proof is checked on the
// headers, before any of the body is read.
func (p *Phones) upload(w http.ResponseWriter, r *http.Request) {
	req := phoneRequest(r)
	if !p.uploads.enter(req.Source) {
		w.Header().Set("Connection", "close")
		busy(w)
		p.count("", "", "busy")
		return
	}
	defer p.uploads.leave(req.Source)
	d := p.Answer(r.Context(), req)
	defer func() { p.count(d.ID.Vendor, metricModel(d.ID), d.Outcome) }()
	if d.Status != http.StatusNoContent {
		// Do not read a body that is refused.
		w.Header().Set("Connection", "close")
		p.write(w, r, &d)
		return
	}
	if r.ContentLength > devicedb.MaxUpload {
		w.Header().Set("Connection", "close")
		http.Error(w, "upload over 1 MiB", http.StatusRequestEntityTooLarge)
		d.Outcome = "upload_too_big"
		return
	}
	body, err := io.ReadAll(&rateReader{r: http.MaxBytesReader(w, r.Body, devicedb.MaxUpload), rc: http.NewResponseController(w),
		start: time.Now()})
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "upload over 1 MiB", http.StatusRequestEntityTooLarge)
		d.Outcome = "upload_too_big"
		return
	case err != nil:
		w.Header().Set("Connection", "close")
		http.Error(w, "upload too slow", http.StatusRequestTimeout)
		d.Outcome = "upload_slow"
		return
	}
	if err := p.store.SaveUpload(r.Context(), d.ID.MAC, d.ID.File, body); err != nil {
		p.log.Error("saving upload", "mac", d.ID.MAC, "file", d.ID.File, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		d.Outcome = "error"
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// errTooSlow ends an upload body that comes too slowly.
var errTooSlow = errors.New("upload body below the minimum rate")

// rateReader reads an upload body under the upload deadlines: each read
// gets uploadIdle (never past uploadMax from the start), and after
// uploadGrace the body must keep uploadMinRate.
type rateReader struct {
	r     io.Reader
	rc    *http.ResponseController
	start time.Time
	n     int64
}

func (b *rateReader) Read(buf []byte) (int, error) {
	now := time.Now()
	el := now.Sub(b.start)
	if el > uploadGrace && float64(b.n) < uploadMinRate*el.Seconds() {
		return 0, errTooSlow
	}
	dl := now.Add(uploadIdle)
	if end := b.start.Add(uploadMax); dl.After(end) {
		dl = end
	}
	_ = b.rc.SetReadDeadline(dl)
	n, err := b.r.Read(buf)
	b.n += int64(n)
	return n, err
}
