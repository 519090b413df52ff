package provision

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpadaptor"

	"github.com/phoneprov/phoneprov/provision/api"
)

// Limits of the HTTP and HTTPS listeners.
const (
	// HeaderTimeout bounds reading a request's line and headers, from its
	// first byte (a new connection: from when it opened).
	HeaderTimeout = 10 * time.Second
	// BodyTimeout bounds reading the body of a request other than a
	// phone's upload (those read under the upload limits), from its
	// headers.
	BodyTimeout = 30 * time.Second
	// WriteTimeout bounds writing a response (firmware downloads set
	// their own, scaled to the image's size).
	WriteTimeout = 5 * time.Minute
	// IdleTimeout closes a keep-alive connection idle that long.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes bounds a request's line and headers; more is
	// answered 431. It is the size of a connection's read buffer, which an
	// idle connection keeps (the body streaming uploads need keeps it): 16
	// KiB rather than net/http's 64 KiB of before, for 4 KB less per idle
	// connection (phones send well under 1 KiB).
	MaxHeaderBytes = 16 << 10
	// MaxAdminBody bounds the body of a request to the admin API and the
	// console (the largest they take: an import); more is answered 413
	// without reading it. The routes' own smaller limits still apply.
	MaxAdminBody = api.MaxImportBody
	// writeBuffer holds a whole config file with its headers, so a
	// response leaves in one write.
	writeBuffer = 16 << 10
)

// HTTPServer is the server of one HTTP or HTTPS listener (serve it with
// Serve on a plain or a TLS listener): phone requests are answered
// natively, the admin API, console, /healthz, /metrics and /ca.crt go to
// the router. Idle keep-alive connections hold no buffers.
func (s *Server) HTTPServer(log *slog.Logger) *fasthttp.Server {
	if log == nil {
		log = s.log
	}
	return &fasthttp.Server{
		Handler:                      s.serveFast,
		HeaderReceived:               headerReceived,
		ReadTimeout:                  HeaderTimeout,
		WriteTimeout:                 WriteTimeout,
		IdleTimeout:                  IdleTimeout,
		ReadBufferSize:               MaxHeaderBytes,
		WriteBufferSize:              writeBuffer,
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReduceMemoryUsage:            true,
		NoDefaultServerHeader:        true,
		NoDefaultContentType:         true,
		CloseOnShutdown:              true,
		Logger:                       slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
}

// headerReceived sets the deadline of the body: a phone's upload is read
// under the upload limits (uploadIdle a read), anything else gets
// BodyTimeout.
func headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if h.IsPut() && isPhonePath(b2s(h.RequestURI())) {
		return fasthttp.RequestConfig{ReadTimeout: uploadIdle}
	}
	return fasthttp.RequestConfig{ReadTimeout: BodyTimeout}
}

