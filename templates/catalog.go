package templates

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Model is one entry of the model catalog.
type Model struct {
	// Vendor is the maker as admins know it: "Poly", "Yealink", "Cisco",
	// "Linksys", "Grandstream", "Snom", "Obihai", "Fanvil", "Aastra",
	// "Mitel", "Htek", "Sangoma", "Gigaset", "Avaya", "Panasonic",
	// "Alcatel-Lucent", "Akuvox", "AudioCodes", "Algo", "CyberData", "2N".
	Vendor string `json:"vendor"`
	// Model is the canonical model name, e.g. "VVX 410".
	Model string `json:"model"`
	// Aliases are other spellings seen in exports and User-Agents
	// (e.g. "VVX_410", "SIP-T46S", "snom710"). Each alias names one model.
	Aliases []string `json:"aliases,omitempty"`
	// Family selects the template set: "polycom", "yealink", "cisco-spa",
	// "cisco-mpp", "grandstream", "snom", "obihai", "fanvil", "aastra",
	// "htek", "gigaset", "avaya", "panasonic", "ale", "akuvox",
	// "audiocodes", "algo", "cyberdata", "2n", "fanvil-legacy".
	Family string `json:"family"`
	// Series is the product line inside the vendor, e.g. "VVX",
	// "SoundPoint IP", "T4x".
	Series string `json:"series,omitempty"`
	// Kind is "phone", "ata" or "dect".
	Kind string `json:"kind"`
	// Lines is the number of SIP lines (registrations) the model has; for
	// ATAs it is the number of phone ports.
	Lines int `json:"lines"`
	// Supported is false for models the X Series admin console does not
	// support; such devices only arrive through the Classic import.
	Supported bool `json:"supported"`
	// Replacement is the suggested supported model for an unsupported one,
	// by its canonical name; required when Supported is false.
	Replacement string `json:"replacement,omitempty"`
	// ContactCenter marks a locked-down contact-center desk phone, the only
	// kind a VCC dedicated extension accepts.
	ContactCenter bool `json:"contact_center,omitempty"`
	// MinFirmware is the lowest firmware the provider brings online;
	// below it lines are rendered disabled.
	MinFirmware string `json:"min_firmware,omitempty"`
	// TargetFirmware is the version the firmware directive upgrades to.
	TargetFirmware string `json:"target_firmware,omitempty"`
	// FirmwareFile is the file name the phone asks for when upgrading.
	FirmwareFile string `json:"firmware_file,omitempty"`
	// Files are the files the model requests on boot, in order, with
	// "{mac}" (lower case), "{MAC}" (upper case) and "{model}" placeholders;
	// names without a placeholder are literal (e.g. "y000000000066.cfg").
	Files []string `json:"files,omitempty"`
	// ResyncEvent is the Event header of the NOTIFY that makes it re-fetch.
	ResyncEvent string `json:"resync_event"`
	// DNSSRV is true when the model resolves the SIP domain by DNS SRV.
	DNSSRV bool `json:"dns_srv,omitempty"`
	// UserAgent says what the model's HTTP User-Agent proves: "mac" (it
	// names the model and carries the MAC), "model" (it names the model
	// only) or "none" (no usable User-Agent: another proof is needed).
	// Empty means "model".
	UserAgent string `json:"user_agent,omitempty"`
	// SIPTLS is true when the model can register over SIP TLS.
	SIPTLS bool `json:"sip_tls,omitempty"`
	// CustomCA is true when the model can be given a custom CA
	// certificate in its config.
	CustomCA bool `json:"custom_ca,omitempty"`
	// Uploads is true when the model uploads files (logs, settings) by
	// HTTP PUT.
	Uploads bool `json:"uploads,omitempty"`
	// Source says where the row's facts come from: a vendor admin guide or
	// an open-source provisioning server's file.
	Source string `json:"source,omitempty"`
}

// Catalog is the read-only set of known models.
type Catalog struct {
	models    []Model
	vendorKey []string // Key(models[i].Vendor)
	byKey     map[string]int
}

// Errors returned (wrapped) by ParseCatalog.
var (
	ErrCatalogMissingField           = errors.New("vendor, model, family and lines are required")
	ErrCatalogFamily                 = errors.New("unknown family")
	ErrCatalogKind                   = errors.New("unknown kind")
	ErrCatalogResyncEvent            = errors.New("resync_event is required")
	ErrCatalogNoReplacement          = errors.New("unsupported model needs a replacement")
	ErrCatalogReplacementUnknown     = errors.New("replacement is not a catalog model")
	ErrCatalogReplacementUnsupported = errors.New("replacement is itself unsupported")
	ErrCatalogDuplicateName          = errors.New("name already used")
	ErrCatalogPlaceholder            = errors.New("unknown placeholder in file name")
	ErrCatalogUserAgent              = errors.New(`user_agent must be "mac", "model" or "none"`)
)

