package templates

import (
	"bytes"
	"embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// File kinds, the vocabulary shared with the request path parser.
const (
	// KindMaster is Poly's master file (<mac>.cfg, 000000000000.cfg).
	KindMaster = "master"
	// KindPhone is Poly's per-device file (phoneprov-<mac>.cfg).
	KindPhone = "phone"
	// KindBoot is Yealink's boot file (<mac>.boot, y000000000000.boot).
	KindBoot = "boot"
	// KindCommon is a per-model file (Yealink y0000000000XX.cfg, Fanvil
	// model file, Grandstream cfg<model>.xml, Snom snom<model>.htm).
	KindCommon = "common"
	// KindDevice is the per-device file of every family but Poly.
	KindDevice = "device"
)

//go:embed all:family
var familyFS embed.FS

// fileFormat is how a family's files escape values.
type fileFormat int

const (
	formatXML fileFormat = iota
	formatKV
)

// family describes one template set: its file format and the function
// deriving its V values.
type familyDef struct {
	format fileFormat
	data   func(*view) (any, error)
}

// familyDefs are the template sets, one folder each under family/.
var familyDefs = map[string]familyDef{
	"polycom":     {formatXML, polycomView},
	"yealink":     {formatKV, yealinkView},
	"cisco-spa":   {formatXML, ciscoSPAView},
	"cisco-mpp":   {formatXML, ciscoMPPView},
	"grandstream": {formatXML, grandstreamView},
	"snom":        {formatXML, snomView},
	"obihai":      {formatXML, obihaiView},
	"fanvil":      {formatXML, fanvilView},
}

// contentTypes are the HTTP content types per file format.
var contentTypes = map[fileFormat]string{
	formatXML: "application/xml; charset=utf-8",
	formatKV:  "text/plain; charset=utf-8",
}

// RendererConfig configures NewRenderer.
type RendererConfig struct {
	// Catalog names the models model overrides may target; nil: Default().
	Catalog *Catalog
	// OverrideDir, when set (the --templates-dir flag), holds templates
	// that replace the embedded ones; "" (the default): embedded only.
	// Layout, most specific first:
	//
	//	device/<mac>/<kind>.tmpl        one device (12 lower-case hex digits)
	//	model/<Key(model)>/<kind>.tmpl  one catalog model, e.g. model/vvx410/
	//	family/<family>/<kind>.tmpl     every model of a family
	//
	// Files named _<name>.tmpl in any of these folders hold {{define}}
	// blocks; they replace the embedded blocks of the same name for that
	// scope. Every override is parsed against its family's embedded set, so
	// it can call the family's blocks, and must follow the escaping rule of
	// the family's format (output actions end in x or el for XML families,
	// kv or kvq for Yealink). Dot files are ignored; anything else is an
	// error.
	OverrideDir string
	// Now gives the year whose DST rules are rendered; nil: time.Now.
	Now func() time.Time
}

// Renderer renders device configuration files. It is immutable after
// NewRenderer and safe for concurrent use.
type Renderer struct {
	now      func() time.Time
	base     map[string]*scope                  // family -> family scope, before freezing
	sets     map[string]*templateSet            // family -> family scope
	byModel  map[string]*templateSet            // Key(model) -> model scope
	byDevice map[string]map[string]*templateSet // mac -> family -> device scope
}

// templateSet maps the kinds of one scope to their templates.
type templateSet struct {
	family string
	kinds  map[string]*template.Template
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// NewRenderer parses and checks every template, embedded and overrides,
// and executes each once against sample configs; errors name file:line.
func NewRenderer(cfg RendererConfig) (*Renderer, error) {
	if cfg.Catalog == nil {
		cfg.Catalog = Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Renderer{now: cfg.Now, base: make(map[string]*scope), sets: make(map[string]*templateSet),
		byModel: make(map[string]*templateSet), byDevice: make(map[string]map[string]*templateSet)}
	if err := r.loadEmbedded(); err != nil {
		return nil, err
	}
	if cfg.OverrideDir != "" {
		if err := r.loadOverrides(cfg.OverrideDir, cfg.Catalog); err != nil {
			return nil, err
		}
	}
	r.base = nil
	return r, nil
}

// Kinds returns the file kinds a family renders, sorted; nil for an
// unknown family.
func (r *Renderer) Kinds(family string) []string {
	s, ok := r.sets[family]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(s.kinds))
	for k := range s.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Render writes the file of the given kind for cfg to w and returns its
// content type. Nothing is written when it fails. The template used is
// the device override, else the model override, else the family override,
// else the embedded one. Only the per-device kinds (phone, device) see the
// device's secrets: for master, boot and common files, which may be served
// before the device is known or shared by a model, the line slots are
// empty and the HTTP credentials unset, whatever the template.
func (r *Renderer) Render(w io.Writer, kind string, cfg *DeviceConfig) (contentType string, err error) {
	if cfg == nil {
		return "", fmt.Errorf("%w: nil config", ErrInvalidConfig)
	}
	fam, ok := familyDefs[cfg.Model.Family]
	if !ok {
		return "", fmt.Errorf("%w %q", ErrUnknownFamily, cfg.Model.Family)
	}
	t := r.pick(kind, cfg)
	if t == nil {
		return "", fmt.Errorf("%w %q for family %s", ErrUnknownKind, kind, cfg.Model.Family)
	}
	v, err := r.view(fam, kind, cfg)
	if err != nil {
		return "", err
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	buf.Reset()
	if err := t.Execute(buf, v); err != nil {
		return "", fmt.Errorf("rendering %s %s: %w", cfg.Model.Family, kind, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return "", fmt.Errorf("writing %s %s: %w", cfg.Model.Family, kind, err)
	}
	return contentTypes[fam.format], nil
}

// pick finds the template of the most specific scope.
func (r *Renderer) pick(kind string, cfg *DeviceConfig) *template.Template {
	s := r.sets[cfg.Model.Family]
	if s == nil || s.kinds[kind] == nil {
		return nil
	}
	if byFam, ok := r.byDevice[strings.ToLower(cfg.MAC)]; ok && cfg.MAC != "" {
		if d := byFam[cfg.Model.Family]; d != nil && d.kinds[kind] != nil {
			return d.kinds[kind]
		}
	}
	if m := r.byModel[Key(cfg.Model.Model)]; m != nil && m.family == cfg.Model.Family && m.kinds[kind] != nil {
		return m.kinds[kind]
	}
	return s.kinds[kind]
}

// view builds what templates execute against.
func (r *Renderer) view(fam familyDef, kind string, cfg *DeviceConfig) (*view, error) {
	return buildView(fam, kind, cfg, r.now().Year())
}

func buildView(fam familyDef, kind string, cfg *DeviceConfig, year int) (*view, error) {
	v, err := newView(cfg, year)
	if err != nil {
		return nil, err
	}
	v.PerDevice = kind == KindPhone || kind == KindDevice
	if !v.PerDevice {
		v.scrubSecrets()
	}
	if v.V, err = fam.data(v); err != nil {
		return nil, err
	}
	return v, nil
}

func strInt(i int) string { return strconv.Itoa(i) }
