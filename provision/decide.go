package provision

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/sip/digest"
	"github.com/phoneprov/phoneprov/templates"
)

// Device-auth modes: what a request must prove, besides the vendor's own
// User-Agent naming the model, to get a file holding secrets.
const (
	// DeviceAuthCredentials: the device's own credential (HTTP digest, or
	// basic over TLS), its enrollment token, or a client certificate
	// chaining to --device-ca naming its MAC. The default.
	DeviceAuthCredentials = "credentials"
	// DeviceAuthNetwork: the request's source is inside --allow.
	DeviceAuthNetwork = "network"
	// DeviceAuthOpen: nothing more (closed lab networks).
	DeviceAuthOpen = "open"
)

// enrollPrefix starts an enrollment URL's path: /e/<token>/<file>.
const enrollPrefix = "/e/"

// EnrollmentGrace is how long after its first use an enrollment token
// still works, from the same source address only: a phone fetches several
// files in a row at boot (Yealink <mac>.boot then <mac>.cfg).
const EnrollmentGrace = 10 * time.Minute

// PhoneRequest is a phone's request as the config routes decide on it,
// without its transport: the HTTP handler, the identify route, the re-sync
// watcher and a TFTP server build one.
type PhoneRequest struct {
	// Method is GET, HEAD or PUT; "" means GET.
	Method string
	// Path is the request path as sent (it may start with an enrollment
	// prefix /e/<token>/).
	Path string
	// RequestURI is what a digest response must name; "" means Path.
	RequestURI string
	// UserAgent is the request's User-Agent.
	UserAgent string
	// NoUserAgent is true for transports that carry none (TFTP): the
	// request is then treated like one from a model whose User-Agent proves
	// nothing, so it needs another proof (the source inside --allow, in
	// practice), and it is never challenged.
	NoUserAgent bool
	// Source is the client address.
	Source netip.Addr
	// Authorization is the Authorization header, if any.
	Authorization string
	// TLS is true when the request came over TLS (basic credentials are
	// accepted only then).
	TLS bool
	// CertMAC is the MAC named by a verified client certificate (chaining
	// to --device-ca); "" when none was presented.
	CertMAC string
	// IfNoneMatch is the If-None-Match header, if any. A Decision to serve
	// a file it names has NotModified set and no Body.
	IfNoneMatch string

	// proven skips the proof checks (the re-sync watcher re-renders what a
	// device was served); credentialed counts as the device's own
	// credential, the User-Agent still checked, and anySource skips --allow
	// (both for the identify route).
	proven, credentialed, anySource bool
}

// Decision is how a phone request is answered.
type Decision struct {
	// Status is 200 (serve Body, or Firmware), 204 (accept the upload),
	// 401 (Challenges), 404 (the uniform refusal), 429 (the source is
	// blocked for walking MACs) or 500.
	Status int
	// Outcome is the metric label of the answer.
	Outcome string
	// Reason says why a request is not served, for admins.
	Reason string
	// ID is what the request was identified as.
	ID ident.Identity
	// Device is true when a device with the MAC is in the database.
	Device bool
	// Body, ContentType and ETag are the file served with 200.
	// NotModified: the request's If-None-Match names the file's ETag, so
	// the answer is 304 and Body is not filled.
	NotModified bool
	Body        []byte
	ContentType string
	ETag        string
	// Firmware is the image served with 200 for a firmware request.
	Firmware *firmware.Entry
	// Challenges are the WWW-Authenticate values of a 401.
	Challenges []string

	path     ident.Path
	counts   bool // a refusal counted against the source (MAC walk)
	walk     bool // a challenge for an unknown MAC: counted, still answered 401
	sighting bool // an unknown device: note it on the pending list
	fetched  bool // a known device got its file: record the fetch
	promote  bool // the device used its rotated credential
	enrolled bool // the device used its enrollment token for the first time
	frozen   bool
	model    string  // the device's model, once its file is rendered
	buf      *[]byte // Body's pooled buffer (release)
}

