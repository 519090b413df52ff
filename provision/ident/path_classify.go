package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// polyUploadSuffixes are the files a Poly phone PUTs next to its MAC.
var polyUploadSuffixes = []string{"-phone.cfg", "-web.cfg", "-boot.log", "-app.log", "-calls.xml", "-directory.xml"}

// classify sorts a base name into a Kind; the first matching rule wins.
func (id *Identifier) classify(b string) Path {
	n := len(b)
	switch {
	case hasSuffixFold(b, ".ld"):
		return Path{Kind: KindFirmware, Vendors: vPoly, ModelHint: id.polyPartHint(b)}
	case equalLower(b, "000000000000.cfg"):
		return Path{Kind: templates.KindMaster, Vendors: vPoly}
	case hasPrefixFold(b, "phoneprov-") && hasSuffixFold(b, ".cfg"):
		if mac, ok := parseMAC(b[len("phoneprov-") : n-len(".cfg")]); ok {
			return Path{Kind: templates.KindPhone, MAC: mac, Vendors: vPoly}
		}
	case n > 13 && b[12] == '-' && isHexRun(b[:12]):
		return polyMACFile(b)
	case equalLower(b, "y000000000000.boot"):
		return Path{Kind: templates.KindBoot, Vendors: vYealink}
	case hasSuffixFold(b, ".boot"):
		if mac, ok := parseMAC(b[:n-len(".boot")]); ok {
			return Path{Kind: templates.KindBoot, MAC: mac, Vendors: vYealink}
		}
	case n == len("y000000000000.cfg") && toLower(b[0]) == 'y' && isDigitRun(b[1:13]) && hasSuffixFold(b, ".cfg"):
		return Path{Kind: templates.KindCommon, Vendors: vYealink, ModelHint: id.fileHint(b)}
	}
	if p, ok := id.classifyAdded(b); ok {
		return p
	}
	if p, ok := id.classifyMACNamed(b); ok {
		return p
	}
	if p, ok := id.classifyModelNamed(b); ok {
		return p
	}
	if p, ok := id.classifyAddedLate(b); ok {
		return p
	}
	return id.classifyFirmwareAll(b)
}

// polyMACFile classifies "<mac>-<something>" names, all Poly's.
func polyMACFile(b string) Path {
	mac, _ := parseMAC(b[:12])
	for _, s := range polyUploadSuffixes {
		if mac != "" && equalLower(b[12:], s) {
			return Path{Kind: KindUpload, MAC: mac, Vendors: vPoly}
		}
	}
	// "<mac>-license.cfg", "000000000000-directory.xml" …: Poly asks, we
	// serve nothing.
	return Path{Kind: KindUnknown, MAC: mac, Vendors: vPoly}
}

// classifyMACNamed handles names built around a MAC.
func (id *Identifier) classifyMACNamed(b string) (Path, bool) {
	if p, ok := classifyCiscoEnt(b); ok {
		return p, true
	}
	n := len(b)
	stem, ext := b, ""
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		stem, ext = b[:i], b[i:]
	}
	if mac, ok := parseMAC(stem); ok {
		switch {
		case equalLower(ext, ".cfg"):
			kind := templates.KindDevice
			if ouiGroup(mac) == templates.FamilyPolycom {
				kind = templates.KindMaster
			}
			return Path{Kind: kind, MAC: mac, Vendors: vMACCfg}, true
		case equalLower(ext, ".xml"):
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vMACXML}, true
		}
	}
	switch {
	case hasPrefixFold(b, "spa") && equalLower(ext, ".xml"):
		if mac, ok := parseMAC(stem[3:]); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vCisco}, true
		}
	case hasPrefixFold(b, "snom-") && equalLower(ext, ".xml"):
		if mac, ok := parseMAC(stem[5:]); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vSnom}, true
		}
	case hasPrefixFold(b, "cfg") && n > 3:
		rest := b[3:]
		if equalLower(ext, ".xml") || equalLower(ext, ".bin") {
			rest = stem[3:]
		}
		if mac, ok := parseMAC(rest); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vGS}, true
		}
	case hasPrefixFold(b, "snom") && equalLower(ext, ".htm"):
		if d := strings.LastIndexByte(stem, '-'); d > 4 {
			if mac, ok := parseMAC(stem[d+1:]); ok {
				return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vSnom, ModelHint: id.hint(stem[4:d], templates.FamilySnom)}, true
			}
		}
	}
	return Path{}, false
}

