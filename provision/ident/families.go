package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// The families added for the wider catalog: their names, the file names
// they ask for, and the firmware extensions they share with others.
//
// Files: Aastra/Mitel "aastra.cfg", "<model>.cfg" (common) and "<MAC>.cfg";
// Htek "cfg00NN.xml" (common) and "cfg<mac>.xml"; Sangoma, Gigaset,
// CyberData and 2N "<mac>.xml" (CyberData also "000000cd.xml"); Avaya
// "J100Supgrade.txt", "46xxsettings.txt" (common) and "<mac>.cfg", the
// 1200 series "SIP<MAC>.cfg"; Panasonic "KX-<model>.cfg" (common) and
// "Config<MAC>.cfg"; Alcatel-Lucent "config.<model>.xml" (common) and
// "config.<mac>.xml"; Akuvox and AudioCodes "<mac>.cfg"; Algo
// "algom<mac>.conf" (older models "algo<mac>.conf"); fanvil-legacy asks for
// Fanvil's files. Firmware: Aastra ".st"; the others' images are known by
// their catalog file names.

// sameFiles maps a family to the one whose file names it shares.
var sameFiles = map[string]string{templates.FamilyFanvilLegacy: templates.FamilyFanvil}

// Vendors lists of the added families.
var (
	vGSHtek    = []string{templates.FamilyGrandstream, templates.FamilyHtek}[:2:2]
	vAastra    = []string{templates.FamilyAastra}[:1:1]
	vHtek      = []string{templates.FamilyHtek}[:1:1]
	vAvaya     = []string{templates.FamilyAvaya}[:1:1]
	vPanasonic = []string{templates.FamilyPanasonic}[:1:1]
	vALE       = []string{templates.FamilyALE}[:1:1]
	vAlgo      = []string{templates.FamilyAlgo}[:1:1]
	vCyberData = []string{templates.FamilyCyberData}[:1:1]
)

// classifyAdded handles the added families' names that must be told apart
// before the MAC- and model-named rules (cfg<mac>.xml is Htek's too).
func (id *Identifier) classifyAdded(b string) (Path, bool) {
	stem, ext := b, ""
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		stem, ext = b[:i], b[i:]
	}
	macAfter := func(prefix string) (string, bool) {
		if len(stem) <= len(prefix) || !hasPrefixFold(stem, prefix) {
			return "", false
		}
		return parseMAC(stem[len(prefix):])
	}
	switch {
	case equalLower(ext, ".xml") && hasPrefixFold(stem, "cfg"):
		if mac, ok := macAfter("cfg"); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vGSHtek}, true
		}
		if len(stem) == len("cfg0010") && isDigitRun(stem[3:]) {
			// Htek model file, e.g. cfg0010.xml for the UC926
			return Path{Kind: templates.KindCommon, Vendors: vHtek, ModelHint: id.fileHint(b)}, true
		}
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "config"):
		if mac, ok := macAfter("config"); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vPanasonic}, true
		}
	case equalLower(ext, ".xml") && hasPrefixFold(stem, "config."):
		if mac, ok := macAfter("config."); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vALE}, true
		}
		if model := stem[len("config."):]; isModelToken(model) {
			return Path{Kind: templates.KindCommon, Vendors: vALE, ModelHint: id.hint(model, templates.FamilyALE)}, true
		}
	case equalLower(ext, ".conf") && hasPrefixFold(stem, "algo"):
		if mac, ok := macAfter("algom"); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vAlgo}, true
		}
		if mac, ok := macAfter("algo"); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vAlgo}, true
		}
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "sip"):
		// Avaya (Nortel) 1200 series: SIP<MAC>.cfg
		if mac, ok := macAfter("sip"); ok {
			return Path{Kind: templates.KindDevice, MAC: mac, Vendors: vAvaya}, true
		}
	case equalLower(b, "aastra.cfg"):
		return Path{Kind: templates.KindCommon, Vendors: vAastra}, true
	case equalLower(b, "46xxsettings.txt"), equalLower(b, "j100supgrade.txt"):
		return Path{Kind: templates.KindCommon, Vendors: vAvaya}, true
	case equalLower(b, "000000cd.xml"):
		return Path{Kind: templates.KindCommon, Vendors: vCyberData}, true
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "kx-") && isModelToken(stem):
		hint := id.fileHint(b)
		if hint == "" {
			hint = id.hint(stem, templates.FamilyPanasonic)
		}
		return Path{Kind: templates.KindCommon, Vendors: vPanasonic, ModelHint: hint}, true
	}
	return Path{}, false
}

// classifyAddedLate handles names the base rules did not claim: an
// Aastra/Mitel model file (6867i.cfg), or any other literal file of one
// catalog model (Avaya's 1220.cfg …).
func (id *Identifier) classifyAddedLate(b string) (Path, bool) {
	stem, ext := b, ""
	if i := strings.LastIndexByte(b, '.'); i >= 0 {
		stem, ext = b[:i], b[i:]
	}
	if equalLower(ext, ".cfg") && isAlnumRun(stem) {
		if hint := id.hint(stem, templates.FamilyAastra); hint != "" {
			return Path{Kind: templates.KindCommon, Vendors: vAastra, ModelHint: hint}, true
		}
	}
	if ext == "" || equalLower(ext, ".cfg") || equalLower(ext, ".xml") || equalLower(ext, ".txt") {
		if hint := id.fileHint(b); hint != "" {
			if m, ok := id.cat.Lookup(hint); ok {
				return Path{Kind: templates.KindCommon, Vendors: id.single[m.Family], ModelHint: hint}, true
			}
		}
	}
	return Path{}, false
}

// classifyFirmwareAll is classifyFirmware, with Aastra's ".st" and the
// added families' own firmware files (named in the catalog) given to
// their family.
func (id *Identifier) classifyFirmwareAll(b string) Path {
	ext := b[strings.LastIndexByte(b, '.')+1:]
	if equalLower(ext, "st") {
		return Path{Kind: KindFirmware, Vendors: vAastra, ModelHint: id.fileHint(b)}
	}
	p := id.classifyFirmware(b)
	if p.Kind != KindFirmware {
		return p
	}
	if fam, ok := id.famFiles[strings.ToLower(b)]; ok && addedFamily[fam] {
		p.Vendors = id.single[fam]
	}
	return p
}

// addedFamily are the families of this file.
var addedFamily = map[string]bool{templates.FamilyAastra: true, templates.FamilyHtek: true, templates.FamilyGigaset: true, templates.FamilyAvaya: true,
	templates.FamilyPanasonic: true, templates.FamilyALE: true, templates.FamilyAkuvox: true, templates.FamilyAudioCodes: true, templates.FamilyAlgo: true,
	templates.FamilyCyberData: true, templates.Family2N: true}

// indexFamilies fills single and famFiles from the catalog.
func (id *Identifier) indexFamilies(c *templates.Catalog) {
	for _, m := range c.Models() {
		id.single[m.Family] = []string{m.Family}[:1:1]
		for _, f := range append([]string{m.FirmwareFile}, m.Files...) {
			if f == "" || strings.Contains(f, "{") {
				continue
			}
			k := strings.ToLower(f)
			if prev, seen := id.famFiles[k]; seen && prev != m.Family {
				id.famFiles[k] = "" // several families: no single one
				continue
			}
			id.famFiles[k] = m.Family
		}
	}
}