// release gives Body's buffer back to the pool; the Decision's Body must no
// longer be used. A Decision not released leaves its buffer to the GC.
func (d *Decision) release() {
	releaseBody(d.buf)
	d.Body, d.buf = nil, nil
}

// enrollmentToken splits an enrollment prefix off a path.
func enrollmentToken(path string) (token, rest string) {
	if !strings.HasPrefix(path, enrollPrefix) {
		return "", path
	}
	tok, rest, ok := strings.Cut(path[len(enrollPrefix):], "/")
	if !ok || tok == "" {
		return "", path
	}
	return tok, "/" + rest
}

// Decide makes the one decision for a phone request: whether and what to
// serve, and why not. It has no side effects (Answer adds them), so the
// identify route and the re-sync watcher use it as it is.
func (p *Phones) Decide(ctx context.Context, req PhoneRequest) Decision {
	token, path := enrollmentToken(req.Path)
	id, ua, pp := p.id.IdentifyParts(req.UserAgent, path)
	d := Decision{ID: id, Status: http.StatusNotFound, path: pp}
	if !req.anySource && !p.allowed(req.Source) {
		d.Outcome, d.Reason = "not_allowed", "the source is outside --allow"
		return d
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead:
	case http.MethodPut:
		if id.Kind != ident.KindUpload {
			d.Outcome, d.Reason = "refused", "only uploads are taken by PUT"
			d.counts = true
			return d
		}
		p.decideDevice(ctx, &req, token, ua, &d)
		return d
	default:
		d.Outcome, d.Reason = "method", "method not served"
		return d
	}
	switch id.Kind {
	case templates.KindCommon, templates.KindBoot, templates.KindMaster:
		if id.MAC == "" {
			p.decideShared(&d)
			return d
		}
	case templates.KindDevice, templates.KindPhone:
	case ident.KindFirmware:
		p.decideFirmware(&d)
		return d
	case ident.KindUpload:
		d.Outcome, d.Reason = "refused", "an upload is taken by PUT only"
		d.counts = true
		return d
	default:
		d.Outcome, d.Reason = "unknown_file", "no phone asks for this file name"
		return d
	}
	p.decideDevice(ctx, &req, token, ua, &d)
	return d
}

// refused makes d the uniform 404 of a refusal that counts against the
// source.
func (d *Decision) refused(reason string) {
	d.Status, d.Outcome, d.Reason, d.counts = http.StatusNotFound, "refused", reason, true
}