// classifyModelNamed handles per-model names without a MAC.
func (id *Identifier) classifyModelNamed(b string) (Path, bool) {
	stem, ext := b, ""
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		stem, ext = b[:i], b[i:]
	}
	switch {
	case equalLower(b, "cfg.xml"):
		return Path{Kind: templates.KindCommon, Vendors: vGS}, true
	case hasPrefixFold(b, "cfg") && equalLower(ext, ".xml") && isAlnumRun(stem[3:]):
		return Path{Kind: templates.KindCommon, Vendors: vGS, ModelHint: id.hint(stem[3:], templates.FamilyGrandstream)}, true
	case hasPrefixFold(b, "snom") && equalLower(ext, ".htm") && isAlnumRun(stem[4:]):
		return Path{Kind: templates.KindCommon, Vendors: vSnom, ModelHint: id.hint(stem[4:], templates.FamilySnom)}, true
	case hasPrefixFold(b, "spa") && equalLower(ext, ".cfg") && isAlnumRun(stem[3:]):
		return Path{Kind: templates.KindDevice, Vendors: vSPA, ModelHint: id.hint(stem, "cisco")}, true
	case equalLower(b, "init.cfg"):
		return Path{Kind: templates.KindDevice, Vendors: vSPA, ModelHint: id.fileHint(b)}, true
	case hasPrefixFold(b, "ata") && equalLower(ext, ".cfg") && isAlnumRun(stem[3:]):
		return Path{Kind: templates.KindDevice, Vendors: vMPP, ModelHint: id.hint(stem, "cisco")}, true
	case hasSuffixFold(b, "-3pcc.xml") && isMPPName(stem):
		return Path{Kind: templates.KindDevice, Vendors: vMPP, ModelHint: id.hint(stem, "cisco")}, true
	case hasPrefixFold(b, "dialplan-") && equalLower(ext, ".xml") && isAlnumRun(stem[len("dialplan-"):]):
		// The per-model dial plan a Cisco enterprise device file names.
		return Path{Kind: templates.KindCommon, Vendors: vCiscoEnt, ModelHint: id.fileHint(b)}, true
	case equalLower(b, "xmldefault.cnf.xml"):
		// Asked for only when SEP<MAC>.cnf.xml is missing: the file for
		// devices the server does not know, which get nothing.
		return Path{Kind: KindUnknown, Vendors: vCiscoEnt}, true
	case hasPrefixFold(b, "f0") && equalLower(ext, ".cfg") && isAlnumDotRun(stem):
		return Path{Kind: templates.KindCommon, Vendors: vFanvil, ModelHint: id.fileHint(b)}, true
	}
	return Path{}, false
}

// classifyFirmware sorts firmware images by extension.
func (id *Identifier) classifyFirmware(b string) Path {
	ext := b[strings.LastIndexByte(b, '.')+1:]
	var vendors []string
	switch {
	case hasPrefixFold(b, "fanvil_") && equalLower(ext, "txt"):
		// fw-check file "fanvil_<model>_hwv2_0.txt"
		model := b[len("fanvil_"):]
		if i := strings.IndexByte(model, '_'); i >= 0 {
			model = model[:i]
		}
		return Path{Kind: KindFirmware, Vendors: vFanvil, ModelHint: id.hint(model, templates.FamilyFanvil)}
	case equalLower(ext, "rom"):
		vendors = vYealink
	case equalLower(ext, "loads"):
		vendors = vLoads
	case equalLower(ext, "img"):
		vendors = vMPP
	case equalLower(ext, "bin"):
		vendors = vBin
	case equalLower(ext, "z"):
		vendors = vFanvil
	case equalLower(ext, "fw"):
		vendors = vObihai
	case equalLower(ext, "fwu"):
		vendors = vSnom
	case equalLower(ext, "zip"):
		vendors = vFirmware
	default:
		return Path{Kind: KindUnknown}
	}
	hint := id.fileHint(b)
	if hint == "" && equalLower(ext, "bin") {
		if hasPrefixFold(b, "snom") && strings.HasSuffix(b, "-SIP-r.bin") {
			if d := strings.IndexByte(b, '-'); d > 4 {
				hint = id.hint(b[4:d], templates.FamilySnom)
			}
		} else if hasSuffixFold(b, "fw.bin") {
			hint = id.hint(b[:len(b)-len("fw.bin")], templates.FamilyGrandstream)
		}
	}
	return Path{Kind: KindFirmware, Vendors: vendors, ModelHint: hint}
}

