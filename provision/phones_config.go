package provision

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/ident"
	"github.com/phoneprov/phoneprov/templates"
)

// notServed means the request gets the uniform 404; reason says why, for
// admins (GET /api/v1/identify).
type notServed struct {
	reason   string
	noDevice bool // no device with the MAC: a sighting for the pending list
}

func (e *notServed) Error() string { return e.reason }

// errFileNotServed is a known device asking for a file it gets no answer
// for by design (Grandstream's binary cfg<mac>, which makes it go on to the
// XML): the uniform 404, but it does not count against the source as a
// MAC walk would.
var errFileNotServed = errors.New("file not served to this device")

// legacyBinary reports whether a Grandstream phone asks for the legacy
// encrypted binary cfg<mac> / cfg<mac>.bin, which phoneprov does not make.
func legacyBinary(family, file string) bool {
	return family == templates.FamilyGrandstream && !strings.HasSuffix(strings.ToLower(file), ".xml")
}

// rendered is one rendered file, cached until the store's generation moves.
type rendered struct {
	gen uint64
	// body is the file, or nil when delta holds it (bodyOf).
	body   []byte
	delta  *delta
	etag   string
	ctype  string
	model  string // the device's catalog model, checked against the User-Agent
	family string
	frozen bool
	// uaPolicy is what the model's User-Agent proves; uploads whether it
	// uploads files.
	uaPolicy int
	uploads  bool
	// httpUser, httpPassword and httpNext (a rotated password not yet
	// used) are the device's credential; required is its http-auth switch.
	httpUser, httpPassword, httpNext string
	required                         bool
}

// entryOverhead is about what a cache entry costs besides its body and
// delta: the entry with its credential and header values, its key and the
// map's slot (about 1 KiB in all for a compacted config).
const entryOverhead = 640

// size is about the memory e takes in the cache.
func (e *rendered) size() int {
	n := entryOverhead + len(e.body)
	if e.delta != nil {
		n += e.delta.size()
	}
	return n
}

// configCache holds rendered files by MAC, kind and reported firmware,
// per-device files compacted against their model's base (compact.go).
// Entries of an older store generation are stale and re-rendered. It holds
// at most max entries and maxBytes (entries with their bodies; a boot
// storm of a million phones must not keep every rendered file): past
// either, stale entries and then about a tenth of the others are dropped.
type configCache struct {
	mu       sync.RWMutex
	m        map[cacheKey]*rendered
	max      int
	maxBytes int
	bytes    int
	bases    bases
}

// cacheKey names a rendered file: a device's (mac, kind, the firmware it
// reports), or a model's shared file (model in fw, mac empty).
type cacheKey struct{ mac, kind, fw, file string }

// Default bounds of the rendered-file cache: 100,000 phones' configs,
// compacted, take about 100 MiB (README "Performance"); the bounds hold
// about 170,000 files.
const (
	cacheEntries = 300000
	cacheBytes   = 176 << 20
)

func newConfigCache(max, maxBytes int) *configCache {
	return &configCache{m: make(map[cacheKey]*rendered), max: max, maxBytes: maxBytes}
}

func (c *configCache) get(k cacheKey, gen uint64) *rendered {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	if e == nil || e.gen != gen {
		return nil
	}
	return e
}

