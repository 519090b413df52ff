package templates

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// view is what every template executes against: the DeviceConfig checked,
// with defaults applied, plus V, the family's own derived values (vendor
// codes, time zone and language in the vendor's format).
type view struct {
	MAC      string // 12 lower-case hex digits, or "" for a generic file
	MACUpper string
	Model    Model
	Firmware string
	// Lines has one entry per line slot 1..Model.Lines, assigned or not, so
	// templates can clear slots a previous config had filled.
	Lines          []lineView
	SIP            sipView
	ProvisionURL   string
	ResyncInterval int
	NTPServer      string
	STUN           bool // a STUN server is set
	STUNHost       string
	STUNPort       int
	FirmwareURL    string
	HTTPUser       string
	HTTPPassword   string
	// WebUIPassword is the phone's web-UI admin password; "" leaves the
	// phone's own password alone (an empty one is never rendered).
	// WebUIUser is the admin account it is for (WebUIUser(family)).
	WebUIPassword, WebUIUser string
	// CACert is the local CA as PEM (re-encoded, one certificate after the
	// other, no trailing line break) and CACertURL where the phone can
	// fetch it; both are "" unless the model can install a custom CA
	// (Model.CustomCA).
	CACert, CACertURL string
	// PerDevice is true for the per-device kinds (phone, device), which
	// render credentials even when empty so a removed one is cleared;
	// shared kinds leave credential parameters out.
	PerDevice bool
	TZ        tzRules
	Lang      langTag
	V         any
}

// lineView is one line slot.
type lineView struct {
	Index   int
	Present bool // a user is assigned to the slot
	Enabled bool // Present and the line may register
	User    string
	// AuthUser defaults to User, Label to User, Expiry to 3600.
	AuthUser, Password, DisplayName, Label string
	Expiry                                 int
	AOR                                    string // user@domain, or user without a domain
	// Registrar and HostPort are SIP.Registrar and SIP.HostPort for an
	// assigned slot, "" for an empty one.
	Registrar, HostPort string
}

// sipView is the registrar of every line.
type sipView struct {
	Domain    string
	Host      string // registrar host; Domain when unset
	Port      int    // 5060, 5061 for TLS, when unset
	Transport string // "udp", "tcp" or "tls"
	SRV       bool   // resolve Domain by DNS SRV instead of Host:Port
	// Registrar is what goes into the vendor's server field: Domain with
	// SRV, Host otherwise.
	Registrar string
	// HostPort is Registrar with ":Port" unless SRV is on.
	HostPort string
}

const (
	defaultExpiry   = 3600
	defaultSTUNPort = 3478
	maxLines        = 1024
	maxCACert       = 64 << 10 // bytes of PEM; vendors take a few certificates at most
)

// newView checks cfg and builds the family-independent part of the view.
func newView(cfg *DeviceConfig, year int) (*view, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidConfig, fmt.Sprintf(format, a...))
	}
	v := &view{Model: cfg.Model, Firmware: cfg.Firmware, ResyncInterval: cfg.ResyncInterval,
		NTPServer: cfg.NTPServer, ProvisionURL: cfg.ProvisionURL, FirmwareURL: cfg.FirmwareURL,
		HTTPUser: cfg.HTTPUser, HTTPPassword: cfg.HTTPPassword, WebUIPassword: cfg.WebUIPassword,
		WebUIUser: WebUIUser(cfg.Model.Family), Lang: parseLang(cfg.Language)}
	if cfg.MAC != "" {
		mac := strings.ToLower(cfg.MAC)
		if len(mac) != 12 || !isHexString(mac) {
			return nil, bad("mac %q: want 12 hex digits", cfg.MAC)
		}
		v.MAC, v.MACUpper = mac, strings.ToUpper(mac)
	}
	if cfg.Model.Lines < 1 || cfg.Model.Lines > maxLines {
		return nil, bad("model %q: %d lines, want 1..%d", cfg.Model.Model, cfg.Model.Lines, maxLines)
	}
	if cfg.ResyncInterval < 0 {
		return nil, bad("resync interval %d: negative", cfg.ResyncInterval)
	}
	for _, u := range []struct{ name, val string }{{"provision url", cfg.ProvisionURL},
		{"firmware url", cfg.FirmwareURL}, {"ca cert url", cfg.CACertURL}} {
		if err := checkURL(u.val); err != nil {
			return nil, bad("%s %q: %v", u.name, u.val, err)
		}
	}
	for _, c := range []struct{ name, val string }{{"http user", cfg.HTTPUser}, {"http password", cfg.HTTPPassword},
		{"web ui password", cfg.WebUIPassword}} {
		if err := checkCredential(c.val); err != nil {
			return nil, bad("%s: %v", c.name, err)
		}
	}
	if (cfg.HTTPUser == "") != (cfg.HTTPPassword == "") {
		return nil, bad("http user and password: set both or neither")
	}
	ca, err := normalizeCACert(cfg.CACert)
	if err != nil {
		return nil, bad("ca cert: %v", err)
	}
	if cfg.Model.CustomCA {
		v.CACert, v.CACertURL = ca, cfg.CACertURL
	}
	if cfg.STUNServer != "" {
		host, port, err := splitHostPort(cfg.STUNServer, defaultSTUNPort)
		if err != nil {
			return nil, bad("stun server %q: %v", cfg.STUNServer, err)
		}
		v.STUN, v.STUNHost, v.STUNPort = true, host, port
	}
	tz, err := zoneRules(cfg.TimeZone, year)
	if err != nil {
		return nil, bad("%v", err)
	}
	v.TZ = tz
	if v.SIP, err = newSIPView(cfg.SIP, cfg.Model.SIPTLS); err != nil {
		return nil, bad("%v", err)
	}
	if v.Lines, err = newLineViews(cfg, v.SIP); err != nil {
		return nil, bad("%v", err)
	}
	return v, nil
}