// decideDevice decides on a per-device file (or an upload): the checks
// that need no database come first, so that a request for an unknown MAC
// and one for a known MAC without proof get the same answer.
func (p *Phones) decideDevice(ctx context.Context, req *PhoneRequest, token string, ua ident.UA, d *Decision) {
	id := &d.ID
	switch {
	case id.MAC == "":
		d.refused("no MAC in the path or the User-Agent")
		return
	case id.MACMismatch:
		d.refused("the MAC in the User-Agent differs from the path's")
		return
	case req.CertMAC != "" && req.CertMAC != id.MAC:
		d.refused("the client certificate names another MAC")
		return
	}
	phoneUA := ua.Known || p.noUA[id.Family] || req.NoUserAgent
	if !phoneUA && !req.proven {
		d.refused("not a phone's User-Agent naming a catalog model (a config holding secrets is never served to it)")
		return
	}
	presents := hasCredential(req.Authorization) || token != "" || req.CertMAC != ""
	challenge := p.mode == DeviceAuthCredentials && !presents && !req.proven && !req.credentialed && !req.NoUserAgent
	if challenge && p.throttle.isBlocked(req.Source, p.now()) {
		// A source walking MACs gets the same challenge for every MAC,
		// without a look-up in the database.
		d.Status, d.Outcome, d.Challenges = http.StatusUnauthorized, "challenge", p.auth.Challenges(false)
		d.Reason = "a phone must also present its own credential"
		return
	}
	e, err := p.config(ctx, id, d.path)
	ns := asNotServed(err)
	switch {
	case err == nil:
		d.Device = true
	case ns != nil:
		d.Device = !ns.noDevice
		d.sighting = ns.noDevice && id.Vendor != ""
	case errors.Is(err, errFileNotServed):
		d.Device = true
	}
	if challenge {
		// The same challenge for known and unknown MACs; an unknown one
		// still counts against the source (without changing the answer).
		d.walk = ns != nil && ns.noDevice
		d.Status, d.Outcome, d.Challenges = http.StatusUnauthorized, "challenge", p.auth.Challenges(false)
		d.Reason = "a phone must also present its own credential (HTTP digest, or basic over TLS), its enrollment URL or a client certificate"
		return
	}
	switch {
	case ns != nil:
		d.refused(ns.reason)
		return
	case errors.Is(err, errFileNotServed):
		d.Status, d.Outcome = http.StatusNotFound, "not_served"
		d.Reason = "the legacy binary format is not made: the phone goes on to " + id.File + ".xml"
		return
	case err != nil:
		d.Status, d.Outcome, d.Reason = http.StatusInternalServerError, "error", err.Error()
		if ctx.Err() != nil {
			d.Outcome = "gone" // the phone hung up while its file was read
		}
		return
	}
	policy := e.uaPolicy
	if req.NoUserAgent {
		policy = uaNone
	}
	if reason := e.uaRefusal(id, ua, policy); reason != "" && !req.proven {
		d.refused(reason)
		return
	}
	if req.Method == http.MethodPut && !e.uploads {
		d.refused("a " + e.model + " does not upload files")
		return
	}
	if !req.proven {
		credOK, stale, promote := p.checkCredential(req, e)
		tokenOK := token != "" && p.tokenValid(ctx, token, id.MAC, req.Source)
		own := credOK || tokenOK || req.CertMAC == id.MAC || req.credentialed
		if req.NoUserAgent && len(p.allow) > 0 {
			// A transport that cannot authenticate (TFTP): a source inside
			// --allow (checked above) is the device's only proof.
			own = true
		}
		var ok bool
		switch p.mode {
		case DeviceAuthCredentials:
			ok = own
		case DeviceAuthNetwork:
			ok = len(p.allow) > 0 || own
		default:
			ok = policy != uaNone || own || len(p.allow) > 0
		}
		if e.required && !own {
			ok = false
		}
		if !ok {
			if stale || (!presents && e.required) {
				d.Status, d.Outcome, d.Challenges = http.StatusUnauthorized, "challenge", p.auth.Challenges(stale)
				d.Reason = "the device must present its own credential"
				return
			}
			d.refused("no valid proof: wrong credential, unknown or used enrollment token, or no proof " + p.mode + " mode accepts")
			return
		}
		d.promote = promote
		if tokenOK && !credOK {
			d.enrolled = true
		}
	}
	if req.Method == http.MethodPut {
		d.Status, d.Outcome, d.fetched = http.StatusNoContent, "upload", false
		return
	}
	d.Status, d.Outcome, d.fetched = http.StatusOK, "ok", true
	if req.IfNoneMatch != "" && etagMatch(req.IfNoneMatch, e.etag) {
		d.NotModified = true
	} else {
		d.Body, d.buf = e.bodyOf()
	}
	d.ContentType, d.ETag, d.frozen, d.model = e.ctype, e.etag, e.frozen, e.model
	if e.frozen {
		d.Outcome = "frozen"
	}
}

// asNotServed is err as a *notServed, or nil.
func asNotServed(err error) *notServed {
	if err == nil {
		return nil // before ns: it escapes, and a hit allocates nothing
	}
	var ns *notServed
	if errors.As(err, &ns) {
		return ns
	}
	return nil
}

// uaRefusal says why the User-Agent does not prove the device's model
// (and MAC, where the vendor sends it), or "".
func (e *rendered) uaRefusal(id *ident.Identity, ua ident.UA, policy int) string {
	if id.Family != "" && id.Family != e.family {
		return "the request's vendor differs from the device's"
	}
	if policy == uaNone {
		if ua.Known && ua.Model != e.model {
			return "the User-Agent names " + ua.Model + " but the device is a " + e.model
		}
		return ""
	}
	switch {
	case !ua.Known:
		return "the User-Agent does not name the device's model " + e.model
	case ua.Model != e.model:
		return "the User-Agent names " + ua.Model + " but the device is a " + e.model
	case policy == uaMAC && ua.MAC != id.MAC:
		return "a " + e.model + " names its MAC in the User-Agent, and this one does not"
	}
	return ""
}