// polyPartHint finds the model of "<part#>.sip.ld" (also the doubled
// "<part#>.<part#>.sip.ld" seen in logs).
func (id *Identifier) polyPartHint(b string) string {
	const part = len("3111-46162-001")
	if len(b) > part && b[part] == '.' {
		var buf [len("3111-46162-001.sip.ld")]byte
		copy(buf[:], b[:part])
		copy(buf[part:], ".sip.ld")
		if m, ok := id.files[string(buf[:])]; ok {
			return m.Model
		}
	}
	return ""
}

// fileHint looks a literal file name up in the catalog's boot and firmware
// files, ignoring case, without allocating.
func (id *Identifier) fileHint(b string) string {
	var buf [maxFileLen]byte
	if len(b) > len(buf) {
		return ""
	}
	for i := 0; i < len(b); i++ {
		buf[i] = toLower(b[i])
	}
	if m, ok := id.files[string(buf[:len(b)])]; ok {
		return m.Model
	}
	return ""
}

// hint looks a model token up in the catalog, within a vendor group.
func (id *Identifier) hint(model, group string) string {
	if m, ok := id.lookup(model, group); ok {
		return m.Model
	}
	return ""
}

// isMPPName accepts "8841-3PCC" and "CP-8841-3PCC".
func isMPPName(stem string) bool {
	if hasPrefixFold(stem, "cp-") {
		stem = stem[3:]
	}
	return len(stem) == len("8841-3pcc") && isDigitRun(stem[:4]) && equalLower(stem[4:], "-3pcc")
}

func isHexRun(s string) bool   { return allBytes(s, isHex) }
func isDigitRun(s string) bool { return allBytes(s, isDigit) }
func isAlnumRun(s string) bool { return allBytes(s, isAlnum) }
func isAlnumDotRun(s string) bool {
	return allBytes(s, func(c byte) bool { return isAlnum(c) || c == '.' })
}

func allBytes(s string, ok func(byte) bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !ok(s[i]) {
			return false
		}
	}
	return true
}

// classifyCiscoEnt handles the MAC-named files of Cisco enterprise
// firmware: "SEP<MAC>.cnf.xml" (the device file), "SIP<MAC>.cnf" (the
// 7940/7960 text file), and the security files "CTLSEP<MAC>.tlv" and
// "ITLSEP<MAC>.tlv", asked for first and never served (without them the
// phone runs in non-secure mode).
func classifyCiscoEnt(b string) (Path, bool) {
	kind, rest := templates.KindDevice, b
	switch {
	case len(b) == len("SEP001122334455.cnf.xml") && hasPrefixFold(b, "sep") && hasSuffixFold(b, ".cnf.xml"):
		rest = b[3:15]
	case len(b) == len("SIP001122334455.cnf") && hasPrefixFold(b, "sip") && hasSuffixFold(b, ".cnf"):
		rest = b[3:15]
	case len(b) == len("CTLSEP001122334455.tlv") && (hasPrefixFold(b, "ctlsep") || hasPrefixFold(b, "itlsep")) && hasSuffixFold(b, ".tlv"):
		kind, rest = KindUnknown, b[6:18]
	default:
		return Path{}, false
	}
	mac, ok := parseMAC(rest)
	if !ok {
		return Path{}, false
	}
	return Path{Kind: kind, MAC: mac, Vendors: vCiscoEnt}, true
}