// WebUIUser is the user name of a family's web-UI admin account, the one
// DeviceConfig.WebUIPassword is rendered for: "Polycom" for Poly, "admin"
// for the other families, "" for an unknown family.
func WebUIUser(family string) string {
	switch {
	case family == "polycom":
		return "Polycom"
	case familyDefs[family].data != nil:
		return "admin"
	}
	return ""
}

// checkCredential refuses what cannot go into every vendor's credential
// fields: spaces, control characters, and brackets (Cisco's
// "[--uid u --pwd p]" prefix).
func checkCredential(s string) error {
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '[' || r == ']' }) {
		return fmt.Errorf("spaces, control characters and brackets are not allowed")
	}
	return nil
}

// normalizeCACert checks that s is one or more PEM certificates and
// nothing else, and re-encodes them, so only base64 lines and the
// BEGIN/END lines reach a template; "" stays "".
func normalizeCACert(s string) (string, error) {
	if len(s) > maxCACert {
		return "", fmt.Errorf("larger than %d bytes", maxCACert)
	}
	var out []byte
	rest := []byte(s)
	for len(bytes.TrimSpace(rest)) > 0 {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return "", fmt.Errorf("not PEM, or text after the last certificate")
		}
		if b.Type != "CERTIFICATE" {
			return "", fmt.Errorf("PEM block %q: want CERTIFICATE", b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "", err
		}
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: b.Type, Bytes: b.Bytes})...)
	}
	return strings.TrimSuffix(string(out), "\n"), nil
}

// scrubSecrets empties the line slots and the credentials.
func (v *view) scrubSecrets() {
	v.HTTPUser, v.HTTPPassword, v.WebUIPassword = "", "", ""
	for i := range v.Lines {
		v.Lines[i] = lineView{Index: i + 1}
	}
}

// newSIPView checks s; a model without SIP TLS (tls false) is given UDP
// on s.FallbackPort when s.Transport is "tls".
func newSIPView(s SIPServer, tls bool) (sipView, error) {
	v := sipView{Domain: s.Domain, Host: s.Host, Port: s.Port, SRV: s.UseSRV,
		Transport: strings.ToLower(s.Transport)}
	switch v.Transport {
	case "":
		v.Transport = "udp"
	case "udp", "tcp", "tls":
	default:
		return v, fmt.Errorf("sip transport %q: want udp, tcp or tls", s.Transport)
	}
	for _, p := range []int{s.Port, s.FallbackPort} {
		if p < 0 || p > 65535 {
			return v, fmt.Errorf("sip port %d: out of range", p)
		}
	}
	if v.Transport == "tls" && !tls {
		v.Transport, v.Port = "udp", s.FallbackPort
	}
	if v.Port == 0 {
		v.Port = 5060
		if v.Transport == "tls" {
			v.Port = 5061
		}
	}
	if v.Host == "" {
		v.Host = v.Domain
	}
	v.Registrar, v.HostPort = v.Host, net.JoinHostPort(v.Host, strconv.Itoa(v.Port))
	if v.SRV {
		v.Registrar, v.HostPort = v.Domain, v.Domain
	}
	return v, nil
}

func newLineViews(cfg *DeviceConfig, sip sipView) ([]lineView, error) {
	lines := make([]lineView, cfg.Model.Lines)
	for i := range lines {
		lines[i].Index = i + 1
	}
	for _, l := range cfg.Lines {
		if l.Index < 1 || l.Index > cfg.Model.Lines {
			return nil, fmt.Errorf("line %d: index outside 1..%d", l.Index, cfg.Model.Lines)
		}
		slot := &lines[l.Index-1]
		if slot.Present {
			return nil, fmt.Errorf("line %d: assigned twice", l.Index)
		}
		if l.User == "" {
			return nil, fmt.Errorf("line %d: no user", l.Index)
		}
		if l.Expiry < 0 {
			return nil, fmt.Errorf("line %d: negative expiry", l.Index)
		}
		if sip.Registrar == "" {
			return nil, fmt.Errorf("line %d: no sip domain or host to register with", l.Index)
		}
		*slot = lineView{Index: l.Index, Present: true, Enabled: l.Enabled, User: l.User,
			AuthUser: l.AuthUser, Password: l.Password, DisplayName: l.DisplayName,
			Label: l.Label, Expiry: l.Expiry, AOR: l.User, Registrar: sip.Registrar, HostPort: sip.HostPort}
		if slot.AuthUser == "" {
			slot.AuthUser = l.User
		}
		if slot.Label == "" {
			slot.Label = l.User
		}
		if slot.Expiry == 0 {
			slot.Expiry = defaultExpiry
		}
		if sip.Domain != "" {
			slot.AOR = l.User + "@" + sip.Domain
		}
	}
	return lines, nil
}

func isHexString(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
