package templates

import (
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"text/template"
)

// scope is a template set under construction: a root template holding
// every parsed file and {{define}} block, and the kind templates.
type scope struct {
	family string
	root   *template.Template
	kinds  map[string]*template.Template
}

// tmplFile is one template source.
type tmplFile struct {
	name string // shown in errors: the embedded path or the override file path
	kind string // "" for a _partial file
	text string
}

func newScope(family string) *scope {
	f := familyDefs[family]
	root := template.New("").Option("missingkey=error").Funcs(helperFuncs).Funcs(escapeFuncs(f.format))
	return &scope{family: family, root: root, kinds: make(map[string]*template.Template)}
}

// clone copies a scope so overrides can redefine blocks without touching it.
func (s *scope) clone() (*scope, error) {
	root, err := s.root.Clone()
	if err != nil {
		return nil, fmt.Errorf("%w: cloning %s: %w", ErrTemplate, s.family, err)
	}
	c := &scope{family: s.family, root: root, kinds: make(map[string]*template.Template)}
	for k, t := range s.kinds {
		c.kinds[k] = root.Lookup(t.Name())
	}
	return c, nil
}

// parse adds files to the scope, partials first: a block defined in a
// kind file wins over one of the same name in a partial of its folder.
func (s *scope) parse(files []tmplFile) error {
	slices.SortStableFunc(files, func(a, b tmplFile) int {
		return boolInt(a.kind != "") - boolInt(b.kind != "")
	})
	for _, f := range files {
		t, err := s.root.New(f.name).Parse(f.text)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrTemplate, err)
		}
		if f.kind != "" {
			s.kinds[f.kind] = t
		}
	}
	for _, t := range s.root.Templates() {
		if err := lintTemplate(t, familyDefs[s.family].format); err != nil {
			return err
		}
	}
	return nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// set freezes a scope into what Render uses.
func (s *scope) set() *templateSet { return &templateSet{family: s.family, kinds: s.kinds} }

// splitTmplName reads "<kind>.tmpl" or "_<name>.tmpl"; ok is false for
// other names.
func splitTmplName(name string) (kind string, ok bool) {
	base, found := strings.CutSuffix(name, ".tmpl")
	if !found || base == "" || base == "_" {
		return "", false
	}
	if strings.HasPrefix(base, "_") {
		return "", true
	}
	return base, true
}

// loadEmbedded parses the family/<family>/*.tmpl files of the binary.
func (r *Renderer) loadEmbedded() error {
	for name := range familyDefs {
		dir := path.Join("family", name)
		files, err := readTmplDir(familyFS, dir, dir)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrTemplate, err)
		}
		s := newScope(name)
		if err := s.parse(files); err != nil {
			return err
		}
		if len(s.kinds) == 0 {
			return fmt.Errorf("%w: %s: no templates", ErrTemplate, dir)
		}
		if err := validateScope(s, sampleModel(name)); err != nil {
			return err
		}
		r.sets[name] = s.set()
		r.base[name] = s
	}
	return nil
}

