package ident

import "strings"

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
// Fanvil's files. Firmware: Aastra ".st"; ".rom" also Htek and Akuvox,
// ".img" AudioCodes, ".bin" Gigaset, Avaya, Alcatel-Lucent, CyberData and
// 2N, ".fw" Panasonic and Algo.
const (
	FamilyAastra     = "aastra"
	FamilyHtek       = "htek"
	FamilyGigaset    = "gigaset"
	FamilyAvaya      = "avaya"
	FamilyPanasonic  = "panasonic"
	FamilyALE        = "ale"
	FamilyAkuvox     = "akuvox"
	FamilyAudioCodes = "audiocodes"
	FamilyAlgo       = "algo"
	FamilyCyberData  = "cyberdata"
	Family2N         = "2n"
	// FamilyFanvilLegacy is Fanvil's old <VOIP_CONFIG_FILE> format; it
	// asks for the same files as FamilyFanvil.
	FamilyFanvilLegacy = "fanvil-legacy"
)

// sameFiles maps a family to the one whose file names it shares.
var sameFiles = map[string]string{FamilyFanvilLegacy: FamilyFanvil}

// Vendors lists of the added families, and the shared lists widened to
// them (computed from the base lists, so families added there stay in).
var (
	vGSHtek    = []string{FamilyGrandstream, FamilyHtek}[:2:2]
	vAastra    = []string{FamilyAastra}[:1:1]
	vHtek      = []string{FamilyHtek}[:1:1]
	vAvaya     = []string{FamilyAvaya}[:1:1]
	vPanasonic = []string{FamilyPanasonic}[:1:1]
	vALE       = []string{FamilyALE}[:1:1]
	vAlgo      = []string{FamilyAlgo}[:1:1]
	vCyberData = []string{FamilyCyberData}[:1:1]

	vFirmwareAll = widen(vFirmware, FamilyAastra, FamilyHtek, FamilyGigaset, FamilyAvaya, FamilyPanasonic,
		FamilyALE, FamilyAkuvox, FamilyAudioCodes, FamilyAlgo, FamilyCyberData, Family2N)
	vRom    = widen(vYealink, FamilyHtek, FamilyAkuvox)
	vImg    = widen(vMPP, FamilyAudioCodes)
	vBinAll = widen(vBin, FamilyGigaset, FamilyAvaya, FamilyALE, FamilyCyberData, Family2N)
	vFw     = widen(vObihai, FamilyPanasonic, FamilyAlgo)
)

// widen returns base followed by more, as a full slice expression.
func widen(base []string, more ...string) []string {
	out := append(append(make([]string, 0, len(base)+len(more)), base...), more...)
	return out[:len(out):len(out)]
}

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
			return Path{Kind: KindDevice, MAC: mac, Vendors: vGSHtek}, true
		}
		if len(stem) == len("cfg0010") && isDigitRun(stem[3:]) {
			// Htek model file, e.g. cfg0010.xml for the UC926
			return Path{Kind: KindCommon, Vendors: vHtek, ModelHint: id.fileHint(b)}, true
		}
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "config"):
		if mac, ok := macAfter("config"); ok {
			return Path{Kind: KindDevice, MAC: mac, Vendors: vPanasonic}, true
		}
	case equalLower(ext, ".xml") && hasPrefixFold(stem, "config."):
		if mac, ok := macAfter("config."); ok {
			return Path{Kind: KindDevice, MAC: mac, Vendors: vALE}, true
		}
		if model := stem[len("config."):]; isModelToken(model) {
			return Path{Kind: KindCommon, Vendors: vALE, ModelHint: id.hint(model, FamilyALE)}, true
		}
	case equalLower(ext, ".conf") && hasPrefixFold(stem, "algo"):
		if mac, ok := macAfter("algom"); ok {
			return Path{Kind: KindDevice, MAC: mac, Vendors: vAlgo}, true
		}
		if mac, ok := macAfter("algo"); ok {
			return Path{Kind: KindDevice, MAC: mac, Vendors: vAlgo}, true
		}
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "sip"):
		// Avaya (Nortel) 1200 series: SIP<MAC>.cfg
		if mac, ok := macAfter("sip"); ok {
			return Path{Kind: KindDevice, MAC: mac, Vendors: vAvaya}, true
		}
	case equalLower(b, "aastra.cfg"):
		return Path{Kind: KindCommon, Vendors: vAastra}, true
	case equalLower(b, "46xxsettings.txt"), equalLower(b, "j100supgrade.txt"):
		return Path{Kind: KindCommon, Vendors: vAvaya}, true
	case equalLower(b, "000000cd.xml"):
		return Path{Kind: KindCommon, Vendors: vCyberData}, true
	case equalLower(ext, ".cfg") && hasPrefixFold(stem, "kx-") && isModelToken(stem):
		hint := id.fileHint(b)
		if hint == "" {
			hint = id.hint(stem, FamilyPanasonic)
		}
		return Path{Kind: KindCommon, Vendors: vPanasonic, ModelHint: hint}, true
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
		if hint := id.hint(stem, FamilyAastra); hint != "" {
			return Path{Kind: KindCommon, Vendors: vAastra, ModelHint: hint}, true
		}
	}
	if ext == "" || equalLower(ext, ".cfg") || equalLower(ext, ".xml") || equalLower(ext, ".txt") {
		if hint := id.fileHint(b); hint != "" {
			if m, ok := id.cat.Lookup(hint); ok {
				return Path{Kind: KindCommon, Vendors: id.single[m.Family], ModelHint: hint}, true
			}
		}
	}
	return Path{}, false
}

// classifyFirmwareAll is classifyFirmware with the added families in the
// extensions they share, and Aastra's ".st".
func (id *Identifier) classifyFirmwareAll(b string) Path {
	ext := b[strings.LastIndexByte(b, '.')+1:]
	if equalLower(ext, "st") {
		return Path{Kind: KindFirmware, Vendors: vAastra, ModelHint: id.fileHint(b)}
	}
	p := id.classifyFirmware(b)
	if p.Kind != KindFirmware || hasPrefixFold(b, "fanvil_") {
		return p
	}
	switch {
	case equalLower(ext, "rom"):
		p.Vendors = vRom
	case equalLower(ext, "img"):
		p.Vendors = vImg
	case equalLower(ext, "bin"):
		p.Vendors = vBinAll
	case equalLower(ext, "fw"):
		p.Vendors = vFw
	case equalLower(ext, "zip"):
		p.Vendors = vFirmwareAll
	}
	return p
}
