package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// UA is what a User-Agent says about the device.
type UA struct {
	// Vendor is the catalog vendor when the model is known, else the vendor
	// the User-Agent names ("Poly", "Yealink", "Cisco" …); "" if none.
	Vendor string `json:"vendor,omitempty"`
	// Family is the catalog family (see the Family constants); "" if the
	// User-Agent is not recognised.
	Family string `json:"family,omitempty"`
	// Model is the catalog's canonical model name when found, else the
	// raw model token of the User-Agent.
	Model string `json:"model,omitempty"`
	// Firmware is the version the User-Agent reports.
	Firmware string `json:"firmware,omitempty"`
	// MAC is 12 lower-case hex digits, or "" when the User-Agent has none.
	MAC string `json:"mac,omitempty"`
	// Known is true when Model was found in the catalog.
	Known bool `json:"known"`
}

// maxUALen bounds the User-Agents parsed; real ones are under 200 bytes.
const maxUALen = 512

// rawUA is a vendor parser's result before the catalog look-up.
type rawUA struct {
	vendor, family, model, firmware, mac string
}

// ParseUserAgent reads vendor, model, firmware and MAC from an HTTP
// User-Agent. It recognises the provisioning User-Agents of Poly/Polycom,
// Yealink, Cisco (SPA, MPP, ATA19x, enterprise) and Linksys, Grandstream, Snom, Obihai
// and Fanvil, and some of their SIP User-Agents; anything else, or anything
// longer than 512 bytes, gives the zero UA.
func (id *Identifier) ParseUserAgent(ua string) UA {
	u, _ := id.parseUA(ua)
	return u
}

// parseUA is ParseUserAgent that also returns the catalog entry when known.
func (id *Identifier) parseUA(ua string) (UA, templates.Model) {
	if len(ua) > maxUALen {
		return UA{}, templates.Model{}
	}
	ua = strings.TrimSpace(ua)
	r, ok := id.parseRaw(ua)
	if !ok {
		return UA{}, templates.Model{}
	}
	if !isModelToken(r.model) {
		r.model = ""
	}
	if !isVersion(r.firmware) {
		r.firmware = ""
	}
	out := UA{Vendor: r.vendor, Family: r.family, Model: r.model, Firmware: r.firmware, MAC: r.mac}
	m, ok := id.lookup(r.model, familyGroup(r.family))
	if ok {
		out.Vendor, out.Family, out.Model, out.Known = m.Vendor, m.Family, m.Model, true
	}
	return out, m
}

// parseRaw picks the vendor parser from the User-Agent's first bytes.
func (id *Identifier) parseRaw(ua string) (rawUA, bool) {
	switch {
	case strings.Contains(ua, "-UA/"):
		return parsePoly(ua)
	case hasPrefixFold(ua, "yealink"):
		return parseYealink(ua)
	case strings.HasPrefix(ua, "Cisco-CP-"):
		return parseCiscoMPP(ua)
	case strings.HasPrefix(ua, "Cisco-CP") && len(ua) > len("Cisco-CP") && isDigit(ua[len("Cisco-CP")]):
		return id.parseCiscoEnt(ua)
	case strings.HasPrefix(ua, "Cisco/"), strings.HasPrefix(ua, "Linksys/"), strings.HasPrefix(ua, "Sipura/"):
		return parseCiscoSPA(ua)
	case hasPrefixFold(ua, "grandstream "):
		return parseGrandstream(ua)
	case hasPrefixFold(ua, "obihai/"):
		return parseObihai(ua)
	case hasPrefixFold(ua, "fanvil "):
		return parseFanvil(ua)
	// the added vendors: Aastra/Mitel, Htek, Panasonic, Avaya,
	// Alcatel-Lucent, Gigaset
	case hasPrefixFold(ua, "aastra"), hasPrefixFold(ua, "mitel"):
		return parseAastra(ua)
	case hasPrefixFold(ua, "htek "):
		return parseHtek(ua)
	case hasPrefixFold(ua, "panasonic_"):
		return parsePanasonic(ua)
	case strings.Contains(ua, "AVAYA/"):
		return parseAvaya(ua)
	case hasPrefixFold(ua, "ale "):
		return parseALE(ua)
	case hasPrefixFold(strings.TrimPrefix(ua, `"`), "gigaset "):
		return parseGigaset(ua)
	case indexFold(ua, "snom") >= 0:
		return parseSnom(ua)
	}
	return id.parseBareYealink(ua)
}

// parseBareYealink reads the vendor-less form of old Yealink DECT and video
// models ("VP530P 23.70.0.40 00:15:65:31:4b:c0"): a Yealink catalog model,
// a version and a MAC, nothing else.
func (id *Identifier) parseBareYealink(ua string) (rawUA, bool) {
	model, rest := nextField(ua)
	fw, rest := nextField(rest)
	macTok, rest := nextField(rest)
	mac, ok := parseMAC(macTok)
	if !ok || strings.TrimSpace(rest) != "" || !isVersion(fw) {
		return rawUA{}, false
	}
	if _, known := id.lookup(model, templates.FamilyYealink); !known {
		return rawUA{}, false
	}
	return rawUA{vendor: "Yealink", family: templates.FamilyYealink, model: model, firmware: fw, mac: mac}, true
}
