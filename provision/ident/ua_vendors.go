package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// parsePoly reads "FileTransport PolycomVVX-VVX_410-UA/5.9.5.0614 Type/Application",
// "FileTransport PolyEdge-Edge_E450-UA/8.0.0.15602", the SIP form
// "Polycom/5.5.2.8571 PolycomVVX-VVX_310-UA/5.5.2.8571", the 4.1 form with
// "_<mac>" after the version, and newer forms with "(SN:<mac>)".
func parsePoly(ua string) (rawUA, bool) {
	i := strings.Index(ua, "-UA/")
	tok := ua[strings.LastIndexByte(ua[:i], ' ')+1 : i] // "PolycomVVX-VVX_410"
	if !strings.HasPrefix(tok, "Poly") {
		return rawUA{}, false
	}
	dash := strings.IndexByte(tok, '-')
	if dash < 0 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Poly", family: templates.FamilyPolycom, model: tok[dash+1:]}
	rest := ua[i+len("-UA/"):]
	r.firmware = leadingVersion(rest)
	rest = rest[len(r.firmware):]
	if len(rest) >= 13 && rest[0] == '_' {
		r.mac, _ = parseMAC(rest[1:13])
	}
	if j := strings.Index(rest, "(SN:"); j >= 0 && len(rest) >= j+4+12 {
		// Poly serial numbers are the MAC; trust one only with a Poly OUI.
		if mac, ok := parseMAC(rest[j+4 : j+4+12]); ok && ouiGroup(mac) == templates.FamilyPolycom && r.mac == "" {
			r.mac = mac
		}
	}
	return r, true
}

// parseYealink reads "Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:cc",
// "yealink SIP-T28P …", "Yealink SIP-T56A  58.80.0.25 001565f429a4",
// "Yealink W60B …", "Yealink SIP VP-T49G …", the SIP form without MAC and
// the odd "Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0".
func parseYealink(ua string) (rawUA, bool) {
	first, rest := nextField(ua)
	var model string
	switch {
	case len(first) == len("yealink"):
		model, rest = nextField(rest)
		if equalLower(model, "sip") {
			model, rest = nextField(rest)
		}
	case first[len("yealink")] == '-':
		model = first[len("yealink")+1:]
	default:
		return rawUA{}, false
	}
	if hasPrefixFold(model, "sip-") {
		model = model[len("sip-"):]
	}
	r := rawUA{vendor: "Yealink", family: templates.FamilyYealink, model: model}
	r.firmware, rest = nextField(rest)
	macTok, _ := nextField(rest)
	r.mac, _ = parseMAC(macTok)
	return r, model != ""
}

// parseCiscoMPP reads "Cisco-CP-8841-3PCC/11.3.7 (00562b043615)".
func parseCiscoMPP(ua string) (rawUA, bool) {
	body := ua[len("Cisco-"):]
	slash := strings.IndexByte(body, '/')
	if slash < 0 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Cisco", family: templates.FamilyCiscoMPP, model: body[:slash]}
	r.firmware, body = nextField(body[slash+1:])
	if p, _ := nextField(body); len(p) == 14 && p[0] == '(' && p[13] == ')' {
		r.mac, _ = parseMAC(p[1:13])
	}
	return r, true
}

// parseCiscoEnt reads Cisco enterprise firmware's "Cisco-CP8851/12.1.1",
// "Cisco-CP7975G/9.3.1" (no MAC). 78xx/88xx hardware runs enterprise or
// MPP firmware, and the catalog names the enterprise models
// "CP-8851 Enterprise": that name is tried first, so the bare "CP8851"
// never names the MPP model.
func (id *Identifier) parseCiscoEnt(ua string) (rawUA, bool) {
	body, _ := nextField(ua[len("Cisco-"):])
	slash := strings.IndexByte(body, '/')
	if slash < 3 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Cisco", family: templates.FamilyCiscoEnt, model: "CP-" + body[2:slash], firmware: body[slash+1:]}
	if m, ok := id.lookup(r.model+" Enterprise", "cisco"); ok && m.Family == templates.FamilyCiscoEnt {
		r.model = m.Model
	}
	return r, true
}