// hasCredential reports whether an Authorization header carries a device
// credential (Digest or Basic; an admin's Bearer token is none).
func hasCredential(h string) bool {
	scheme, _, _ := strings.Cut(h, " ")
	return strings.EqualFold(scheme, "Digest") || strings.EqualFold(scheme, "Basic")
}

// checkCredential verifies the Authorization header against the device's
// credential: HTTP digest on any transport, basic only over TLS. Both the
// current and a rotated password are accepted; promote is true when the
// rotated one was used.
func (p *Phones) checkCredential(req *PhoneRequest, e *rendered) (ok, stale, promote bool) {
	h := req.Authorization
	if h == "" || e.httpUser == "" {
		return false, false, false
	}
	pws, npw := [2]string{e.httpPassword}, 1
	if e.httpNext != "" {
		pws, npw = [2]string{e.httpNext, e.httpPassword}, 2
	}
	if scheme, rest, _ := strings.Cut(h, " "); strings.EqualFold(scheme, "Basic") {
		if !req.TLS {
			return false, false, false
		}
		// decoded on the stack: a credential fetch allocates nothing here
		var buf [256]byte
		rest = strings.TrimSpace(rest)
		if base64.StdEncoding.DecodedLen(len(rest)) > len(buf) {
			return false, false, false
		}
		n, err := base64.StdEncoding.Decode(buf[:], []byte(rest))
		if err != nil {
			return false, false, false
		}
		user, pw, _ := bytes.Cut(buf[:n], []byte(":"))
		if subtle.ConstantTimeCompare(user, []byte(e.httpUser)) != 1 {
			return false, false, false
		}
		for i, want := range pws[:npw] {
			if subtle.ConstantTimeCompare(pw, []byte(want)) == 1 {
				return true, false, e.httpNext != "" && i == 0
			}
		}
		return false, false, false
	}
	c, err := digest.ParseAuthorization(h)
	uri := req.RequestURI
	if uri == "" {
		uri = req.Path
	}
	method := req.Method
	if method == "" {
		method = http.MethodGet
	}
	if err != nil || c.URI != uri || c.Username != e.httpUser {
		return false, false, false
	}
	for i, pw := range pws[:npw] {
		res, _ := p.auth.Verify(method, c, func(user, alg string) (string, bool) {
			return digest.HA1(alg, e.httpUser, p.auth.Realm(), pw), true
		})
		switch res {
		case digest.OK:
			return true, false, e.httpNext != "" && i == 0
		case digest.Stale:
			return false, true, false
		}
	}
	return false, false, false
}

// tokenValid reports whether an enrollment token is the device's and still
// usable: within its window, and unused, or used less than EnrollmentGrace
// ago from the same source.
func (p *Phones) tokenValid(ctx context.Context, token, mac string, src netip.Addr) bool {
	e, err := p.store.EnrollmentByToken(ctx, token)
	if err != nil || e == nil || e.MAC != mac {
		return false
	}
	now := p.now()
	if !now.Before(e.Expires) {
		return false
	}
	return e.Used.IsZero() || (now.Sub(e.Used) < EnrollmentGrace && e.UsedIP == src.String())
}

// decideShared decides on a file a model shares between devices (Yealink
// y0000000000XX.cfg, Poly 000000000000.cfg, Snom snom<model>.htm …): they
// carry no line and no secret, so no proof is asked.
func (p *Phones) decideShared(d *Decision) {
	m, ok := p.store.Catalog().Lookup(d.ID.Model)
	if !ok {
		d.Outcome, d.Reason = "unknown_model", "shared file of an unknown model"
		return
	}
	e, err := p.shared(m, &d.ID)
	if err != nil {
		d.Outcome, d.Reason = "unknown_file", "a "+m.Model+" never asks for this file"
		return
	}
	d.Status, d.Outcome = http.StatusOK, "shared"
	d.Body, d.ContentType, d.ETag = e.body, e.ctype, e.etag
}