func (c *configCache) put(k cacheKey, e *rendered) {
	size := e.size()
	if size > c.maxBytes/8 {
		return // one file may not take the cache
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max || c.bytes+size > c.maxBytes {
		n := 0
		for k2, old := range c.m { // drop stale entries first, then any tenth
			if old.gen != e.gen || n < len(c.m)/10+1 {
				c.bytes -= old.size()
				delete(c.m, k2)
				n++
			}
		}
		for k2, old := range c.m {
			if c.bytes+size <= c.maxBytes {
				break
			}
			c.bytes -= old.size()
			delete(c.m, k2)
		}
	}
	if old, ok := c.m[k]; ok {
		c.bytes -= old.size()
	}
	c.m[k] = e
	c.bytes += size
}

// dropMAC forgets a device's cached files (its credential changed without
// an admin change).
func (c *configCache) dropMAC(mac string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.m {
		if k.mac == mac {
			c.bytes -= e.size()
			delete(c.m, k)
		}
	}
}

// config returns the file a known device asked for, rendered or cached,
// with what the decision needs to know of the device. An upload has no
// file: only the device's facts.
func (p *Phones) config(ctx context.Context, id *ident.Identity, path ident.Path) (*rendered, error) {
	gen := p.generation()
	key := cacheKey{mac: id.MAC, kind: id.Kind, fw: id.Firmware}
	e := p.cache.get(key, gen)
	if e == nil {
		var err error
		if e, err = p.renderDevice(ctx, id, path, gen); err != nil {
			return nil, err
		}
		if e.body != nil && !e.frozen {
			p.cache.bases.compact(gen, e.model, id.Kind, e)
		}
		p.cache.put(key, e)
	}
	return e, nil
}

// renderDevice renders the file of kind path.KindFor(the device's family).
func (p *Phones) renderDevice(ctx context.Context, id *ident.Identity, path ident.Path, gen uint64) (*rendered, error) {
	d, err := p.store.DeviceConfig(ctx, id.MAC)
	if errors.Is(err, devicedb.ErrNotFound) {
		return nil, &notServed{reason: "no device with this MAC; it is listed in GET /api/v1/devices/pending", noDevice: true}
	}
	if err != nil {
		return nil, err
	}
	m, ok := p.store.Catalog().Lookup(d.Model)
	if !ok {
		return nil, &notServed{reason: "the device's model " + d.Model + " is not in the catalog"}
	}
	if d.Status == devicedb.DeviceRetired {
		return nil, &notServed{reason: "device retired (replaced by " + d.ReplacedBy + ")"}
	}
	creds, err := p.store.DeviceCredentials(ctx, d.MAC)
	if err != nil {
		return nil, err
	}
	e := &rendered{gen: gen, model: m.Model, family: m.Family, uaPolicy: uaPolicyOf(m), uploads: uploads(m),
		httpUser: creds.User, httpPassword: creds.Password, httpNext: creds.NextPassword, required: creds.Required}
	if id.Kind == ident.KindUpload {
		return e, nil
	}
	kind := path.KindFor(m.Family)
	if kind == ident.KindUnknown {
		return nil, &notServed{reason: "a " + m.Model + " never asks for this file"}
	}
	if legacyBinary(m.Family, id.File) {
		return nil, errFileNotServed
	}
	if d.Status == devicedb.DeviceUnsupported {
		return p.frozen(ctx, d, kind, e)
	}
	var buf bytes.Buffer
	cfg := p.deviceConfig(d, m, id.Firmware)
	cfg.HTTPUser, cfg.HTTPPassword, cfg.WebUIPassword = creds.User, creds.Newest(), creds.WebUIPassword
	if e.ctype, err = p.render.Render(&buf, kind, cfg); errors.Is(err, templates.ErrUnknownKind) {
		return nil, &notServed{reason: "a " + m.Model + " gets no " + kind + " file"}
	} else if err != nil {
		return nil, err
	}
	e.body = buf.Bytes()
	e.etag = etag(e.body)
	return e, nil
}

// frozen serves the files snapshotted for an unsupported device at import.
func (p *Phones) frozen(ctx context.Context, d *devicedb.Device, kind string, e *rendered) (*rendered, error) {
	raw, err := p.store.FrozenConfig(ctx, d.MAC)
	if err != nil {
		return nil, err
	}
	var files map[string]FrozenFile
	if json.Unmarshal(raw, &files) != nil {
		return nil, &notServed{reason: "the device's frozen config cannot be read"}
	}
	f, ok := files[kind]
	if !ok {
		return nil, &notServed{reason: "the device's frozen config has no " + kind + " file"}
	}
	e.body, e.ctype, e.frozen = []byte(f.Body), f.ContentType, true
	e.etag = etag(e.body)
	return e, nil
}

// FrozenFile is one file of an unsupported device's frozen config, stored
// by kind as JSON at import.
type FrozenFile struct {
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
}

// shared renders (or finds cached) a file a model shares between devices.
func (p *Phones) shared(m templates.Model, id *ident.Identity) (*rendered, error) {
	gen := p.generation()
	key := cacheKey{kind: id.Kind, fw: m.Model, file: id.File}
	e := p.cache.get(key, gen)
	if e == nil {
		var buf bytes.Buffer
		cfg := p.deviceConfig(&devicedb.Device{}, m, "")
		ct, err := p.render.Render(&buf, id.Kind, cfg)
		if err != nil {
			return nil, err
		}
		e = &rendered{gen: gen, body: buf.Bytes(), ctype: ct, etag: etag(buf.Bytes()), model: m.Model, family: m.Family}
		p.cache.put(key, e)
	}
	return e, nil
}

// deviceConfig builds what the templates render from a device, its model
// and the firmware it reports.
func (p *Phones) deviceConfig(d *devicedb.Device, m templates.Model, fw string) *templates.DeviceConfig {
	s := p.set
	cfg := &templates.DeviceConfig{MAC: d.MAC, Model: m, Firmware: fw, ProvisionURL: s.ProvisionURL,
		CACert: s.CACert, CACertURL: s.CACertURL,
		ResyncInterval: s.ResyncInterval, NTPServer: s.NTPServer, TimeZone: devicedb.DefaultTimeZone,
		Language: devicedb.DefaultLanguage,
		SIP: templates.SIPServer{Domain: s.Domain, Host: s.PublicHost, Port: s.SIPPort, Transport: s.SIPTransport,
			UseSRV: s.DNSSRV && m.DNSSRV}}
	if s.STUNPort != 0 {
		cfg.STUNServer = net.JoinHostPort(s.PublicHost, strconv.Itoa(s.STUNPort))
	}
	belowMin := fw != "" && m.MinFirmware != "" && firmware.VersionLess(fw, m.MinFirmware)
	if p.fw != nil {
		if t, ok := p.fw.Target(m.Model); ok && (fw == "" || firmware.VersionLess(fw, t.Version)) {
			cfg.FirmwareURL = s.ProvisionURL + url.PathEscape(t.Filename)
		}
	}
	for i, l := range d.Lines {
		if i == 0 {
			cfg.TimeZone, cfg.Language = l.TimeZone, l.Language
		}
		cfg.Lines = append(cfg.Lines, templates.Line{Index: l.Line, Enabled: l.Enabled && !belowMin, User: l.Extension,
			AuthUser: l.AuthUser, Password: l.Password, DisplayName: l.DisplayName, Label: l.Extension, Expiry: s.Expiry})
	}
	return cfg
}

// generation changes whenever the database or the firmware store does; a
// cached file of another generation is stale.
func (p *Phones) generation() uint64 {
	g := p.store.Generation()
	if p.fw != nil {
		g += p.fw.Generation() << 40
	}
	return g
}

func etag(b []byte) string {
	h := sha256.Sum256(b)
	return `"` + hex.EncodeToString(h[:16]) + `"`
}

// writeFile answers with a decided file, or 304 when the phone has it.
// The header values are copied into the response's own buffers: no
// allocation.
func writeFile(ctx *fasthttp.RequestCtx, d *Decision) {
	h := &ctx.Response.Header
	h.Set("ETag", d.ETag)
	h.Set("Cache-Control", "no-cache")
	if inm := ctx.Request.Header.Peek("If-None-Match"); d.NotModified || (len(inm) > 0 && etagMatch(b2s(inm), d.ETag)) {
		ctx.SetStatusCode(http.StatusNotModified)
		return
	}
	h.SetContentType(d.ContentType)
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetBody(d.Body) // a HEAD's body is not sent; its Content-Length is
}

// etagMatch applies If-None-Match's list and weak comparison.
func etagMatch(header, tag string) bool {
	for header != "" {
		var t string
		t, header, _ = strings.Cut(header, ",")
		t = strings.TrimSpace(t)
		if t == "*" || t == tag || (strings.HasPrefix(t, "W/") && t[2:] == tag) {
			return true
		}
	}
	return false
}
