package provision

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

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
// headers, before the body is read (the server reads at most its first
// 8 KiB ahead: the body is streamed).
func (p *Phones) upload(ctx *fasthttp.RequestCtx) {
	req := phoneRequest(ctx)
	if !p.uploads.enter(req.Source) {
		busy(ctx)
		p.count("", "", "busy")
		return
	}
	defer p.uploads.leave(req.Source)
	d := p.Answer(context.Background(), req) // not ctx: see serve
	defer func() { p.count(d.ID.Vendor, metricModel(d.ID), d.Outcome) }()
	if d.Status != http.StatusNoContent {
		// Do not read a body that is refused.
		p.write(ctx, &d)
		closeLingering(ctx)
		return
	}
	if ctx.Request.Header.ContentLength() > devicedb.MaxUpload {
		writeError(ctx, "upload over 1 MiB", http.StatusRequestEntityTooLarge)
		closeLingering(ctx)
		d.Outcome = "upload_too_big"
		return
	}
	var body io.Reader = bytes.NewReader(ctx.Request.Body())
	if s := ctx.RequestBodyStream(); s != nil {
		body = s
	}
	b, err := io.ReadAll(&rateReader{r: io.LimitReader(body, devicedb.MaxUpload+1), conn: ctx, start: time.Now()})
	switch {
	case err == nil && len(b) > devicedb.MaxUpload:
		writeError(ctx, "upload over 1 MiB", http.StatusRequestEntityTooLarge)
		closeLingering(ctx)
		d.Outcome = "upload_too_big"
		return
	case err != nil:
		writeError(ctx, "upload too slow", http.StatusRequestTimeout)
		closeLingering(ctx)
		d.Outcome = "upload_slow"
		return
	}
	if err := p.store.SaveUpload(context.Background(), d.ID.MAC, d.ID.File, b); err != nil {
		p.log.Error("saving upload", "mac", d.ID.MAC, "file", d.ID.File, "err", err)
		writeError(ctx, "internal error", http.StatusInternalServerError)
		d.Outcome = "error"
		return
	}
	ctx.SetStatusCode(http.StatusNoContent)
}

// errTooSlow ends an upload body that comes too slowly.
var errTooSlow = errors.New("upload body below the minimum rate")

// rateReader reads an upload body under the upload deadlines: each read
// gets uploadIdle (never past uploadMax from the start), and after
// uploadGrace the body must keep uploadMinRate.
type rateReader struct {
	r     io.Reader
	conn  interface{ SetReadDeadline(time.Time) error }
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
	_ = b.conn.SetReadDeadline(dl)
	n, err := b.r.Read(buf)
	b.n += int64(n)
	return n, err
}