// parseCiscoSPA reads "Cisco/SPA508G-7.4.8a (0002FDFF2103)(CBT141400UK)"
// (MAC then serial), "Cisco/SPA525G-7.4.7 (CBT141900G7)" (serial only),
// "Linksys/SPA-942-6.1.5(a) (88019FA42805)" (serial only: Linksys UAs
// carry no MAC), "Linksys/PAP2T-3.1.15(LS)" and
// "Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)".
func parseCiscoSPA(ua string) (rawUA, bool) {
	slash := strings.IndexByte(ua, '/')
	vendor, body := ua[:slash], ua[slash+1:]
	i := 0
	for i < len(body) && isLetter(body[i]) {
		i++
	}
	if i+1 < len(body) && body[i] == '-' && isDigit(body[i+1]) {
		i++
	}
	start := i
	for i < len(body) && isDigit(body[i]) {
		i++
	}
	if i == start {
		return rawUA{}, false
	}
	for i < len(body) && isAlnum(body[i]) {
		i++
	}
	if i >= len(body) || body[i] != '-' {
		return rawUA{}, false
	}
	r := rawUA{vendor: vendor, family: templates.FamilyCiscoSPA, model: body[:i]}
	rest := body[i+1:]
	if strings.HasPrefix(rest, "MPP-") {
		r.family, rest = templates.FamilyCiscoMPP, rest[len("MPP-"):]
	}
	r.firmware, rest = nextField(rest)
	rest = strings.TrimSpace(rest)
	// "(MAC)(serial)": only Cisco-branded SPA firmware puts the MAC first.
	if vendor == "Cisco" && len(rest) > 14 && rest[0] == '(' && rest[13] == ')' && rest[14] == '(' {
		r.mac, _ = parseMAC(rest[1:13])
	}
	return r, true
}

// parseGrandstream reads "Grandstream Model HW GXP2170 SW 1.0.9.108 DevId 000b82aabbcc"
// (optionally "V2.2A" after the model), the SIP form "Grandstream HT802 1.0.17.5"
// and the GXP2000 form "Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8".
func parseGrandstream(ua string) (rawUA, bool) {
	_, rest := nextField(ua)
	r := rawUA{vendor: "Grandstream", family: templates.FamilyGrandstream}
	f, rest := nextField(rest)
	if f == "Model" {
		if hw, after := nextField(rest); hw == "HW" {
			r.model, rest = nextField(after)
		}
	} else {
		r.model = f
		if v, after := nextField(rest); strings.HasPrefix(v, "(") {
			if c, s := strings.IndexByte(v, ':'), strings.IndexByte(v, '/'); c >= 0 && s > c {
				r.firmware = v[c+1 : s]
			}
			rest = after
		} else if isVersion(v) {
			r.firmware, rest = v, after
		}
	}
	for n := 0; n < 8 && rest != ""; n++ {
		var f string
		f, rest = nextField(rest)
		switch f {
		case "SW":
			r.firmware, rest = nextField(rest)
		case "DevId":
			var m string
			m, rest = nextField(rest)
			r.mac, _ = parseMAC(m)
		}
	}
	return r, r.model != ""
}

// parseSnom reads "Mozilla/4.0 (compatible; snomD785-SIP 10.1.169.16 … 00041396D9B4 SXM:0 UXM:0)",
// "snom320-SIP 8.4.18 1.1.3-s" (no MAC), "snom lid 3605" (firmware 6.5,
// no model), the DECT form "Snom M900 05.20.0001 000413b60680" and the
// SIP form "snomD785/10.1.33.33".
func parseSnom(ua string) (rawUA, bool) {
	rest := ua[indexFold(ua, "snom")+len("snom"):]
	r := rawUA{vendor: "Snom", family: templates.FamilySnom}
	if rest == "" {
		return rawUA{}, false
	}
	if rest[0] == ' ' {
		tok, after := nextField(rest)
		if tok == "lid" {
			return r, true
		}
		r.model = tok
		r.firmware, after = nextField(after)
		m, _ := nextField(after)
		r.mac, _ = parseMAC(strings.TrimRight(m, ")"))
		return r, r.model != ""
	}
	tok, after := nextField(rest)
	switch {
	case strings.HasSuffix(tok, "-SIP"):
		r.model = tok[:len(tok)-len("-SIP")]
		r.firmware, after = nextField(after)
		r.firmware = strings.TrimRight(r.firmware, ";)")
	case strings.IndexByte(tok, '/') > 0:
		s := strings.IndexByte(tok, '/')
		r.model, r.firmware = tok[:s], tok[s+1:]
	default:
		return rawUA{}, false
	}
	for n := 0; n < 12 && after != ""; n++ {
		var f string
		f, after = nextField(after)
		if mac, ok := parseMAC(strings.TrimRight(f, ")")); ok {
			r.mac = mac
			break
		}
	}
	return r, r.model != ""
}

// parseObihai reads the SIP form "OBIHAI/OBi202-3.2.2.5921" (no HTTP
// provisioning User-Agent was found in the sources).
func parseObihai(ua string) (rawUA, bool) {
	body, _ := nextField(ua[len("obihai/"):])
	dash := strings.IndexByte(body, '-')
	if dash <= 0 {
		return rawUA{}, false
	}
	return rawUA{vendor: "Obihai", family: templates.FamilyObihai, model: body[:dash], firmware: body[dash+1:]}, true
}