// catalogFamilies are the template families a model may name.
var catalogFamilies = map[string]bool{
	"polycom": true, "yealink": true, "cisco-spa": true, "cisco-mpp": true,
	"grandstream": true, "snom": true, "obihai": true, "fanvil": true,
	"cisco-ent": true,
}

// catalogKinds are the device kinds a model may name.
var catalogKinds = map[string]bool{"phone": true, "ata": true, "dect": true}

// catalogFS holds the embedded catalog, one JSON array per vendor.
//
//go:embed catalog/*.json
var catalogFS embed.FS

var defaultCatalog = mustParse(catalogJSON())

// catalogJSON joins the per-vendor files, in name order, into one JSON
// array for ParseCatalog.
func catalogJSON() []byte {
	files, err := fs.Glob(catalogFS, "catalog/*.json")
	if err != nil {
		panic("templates: embedded catalog: " + err.Error())
	}
	var all []json.RawMessage
	for _, f := range files {
		b, err := catalogFS.ReadFile(f)
		if err != nil {
			panic("templates: embedded catalog: " + err.Error())
		}
		var part []json.RawMessage
		if err := json.Unmarshal(b, &part); err != nil {
			panic("templates: embedded catalog " + f + ": " + err.Error())
		}
		all = append(all, part...)
	}
	b, _ := json.Marshal(all)
	return b
}

// Default returns the embedded catalog.
func Default() *Catalog { return defaultCatalog }

func mustParse(b []byte) *Catalog {
	c, err := ParseCatalog(b)
	if err != nil {
		panic("templates: embedded catalog: " + err.Error())
	}
	return c
}

// ParseCatalog reads a catalog from its JSON form and checks every entry:
// required fields, family and kind in their known sets, a resync event,
// placeholders in file names, names and aliases naming one model only, and
// for each unsupported model a replacement that is a supported model of the
// catalog. Errors wrap the ErrCatalog… sentinels.
func ParseCatalog(b []byte) (*Catalog, error) {
	var ms []Model
	if err := json.Unmarshal(b, &ms); err != nil {
		return nil, fmt.Errorf("parsing catalog: %w", err)
	}
	c := &Catalog{models: ms, vendorKey: make([]string, len(ms)), byKey: make(map[string]int)}
	for i, m := range ms {
		if err := checkModel(m); err != nil {
			return nil, fmt.Errorf("catalog entry %d (%q): %w", i, m.Model, err)
		}
		c.vendorKey[i] = Key(m.Vendor)
		if err := c.index(i); err != nil {
			return nil, fmt.Errorf("catalog entry %d (%q): %w", i, m.Model, err)
		}
	}
	canonical := make(map[string]int, len(ms))
	for i, m := range ms {
		canonical[m.Model] = i
	}
	for i, m := range ms {
		if m.Supported || m.Replacement == "" {
			continue
		}
		j, ok := canonical[m.Replacement]
		switch {
		case !ok:
			return nil, fmt.Errorf("catalog entry %d (%q): %w: %q", i, m.Model, ErrCatalogReplacementUnknown, m.Replacement)
		case !ms[j].Supported:
			return nil, fmt.Errorf("catalog entry %d (%q): %w: %q", i, m.Model, ErrCatalogReplacementUnsupported, m.Replacement)
		}
	}
	return c, nil
}

// checkModel validates the fields of one entry on their own.
func checkModel(m Model) error {
	switch {
	case m.Vendor == "" || m.Model == "" || m.Family == "" || m.Lines < 1:
		return ErrCatalogMissingField
	case !catalogFamilies[m.Family] && !addedCatalogFamilies[m.Family]:
		return fmt.Errorf("%w %q", ErrCatalogFamily, m.Family)
	case !catalogKinds[m.Kind]:
		return fmt.Errorf("%w %q", ErrCatalogKind, m.Kind)
	case strings.TrimSpace(m.ResyncEvent) == "":
		return ErrCatalogResyncEvent
	case !m.Supported && m.Replacement == "":
		return ErrCatalogNoReplacement
	case m.UserAgent != "" && m.UserAgent != "mac" && m.UserAgent != "model" && m.UserAgent != "none":
		return fmt.Errorf("%w, not %q", ErrCatalogUserAgent, m.UserAgent)
	}
	for _, f := range append([]string{m.FirmwareFile}, m.Files...) {
		if err := checkPlaceholders(f); err != nil {
			return err
		}
	}
	return nil
}

// checkPlaceholders accepts only {mac}, {MAC} and {model} inside braces.
func checkPlaceholders(f string) error {
	for rest := f; ; {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			return nil
		}
		if rest[open] == '}' {
			return fmt.Errorf("%w: %q", ErrCatalogPlaceholder, f)
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return fmt.Errorf("%w: %q", ErrCatalogPlaceholder, f)
		}
		switch rest[open : open+end+1] {
		case "{mac}", "{MAC}", "{model}":
		default:
			return fmt.Errorf("%w: %q", ErrCatalogPlaceholder, f)
		}
		rest = rest[open+end+1:]
	}
}