// b2s is b as a string without a copy, for a look that does not keep it.
func b2s(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// serveFast answers one request. Phone requests (any path outside /api/,
// /healthz, /metrics, /ca.crt and the console's) go straight to the
// config routes: they are the hot path during a boot storm.
func (s *Server) serveFast(ctx *fasthttp.RequestCtx) {
	defer s.recoverPanic(ctx)
	if s.phones != nil && isPhonePath(b2s(ctx.Path())) {
		s.phones.serve(ctx)
		s.phoneReqs[ctx.Response.StatusCode()/100%6].Inc()
		return
	}
	if n := ctx.Request.Header.ContentLength(); n > 0 || n == -1 {
		if !readAdminBody(ctx) {
			return
		}
	}
	s.admin(ctx)
}

// recoverPanic answers 500 and closes the connection after a panic,
// as net/http did: fasthttp would let it end the process.
func (s *Server) recoverPanic(ctx *fasthttp.RequestCtx) {
	if v := recover(); v != nil {
		s.log.Error("panic serving HTTP", "path", string(ctx.Path()), "panic", v, "stack", string(debug.Stack()))
		ctx.Response.Reset()
		ctx.SetConnectionClose()
		writeError(ctx, "internal error", http.StatusInternalServerError)
	}
}

// readAdminBody reads a streamed request body whole, up to MaxAdminBody,
// for the router (net/http handlers read it from memory). It answers and
// returns false when the body is too large or does not come.
func readAdminBody(ctx *fasthttp.RequestCtx) bool {
	st := ctx.RequestBodyStream()
	if st == nil {
		return true
	}
	if ctx.Request.Header.ContentLength() > MaxAdminBody {
		adminRefusal(ctx, http.StatusRequestEntityTooLarge, "request body over "+strconv.Itoa(MaxAdminBody>>20)+" MiB")
		return false
	}
	b, err := io.ReadAll(io.LimitReader(st, MaxAdminBody+1))
	switch {
	case err != nil:
		adminRefusal(ctx, http.StatusBadRequest, "request body: "+err.Error())
		return false
	case len(b) > MaxAdminBody:
		adminRefusal(ctx, http.StatusRequestEntityTooLarge, "request body over "+strconv.Itoa(MaxAdminBody>>20)+" MiB")
		return false
	}
	ctx.Request.SetBodyRaw(b)
	return true
}

// adminRefusal answers an admin request refused before the router, in
// the API's error form, and closes the connection (its body is unread).
func adminRefusal(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	ctx.SetContentType("application/json")
	ctx.SetBodyString(`{"error":` + strconv.Quote(msg) + "}\n")
	closeLingering(ctx)
}

// Bounds of what is read and dropped of an unread body after a refusal:
// enough for a client to finish sending a body a little over the largest
// limit, so that it sees the answer rather than a failed write; a client
// that sends nothing for lingerGap is done.
const (
	lingerTime  = 5 * time.Second
	lingerGap   = 500 * time.Millisecond
	lingerBytes = 2 * MaxAdminBody
)

// closeLingering sends the response made so far with Connection: close,
// and closes the connection as net/http does when a request body is left
// unread: the write side first, then what the client still sends is read
// and dropped for a moment (lingerTime, lingerBytes at most), so the
// client reads the answer instead of a reset. Call it last.
func closeLingering(ctx *fasthttp.RequestCtx) {
	ctx.SetConnectionClose()
	res := fasthttp.AcquireResponse()
	ctx.Response.CopyTo(res)
	res.SkipBody = ctx.IsHead()
	ctx.HijackSetNoResponse(true)
	ctx.Hijack(func(c net.Conn) {
		defer fasthttp.ReleaseResponse(res)
		if u, ok := c.(interface{ UnsafeConn() net.Conn }); ok {
			c = u.UnsafeConn() // not the server's buffered reader: nothing more is parsed
		}
		_ = c.SetWriteDeadline(time.Now().Add(HeaderTimeout))
		w := bufio.NewWriter(c)
		if res.Write(w) != nil || w.Flush() != nil {
			return
		}
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
		}
		end := time.Now().Add(lingerTime)
		buf := make([]byte, 32<<10)
		for n := 0; n < lingerBytes; {
			dl := time.Now().Add(lingerGap)
			if dl.After(end) {
				dl = end
			}
			_ = c.SetReadDeadline(dl)
			m, err := c.Read(buf)
			if err != nil {
				return
			}
			n += m
		}
	})
}