// parseFanvil reads "Fanvil X4U 2.12.1 0c383e07e16c", "Fanvil X6U Pro 0.0.10 0c383e2cd782"
// and "Fanvil X5U-V2 2.12.16.17 0c383e557eb1": model words up to the version.
func parseFanvil(ua string) (rawUA, bool) {
	_, rest := nextField(ua)
	body := strings.TrimLeft(rest, " ")
	r := rawUA{vendor: "Fanvil", family: templates.FamilyFanvil}
	end := 0
	for n := 0; n < 4 && rest != ""; n++ {
		var f string
		f, rest = nextField(rest)
		if isVersion(f) {
			r.firmware = f
			m, _ := nextField(rest)
			r.mac, _ = parseMAC(m)
			break
		}
		end = len(body) - len(rest)
	}
	r.model = body[:end]
	return r, r.model != ""
}

// parseAastra reads "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP" and
// "Mitel6930 MAC:14-00-E9-1E-DB-52 V:6.4.0.140-SIP" (wazo aastra
// common.py).
func parseAastra(ua string) (rawUA, bool) {
	vendor, n := "Aastra", len("aastra")
	if hasPrefixFold(ua, "mitel") {
		vendor, n = "Mitel", len("mitel")
	}
	model, rest := nextField(ua[n:])
	r := rawUA{vendor: vendor, family: templates.FamilyAastra, model: model}
	for i := 0; i < 4 && rest != ""; i++ {
		var f string
		f, rest = nextField(rest)
		switch {
		case strings.HasPrefix(f, "MAC:"):
			r.mac, _ = parseMAC(f[len("MAC:"):])
		case strings.HasPrefix(f, "V:"):
			r.firmware = strings.TrimSuffix(f[len("V:"):], "-SIP")
		}
	}
	return r, model != ""
}

// parseHtek reads "Htek UC903 2.0.4.2 00:1f:c1:1c:22:a9" (wazo htek
// common.py).
func parseHtek(ua string) (rawUA, bool) {
	_, rest := nextField(ua)
	r := rawUA{vendor: "Htek", family: templates.FamilyHtek}
	r.model, rest = nextField(rest)
	r.firmware, rest = nextField(rest)
	m, _ := nextField(rest)
	r.mac, _ = parseMAC(m)
	return r, r.model != ""
}

// parsePanasonic reads "Panasonic_KX-UT113/01.133 (0080f0c8c381)" (wazo
// panasonic common.py).
func parsePanasonic(ua string) (rawUA, bool) {
	body := ua[len("panasonic_"):]
	slash := strings.IndexByte(body, '/')
	if slash <= 0 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Panasonic", family: templates.FamilyPanasonic, model: body[:slash]}
	var rest string
	r.firmware, rest = nextField(body[slash+1:])
	if p, _ := nextField(rest); len(p) == 14 && p[0] == '(' && p[13] == ')' {
		r.mac, _ = parseMAC(p[1:13])
	}
	return r, true
}

// parseAvaya reads "Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81fea83e85a)"
// (wazo avaya common.py).
func parseAvaya(ua string) (rawUA, bool) {
	tok, rest := nextField(ua[strings.Index(ua, "AVAYA/")+len("AVAYA/"):])
	dash := strings.IndexByte(tok, '-')
	if dash <= 0 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Avaya", family: templates.FamilyAvaya, model: tok[:dash], firmware: tok[dash+1:]}
	if p, _ := nextField(rest); strings.HasPrefix(p, "(MAC:") && strings.HasSuffix(p, ")") {
		r.mac, _ = parseMAC(p[len("(MAC:") : len(p)-1])
	}
	return r, true
}

// parseALE reads "ALE M3-CE 2.11.01.1604 3c28a620089e" and
// "ALE 8028s-GE 1.51.52.2204 487a55023075" (wazo alcatel common.py).
func parseALE(ua string) (rawUA, bool) {
	_, rest := nextField(ua)
	r := rawUA{vendor: "Alcatel-Lucent", family: templates.FamilyALE}
	r.model, rest = nextField(rest)
	r.firmware, rest = nextField(rest)
	m, _ := nextField(rest)
	r.mac, _ = parseMAC(m)
	return r, r.model != ""
}

// parseGigaset reads "Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605"
// (wazo gigaset common.py), optionally in double quotes; the firmware is
// the version after "V" ("2.11.0"), as the catalog writes it.
func parseGigaset(ua string) (rawUA, bool) {
	body := strings.Trim(ua, `"`)[len("gigaset "):]
	slash := strings.IndexByte(body, '/')
	if slash <= 0 {
		return rawUA{}, false
	}
	r := rawUA{vendor: "Gigaset", family: templates.FamilyGigaset, model: body[:slash]}
	ver, rest, _ := strings.Cut(body[slash+1:], ";")
	ver, _, _ = strings.Cut(ver, "+")
	if i := strings.Index(ver, ".V"); i >= 0 {
		ver = ver[i+len(".V"):]
	}
	r.firmware = ver
	m, _, _ := strings.Cut(rest, ";")
	r.mac, _ = parseMAC(m)
	return r, true
}
