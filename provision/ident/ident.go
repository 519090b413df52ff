// Package ident tells which vendor, model, firmware and MAC a provisioning
// request comes from, using its User-Agent and path; the phone-facing config
// routes and the admin API's identify route share this one code path.
package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// Identifier identifies requests against one model catalog. It is safe for
// concurrent use; build it once with New.
type Identifier struct {
	cat *templates.Catalog
	// files maps a lower-case literal file name (boot, common or firmware
	// file) to the one catalog model that asks for it. Names several
	// models ask for (e.g. "sip.ld") are left out.
	files map[string]templates.Model
	// single maps each catalog family to a one-element Vendors slice, for
	// literal file names no other rule knows; famFiles maps a lower-case
	// literal file name to the one family whose models ask for it.
	single   map[string][]string
	famFiles map[string]string
}

// New returns an Identifier using catalog c to canonicalise model names.
func New(c *templates.Catalog) *Identifier {
	id := &Identifier{cat: c, files: make(map[string]templates.Model), single: make(map[string][]string),
		famFiles: make(map[string]string)}
	shared := map[string]bool{}
	for _, m := range c.Models() {
		for _, f := range append([]string{m.FirmwareFile}, m.Files...) {
			if f == "" || strings.Contains(f, "{") {
				continue
			}
			k := strings.ToLower(f)
			if prev, dup := id.files[k]; dup && prev.Model != m.Model {
				shared[k] = true
			}
			id.files[k] = m
		}
	}
	for k := range shared {
		delete(id.files, k)
	}
	id.indexFamilies(c)
	return id
}

// std identifies against the embedded catalog.
var std = New(templates.Default())

// ParseUserAgent reads vendor, model, firmware and MAC from an HTTP
// User-Agent, using the embedded catalog.
func ParseUserAgent(ua string) UA { return std.ParseUserAgent(ua) }

// ParsePath reads the kind of file, the MAC and a model hint from a request
// path, using the embedded catalog.
func ParsePath(p string) Path { return std.ParsePath(p) }

// Identify combines ParseUserAgent and ParsePath, using the embedded
// catalog.
func Identify(ua, path string) Identity { return std.Identify(ua, path) }

// lookup finds a model in the catalog, but only one of the family group the
// User-Agent or path already points at (so a Snom "300" never names a
// model of another vendor). group "" accepts any family.
func (id *Identifier) lookup(name, group string) (templates.Model, bool) {
	if name == "" {
		return templates.Model{}, false
	}
	m, ok := id.cat.Lookup(name)
	if !ok || (group != "" && familyGroup(m.Family) != group) {
		return templates.Model{}, false
	}
	return m, true
}

// familyGroup folds the Cisco families into one vendor group.
func familyGroup(f string) string {
	if strings.HasPrefix(f, "cisco") {
		return "cisco"
	}
	if f == templates.FamilyFanvilLegacy {
		return templates.FamilyFanvil
	}
	return f
}

// familyVendor is the vendor name shown for a family when the model is not
// in the catalog.
func familyVendor(f string) string {
	switch f {
	case templates.FamilyPolycom:
		return "Poly"
	case templates.FamilyYealink:
		return "Yealink"
	case templates.FamilyCiscoSPA, templates.FamilyCiscoMPP, templates.FamilyCiscoEnt:
		return "Cisco"
	case templates.FamilyGrandstream:
		return "Grandstream"
	case templates.FamilySnom:
		return "Snom"
	case templates.FamilyObihai:
		return "Obihai"
	case templates.FamilyFanvil:
		return "Fanvil"
	case templates.FamilyFanvilLegacy:
		return "Fanvil"
	case templates.FamilyAastra:
		return "Mitel"
	case templates.FamilyHtek:
		return "Htek"
	case templates.FamilyGigaset:
		return "Gigaset"
	case templates.FamilyAvaya:
		return "Avaya"
	case templates.FamilyPanasonic:
		return "Panasonic"
	case templates.FamilyALE:
		return "Alcatel-Lucent"
	case templates.FamilyAkuvox:
		return "Akuvox"
	case templates.FamilyAudioCodes:
		return "AudioCodes"
	case templates.FamilyAlgo:
		return "Algo"
	case templates.FamilyCyberData:
		return "CyberData"
	case templates.Family2N:
		return "2N"
	}
	return ""
}