// detached is a request from fasthttpadaptor made safe to keep: the
// adaptor's strings (method, URL, host, header names and values) point
// into the connection's buffers, which the next request overwrites, and
// its context is the fasthttp.RequestCtx, which must not outlive the
// request either (the database's context watchers can). Handlers keep
// some of them past the request (metric labels, records, jobs), so they
// get copies, and a context of their own.
func detached(r *http.Request) *http.Request {
	d := r.WithContext(context.Background())
	d.Method, d.Proto, d.Host = strings.Clone(r.Method), strings.Clone(r.Proto), strings.Clone(r.Host)
	d.RequestURI, d.RemoteAddr = strings.Clone(r.RequestURI), strings.Clone(r.RemoteAddr)
	u := *r.URL
	u.Scheme, u.Opaque, u.Host, u.Path = strings.Clone(u.Scheme), strings.Clone(u.Opaque), strings.Clone(u.Host), strings.Clone(u.Path)
	u.RawPath, u.RawQuery = strings.Clone(u.RawPath), strings.Clone(u.RawQuery)
	u.Fragment, u.RawFragment = strings.Clone(u.Fragment), strings.Clone(u.RawFragment)
	if u.User != nil {
		pw, ok := u.User.Password()
		u.User = url.User(strings.Clone(u.User.Username()))
		if ok {
			u.User = url.UserPassword(u.User.Username(), strings.Clone(pw))
		}
	}
	d.URL = &u
	d.Header = make(http.Header, len(r.Header))
	for k, vs := range r.Header {
		c := make([]string, len(vs))
		for i, v := range vs {
			c[i] = strings.Clone(v)
		}
		d.Header[strings.Clone(k)] = c
	}
	d.TransferEncoding = slices.Clone(r.TransferEncoding)
	for i, v := range d.TransferEncoding {
		d.TransferEncoding[i] = strings.Clone(v)
	}
	return d
}

// serveStreamed runs a net/http handler whose body can be large (a
// firmware image: http.ServeContent with its Range, If-Range and
// conditional requests) with the body streamed from the handler to the
// connection and its Content-Length kept. A write deadline the handler
// sets (http.ResponseController) applies to this response only.
func serveStreamed(ctx *fasthttp.RequestCtx, h http.HandlerFunc) {
	var r http.Request
	if err := fasthttpadaptor.ConvertRequest(ctx, &r, true); err != nil {
		writeError(ctx, "bad request", http.StatusBadRequest)
		return
	}
	pr, pw := io.Pipe()
	w := &streamWriter{ctx: ctx, header: http.Header{}, pw: pw, head: make(chan struct{})}
	go func() {
		defer func() {
			if v := recover(); v != nil {
				pw.CloseWithError(io.ErrUnexpectedEOF)
				w.commit(http.StatusInternalServerError)
				return
			}
			w.commit(http.StatusOK)
			pw.Close()
		}()
		h(w, detached(&r)) // it runs on after the fasthttp handler returns
	}()
	<-w.head
	ctx.SetStatusCode(w.status)
	size := -1
	for k, vs := range w.header {
		if k == "Content-Length" {
			if n, err := strconv.Atoi(vs[0]); err == nil {
				size = n
			}
			continue
		}
		for _, v := range vs {
			ctx.Response.Header.Add(k, v)
		}
	}
	// The server reads the pipe while it writes the response, and closes
	// it when it is done (a HEAD, a 304, a client gone), which ends the
	// handler's writes.
	ctx.SetBodyStream(pr, size)
}

// streamWriter is the http.ResponseWriter of serveStreamed: WriteHeader
// hands status and header to the fasthttp handler, the body goes through
// the pipe.
type streamWriter struct {
	ctx    *fasthttp.RequestCtx
	header http.Header
	pw     *io.PipeWriter
	once   sync.Once
	status int
	head   chan struct{} // closed when status and header are set
}

func (w *streamWriter) Header() http.Header { return w.header }

func (w *streamWriter) commit(code int) {
	w.once.Do(func() { w.status = code; close(w.head) })
}

func (w *streamWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 {
		return // no interim responses
	}
	w.commit(code)
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.commit(http.StatusOK)
	return w.pw.Write(b)
}

// SetWriteDeadline is for http.ResponseController; only before the
// header is handed over (the fasthttp handler is still running then).
func (w *streamWriter) SetWriteDeadline(t time.Time) error {
	select {
	case <-w.head:
		return http.ErrNotSupported
	default:
	}
	return w.ctx.SetWriteDeadline(t)
}
