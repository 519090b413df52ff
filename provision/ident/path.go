package ident

import (
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/phoneprov/phoneprov/templates"
)

// File kinds: the ones rendered are templates' (KindMaster, KindPhone,
// KindBoot, KindCommon, KindDevice); these are the path parser's own.
const (
	// KindUpload is a file a Poly phone PUTs: "<mac>-phone.cfg",
	// "<mac>-web.cfg", "<mac>-boot.log", "<mac>-app.log", "<mac>-calls.xml",
	// "<mac>-directory.xml".
	KindUpload = "upload"
	// KindFirmware is a firmware image or firmware index: "sip.ld",
	// "<part#>.sip.ld", "*.rom", "*.bin", "*.loads", "*.img", "*.zip" …
	KindFirmware = "firmware"
	// KindUnknown is anything else, and every hostile path.
	KindUnknown = "unknown"
)

// Path is what a request path says.
type Path struct {
	// File is the base name of the path; "" when the path was rejected.
	File string `json:"file"`
	// Kind is one of templates' Kind constants or of this package's.
	Kind string `json:"kind"`
	// MAC is 12 lower-case hex digits, or "" when the name has none.
	MAC string `json:"mac,omitempty"`
	// ModelHint is the canonical catalog model the file name points at
	// (a model's common or firmware file), or "".
	ModelHint string `json:"model_hint,omitempty"`
	// Vendors are the families that could ask for this file. The slice is
	// shared: do not modify it.
	Vendors []string `json:"vendors,omitempty"`
}

// Limits on the paths parsed.
const (
	maxPathLen = 1024
	maxFileLen = 128
)

// Families that may ask for each shape of file name; full slice
// expressions keep appends from writing into them.
var (
	vPoly     = []string{templates.FamilyPolycom}[:1:1]
	vYealink  = []string{templates.FamilyYealink}[:1:1]
	vSPA      = []string{templates.FamilyCiscoSPA}[:1:1]
	vMPP      = []string{templates.FamilyCiscoMPP}[:1:1]
	vCisco    = []string{templates.FamilyCiscoSPA, templates.FamilyCiscoMPP}[:2:2]
	vGS       = []string{templates.FamilyGrandstream}[:1:1]
	vSnom     = []string{templates.FamilySnom}[:1:1]
	vFanvil   = []string{templates.FamilyFanvil}[:1:1]
	vObihai   = []string{templates.FamilyObihai}[:1:1]
	vMACCfg   = []string{templates.FamilyPolycom, templates.FamilyYealink, templates.FamilyFanvil, templates.FamilyAastra, templates.FamilyAkuvox, templates.FamilyAudioCodes, templates.FamilyAvaya}[:7:7]
	vMACXML   = []string{templates.FamilyCiscoSPA, templates.FamilyCiscoMPP, templates.FamilySnom, templates.FamilyObihai, templates.FamilyHtek, templates.FamilyGigaset, templates.FamilyCyberData, templates.Family2N}[:8:8]
	vFirmware = []string{templates.FamilyPolycom, templates.FamilyYealink, templates.FamilyCiscoSPA, templates.FamilyCiscoMPP,
		templates.FamilyGrandstream, templates.FamilySnom, templates.FamilyObihai, templates.FamilyFanvil, templates.FamilyCiscoEnt}[:9:9]
	vCiscoEnt = []string{templates.FamilyCiscoEnt}[:1:1]
	vLoads    = []string{templates.FamilyCiscoMPP, templates.FamilyCiscoEnt}[:2:2]
	vBin      = []string{templates.FamilyCiscoSPA, templates.FamilyGrandstream, templates.FamilySnom}[:3:3]
)

// ParsePath reads the kind of file, the MAC and a model hint from a request
// path (a URL path; a query or fragment is ignored). Only the base name
// counts, so "/prov/0004f2a1b2c3.cfg" is "0004f2a1b2c3.cfg". MACs are
// accepted in either case. A path that is too long, holds a NUL or other
// control byte, invalid UTF-8, a ".." segment, or does not percent-decode
// cleanly is KindUnknown with an empty File.
func (id *Identifier) ParsePath(p string) Path {
	base, ok := baseName(p)
	if !ok {
		return Path{Kind: KindUnknown}
	}
	out := id.classify(base)
	out.File = base
	return out
}

// baseName cleans p and returns its last segment.
func baseName(p string) (string, bool) {
	if len(p) > maxPathLen {
		return "", false
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	if strings.IndexByte(p, '%') >= 0 {
		u, err := url.PathUnescape(p)
		if err != nil || strings.IndexByte(u, '%') >= 0 {
			return "", false
		}
		p = u
	}
	if !utf8.ValidString(p) {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f {
			return "", false
		}
	}
	for rest := p; rest != ""; {
		seg := rest
		if i := strings.IndexAny(rest, `/\`); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if seg == ".." {
			return "", false
		}
	}
	base := p[strings.LastIndexAny(p, `/\`)+1:]
	if base == "" || base == "." || len(base) > maxFileLen {
		return "", false
	}
	return base, true
}