// readTmplDir reads the .tmpl files of one folder; shown is the folder
// name used in errors and template names.
func readTmplDir(fsys fs.FS, dir, shown string) ([]tmplFile, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var files []tmplFile
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		kind, ok := splitTmplName(e.Name())
		if !ok || !e.Type().IsRegular() && e.Type()&fs.ModeSymlink == 0 {
			return nil, fmt.Errorf("%s: not a <kind>.tmpl or _<name>.tmpl file", path.Join(shown, e.Name()))
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		if info.Size() > maxTemplateSize {
			return nil, fmt.Errorf("%s: larger than %d bytes", path.Join(shown, e.Name()), maxTemplateSize)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		files = append(files, tmplFile{name: path.Join(shown, e.Name()), kind: kind, text: string(b)})
	}
	return files, nil
}

// maxTemplateSize bounds what an override file may hold.
const maxTemplateSize = 1 << 20

// validateScope executes every kind of a scope against the sample
// configs, so field typos and function errors surface at start-up.
func validateScope(s *scope, m Model) error {
	fam := familyDefs[s.family]
	for _, cfg := range sampleConfigs(m) {
		for _, kind := range slices.Sorted(maps.Keys(s.kinds)) {
			v, err := buildView(fam, kind, cfg, 2025)
			if err != nil {
				return fmt.Errorf("%w: sample config for %s: %w", ErrTemplate, s.family, err)
			}
			if err := s.kinds[kind].Execute(discardWriter{}, v); err != nil {
				return fmt.Errorf("%w: %w", ErrTemplate, err)
			}
		}
	}
	return nil
}

type discardWriter struct{}

func (discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// sampleModel is the model family-scope templates are checked with.
func sampleModel(family string) Model {
	return Model{Vendor: "Sample", Model: "Sample 2", Family: family, Kind: "phone", Lines: 2,
		Supported: true, SIPTLS: true, CustomCA: true, Files: []string{"{mac}.boot", "y000000000000.cfg", "{mac}.cfg"}}
}

// sampleCACert is a self-signed CA certificate (its key was discarded) the
// sample config carries, so templates' CA branches run at start-up.
const sampleCACert = `-----BEGIN CERTIFICATE-----
MIIBozCCAUmgAwIBAgIUamFvzHmWtSPs6zybXGFS1OlrGzEwCgYIKoZIzj0EAwIw
HjEcMBoGA1UEAwwTcGhvbmVwcm92IHNhbXBsZSBDQTAgFw0yNjEyMDMwNjU3MjNa
GA8yMTI2MTEwOTA2NTcyM1owHjEcMBoGA1UEAwwTcGhvbmVwcm92IHNhbXBsZSBD
QTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAp8fFdy5yJPo5tEYL/B2Ac3LEeH
1nE01n5P1XzanMKWTXh+VSPiyGt+CIUC63kD7/Y37oiFrR9AkczHW4pb1bSjYzBh
MB0GA1UdDgQWBBREZwsINwRSX3zs3NaUn+BvePurUDAfBgNVHSMEGDAWgBREZwsI
NwRSX3zs3NaUn+BvePurUDAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIB
BjAKBggqhkjOPQQDAgNIADBFAiAN6HwmswUlYGx3JQvyQygoATmAHv0UF5PnCFwD
TFke0wIhAKvUJrCeiUS4RQccaWCbLJ/3wc14Ri2jRqO7b5dPTpqf
-----END CERTIFICATE-----
`

// sampleConfigs are a full config (every optional field set, one line
// disabled) and a minimal one (no MAC, no lines, nothing optional).
func sampleConfigs(m Model) []*DeviceConfig {
	full := &DeviceConfig{
		MAC: "0004f2000001", Model: m, Firmware: "1.0",
		Lines: []Line{{Index: 1, Enabled: true, User: "1001", AuthUser: "a1001", Password: "p",
			DisplayName: "Sample", Label: "L1", Expiry: 600}},
		SIP:          SIPServer{Domain: "example.test", Host: "sip.example.test", Port: 5060, Transport: "tcp"},
		ProvisionURL: "https://prov.example.test/p/", ResyncInterval: 3600, NTPServer: "ntp.example.test",
		TimeZone: "America/New_York", Language: "fr-CA", STUNServer: "stun.example.test:3478",
		FirmwareURL: "https://prov.example.test/fw/app.bin", HTTPUser: "u", HTTPPassword: "p",
		WebUIPassword: "w", CACert: sampleCACert, CACertURL: "http://prov.example.test/ca.pem",
	}
	if m.Lines >= 2 {
		full.Lines = append(full.Lines, Line{Index: 2, User: "1002"})
	}
	srv := *full
	srv.SIP = SIPServer{Domain: "example.test", UseSRV: true, Transport: "tls"}
	minimal := &DeviceConfig{Model: m}
	return []*DeviceConfig{full, &srv, minimal}
}
