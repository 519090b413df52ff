package ident

import "github.com/phoneprov/phoneprov/templates"

// Identity is what the config server makes of one request. The admin API's
// identify route returns it as JSON.
type Identity struct {
	// Vendor is the catalog vendor, else the vendor the request names.
	Vendor string `json:"vendor"`
	// Family is the template family; "" when neither the User-Agent, the
	// file name nor the MAC's OUI tells it.
	Family string `json:"family"`
	// Model is the canonical catalog model, else the User-Agent's raw
	// model token, else "".
	Model string `json:"model"`
	// Firmware is the version the User-Agent reports.
	Firmware string `json:"firmware"`
	// MAC is the path's MAC, else the User-Agent's; 12 lower hex or "".
	MAC string `json:"mac"`
	// UAMAC and PathMAC are the MACs of the User-Agent and of the path.
	UAMAC   string `json:"ua_mac"`
	PathMAC string `json:"path_mac"`
	// File is the base name of the path ("" when the path was rejected).
	File string `json:"file"`
	// Kind is the file kind for this family (see Path.KindFor).
	Kind string `json:"kind"`
	// Known is true when Model is a catalog model.
	Known bool `json:"known"`
	// Supported is true when Model is a supported catalog model.
	Supported bool `json:"supported"`
	// MACMismatch is true when the User-Agent and the path both carry a
	// MAC and they differ; the config routes refuse such requests.
	MACMismatch bool `json:"mac_mismatch"`
}

// Identify combines ParseUserAgent and ParsePath. The family comes from the
// User-Agent, else from the file name when only one family asks for it,
// else from the MAC's OUI; it settles ambiguous names ("<mac>.cfg" is
// Poly's master file, a Yealink or Fanvil device file). The model comes from
// the User-Agent, else from the path's hint. A file the identified family
// never asks for is KindUnknown.
func (id *Identifier) Identify(ua, path string) Identity {
	out, _, _ := id.IdentifyParts(ua, path)
	return out
}

// IdentifyParts is Identify that also returns what the User-Agent and the
// path said on their own, for callers that decide on them (the config
// routes ask whether the model came from the User-Agent, and re-type the
// path for the device's own family without parsing it again).
func (id *Identifier) IdentifyParts(ua, path string) (Identity, UA, Path) {
	u, m := id.parseUA(ua)
	p := id.ParsePath(path)
	out := Identity{
		Vendor: u.Vendor, Family: u.Family, Model: u.Model, Firmware: u.Firmware,
		UAMAC: u.MAC, PathMAC: p.MAC, MAC: p.MAC, File: p.File, Known: u.Known,
	}
	if out.MAC == "" {
		out.MAC = u.MAC
	}
	out.MACMismatch = u.MAC != "" && p.MAC != "" && u.MAC != p.MAC
	if out.Family == "" {
		out.Family = p.family()
	}
	if out.Model == "" && p.ModelHint != "" {
		if hm, ok := id.lookup(p.ModelHint, familyGroup(out.Family)); ok {
			m = hm
			out.Vendor, out.Family, out.Model, out.Known = m.Vendor, m.Family, m.Model, true
		}
	}
	out.Supported = out.Known && m.Supported
	if out.Vendor == "" {
		out.Vendor = familyVendor(out.Family)
	}
	out.Kind = p.KindFor(out.Family)
	return out, u, p
}

// KindFor is the kind of the file when the device is of family f (as the
// caller may know from its own records). "<mac>.cfg" is templates.KindMaster for
// Poly and templates.KindDevice for Yealink and Fanvil; a file family f never asks
// for is KindUnknown; f == "" keeps ParsePath's guess.
func (p Path) KindFor(f string) string {
	if f == "" || p.Kind == KindUnknown || len(p.Vendors) == 0 {
		return p.Kind
	}
	if !hasFamily(p.Vendors, f) && !hasFamily(p.Vendors, sameFiles[f]) {
		return KindUnknown
	}
	if isMACCfg(p.File) {
		if f == templates.FamilyPolycom {
			return templates.KindMaster
		}
		return templates.KindDevice
	}
	return p.Kind
}

// family is the one family that asks for this file, else the family of the
// MAC's OUI when that family asks for it, else "".
func (p Path) family() string {
	if len(p.Vendors) == 1 {
		return p.Vendors[0]
	}
	g := ouiGroup(p.MAC)
	if g == "" {
		return ""
	}
	for _, f := range p.Vendors {
		if familyGroup(f) == g {
			return f
		}
	}
	return ""
}

func hasFamily(fs []string, f string) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}

// isMACCfg reports whether name is "<12 hex>.cfg".
func isMACCfg(name string) bool {
	return len(name) == 16 && hasSuffixFold(name, ".cfg") && isHexRun(name[:12])
}