// decideFirmware decides on a firmware image: the model comes from the
// User-Agent or the file name. Firmware is not secret, so a known device
// is not required, but an unknown file gets the uniform 404.
func (p *Phones) decideFirmware(d *Decision) {
	if p.fw == nil || !d.ID.Known {
		d.Outcome, d.Reason = "unknown_file", "no firmware of a known model by this name"
		return
	}
	e, ok := p.fw.ByFilename(d.ID.Model, d.ID.File)
	if !ok {
		d.Outcome, d.Reason = "unknown_file", "no firmware of a known model by this name"
		return
	}
	d.Status, d.Outcome, d.Firmware = http.StatusOK, "firmware", &e
}

// Answer is Decide plus what an answered request changes: the walk
// throttle (a refusal from a blocked source becomes 429; a request that
// would be served never is), the pending list, the fetch log, a rotated
// credential taking over and an enrollment token's use. The HTTP handler
// uses it; so should any other transport (TFTP).
func (p *Phones) Answer(ctx context.Context, req PhoneRequest) Decision {
	d := p.Decide(ctx, req)
	now := p.now()
	id := &d.ID
	if d.sighting {
		p.rec.sighting(devicedb.Sighting{MAC: id.MAC, Vendor: id.Vendor, Model: id.Model, Firmware: id.Firmware,
			UserAgent: req.UserAgent, SourceIP: req.Source.String(), At: now})
	}
	if d.walk {
		p.noteWalk(req.Source, id.MAC)
		p.throttle.unknown(req.Source, id.MAC, now)
	}
	if d.counts {
		key := id.MAC
		if key == "" {
			key = id.File
		}
		p.noteWalk(req.Source, key)
		if p.throttle.unknown(req.Source, key, now) {
			d.Status, d.Outcome, d.Reason = http.StatusTooManyRequests, "throttled", "the source asked for too many unknown MACs"
		}
		return d
	}
	if d.promote {
		if err := p.store.PromoteDeviceCredential(ctx, id.MAC); err != nil {
			p.log.Warn("taking the rotated credential into use", "mac", id.MAC, "err", err)
		}
		p.cache.dropMAC(id.MAC)
	}
	if d.enrolled {
		if err := p.store.UseEnrollment(ctx, id.MAC, req.Source.String()); err != nil {
			p.log.Warn("recording an enrollment", "mac", id.MAC, "err", err)
		}
	}
	if d.fetched {
		p.noteServed(req, &d)
		ua := req.UserAgent
		if req.NoUserAgent {
			ua = "TFTP" // the fetch log says how the file went
		}
		p.rec.fetch(id.MAC, fetchNote{at: now, ip: req.Source, file: id.File, status: http.StatusOK, ua: ua, firmware: id.Firmware})
		if p.onFetch != nil {
			p.onFetch(id.MAC, now)
		}
	}
	return d
}

// noteWalk tells the other nodes of an unknown MAC a source asked for
// (ThrottleConfig.OnUnknown), before this node counts it.
func (p *Phones) noteWalk(src netip.Addr, mac string) {
	if p.throttle.cfg.OnUnknown != nil {
		p.throttle.cfg.OnUnknown(src, mac)
	}
}

// uaPolicy values: what a model's User-Agent proves (templates.Model.UserAgent).
const (
	uaModel = iota
	uaMAC
	uaNone
)

func uaPolicyOf(m templates.Model) int {
	switch m.UserAgent {
	case "mac":
		return uaMAC
	case "none":
		return uaNone
	}
	return uaModel
}

// uploads reports whether a model uploads files by PUT; the catalog's
// field, else every Poly.
func uploads(m templates.Model) bool { return m.Uploads || m.Family == templates.FamilyPolycom }