// index adds the names of entry i to byKey: its model name, its aliases,
// and both prefixed with the vendor. A literal alias given twice, an alias
// with no letters or digits, or a name already naming another entry is an
// error.
func (c *Catalog) index(i int) error {
	m := c.models[i]
	seen := make(map[string]bool, len(m.Aliases))
	for _, a := range m.Aliases {
		if seen[a] || a == m.Model {
			return fmt.Errorf("%w: alias %q repeated", ErrCatalogDuplicateName, a)
		}
		seen[a] = true
		if Key(a) == "" {
			return fmt.Errorf("%w: alias %q folds to nothing", ErrCatalogDuplicateName, a)
		}
	}
	names := append([]string{m.Model, m.Vendor + " " + m.Model}, m.Aliases...)
	for _, a := range m.Aliases {
		names = append(names, m.Vendor+" "+a)
	}
	for _, n := range names {
		k := Key(n)
		if j, dup := c.byKey[k]; dup && j != i {
			return fmt.Errorf("%w: %q already names %q", ErrCatalogDuplicateName, n, c.models[j].Model)
		}
		c.byKey[k] = i
	}
	return nil
}

// Key folds a model name to its lookup form: lower case letters and digits
// only, so "VVX 410", "vvx-410" and "VVX_410" are the same key.
func Key(s string) string {
	var buf [64]byte
	return string(appendKey(buf[:0], s))
}

// appendKey appends the key of s to dst; Lookup uses it with a stack buffer
// so that a lookup does not allocate.
func appendKey(dst []byte, s string) []byte {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case 'a' <= c && c <= 'z', '0' <= c && c <= '9':
				dst = append(dst, c)
			case 'A' <= c && c <= 'Z':
				dst = append(dst, c+'a'-'A')
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			dst = utf8.AppendRune(dst, unicode.ToLower(r))
		}
	}
	return dst
}

// Lookup finds a model by its name, an alias, or either prefixed with the
// vendor ("Poly VVX 410", "Polycom VVX_410", "Yealink SIP-T46S"). A vendor
// prefix only matches models of that vendor. It does not allocate for
// names up to 64 bytes.
func (c *Catalog) Lookup(name string) (Model, bool) {
	var buf [64]byte
	k := appendKey(buf[:0], name)
	if i, ok := c.byKey[string(k)]; ok {
		return c.models[i], true
	}
	for _, p := range vendorPrefixes {
		if len(k) <= len(p.prefix) || string(k[:len(p.prefix)]) != p.prefix {
			continue
		}
		if i, ok := c.byKey[string(k[len(p.prefix):])]; ok && p.matches(c.vendorKey[i]) {
			return c.models[i], true
		}
	}
	return Model{}, false
}

// vendorPrefix is a vendor spelling that may precede a model name, with
// the catalog vendors (as keys) it stands for.
type vendorPrefix struct {
	prefix  string
	vendors []string
}

func (p vendorPrefix) matches(vendorKey string) bool {
	for _, v := range p.vendors {
		if v == vendorKey {
			return true
		}
	}
	return false
}

// vendorPrefixes are vendor spellings that may precede a model name.
var vendorPrefixes = []vendorPrefix{
	{"polycom", []string{"poly"}},
	{"poly", []string{"poly"}},
	{"yealink", []string{"yealink"}},
	{"cisco", []string{"cisco", "linksys"}},
	{"linksys", []string{"linksys", "cisco"}},
	{"grandstream", []string{"grandstream"}},
	{"snom", []string{"snom"}},
	{"obihai", []string{"obihai"}},
	{"obi", []string{"obihai"}},
	{"fanvil", []string{"fanvil"}},
	{"aastra", []string{"aastra", "mitel"}},
	{"mitel", []string{"mitel", "aastra"}},
	{"htek", []string{"htek"}},
	{"sangoma", []string{"sangoma"}},
	{"gigaset", []string{"gigaset"}},
	{"avaya", []string{"avaya"}},
	{"panasonic", []string{"panasonic"}},
	{"alcatellucent", []string{"alcatellucent"}},
	{"alcatel", []string{"alcatellucent"}},
	{"ale", []string{"alcatellucent"}},
	{"akuvox", []string{"akuvox"}},
	{"audiocodes", []string{"audiocodes"}},
	{"algo", []string{"algo"}},
	{"cyberdata", []string{"cyberdata"}},
	{"2n", []string{"2n"}},
}

// Models returns every model, sorted by vendor then model.
func (c *Catalog) Models() []Model {
	out := append([]Model(nil), c.models...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Vendor != out[j].Vendor {
			return out[i].Vendor < out[j].Vendor
		}
		return out[i].Model < out[j].Model
	})
	return out
}
