package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/icholy/digest"
)

// vendor is one model of the mix: how its phones name themselves over HTTP
// and SIP, which files they ask for at boot (the catalog's list, in order)
// and how line 1's credentials are written in their config.
type vendor struct {
	name   string   // short name used in reports
	model  string   // catalog model as the admin API takes it
	oui    string   // first 6 hex digits of the MAC
	files  []string // catalog "files", {mac} lower-case and {MAC} upper-case
	main   string   // the one of files holding the phone's own lines, which it re-fetches
	family string   // credential syntax, see parseCreds
	// either is a file the phone asks for first and falls back from on a
	// 404 (Grandstream's binary cfg<mac>, then cfg<mac>.xml): 200 and 404
	// are both accepted
	either string
	ua     func(mac string) string
	sipUA  string
}

// vendors is the default mix, one device of each in turn.
var vendors = []vendor{
	{name: "yealink", model: "Yealink T46U", oui: "805ec0", family: "yealink",
		files: []string{"{mac}.boot", "y000000000000.boot", "y000000000108.cfg", "{mac}.cfg"}, main: "{mac}.cfg",
		ua:    func(m string) string { return "Yealink SIP-T46U 108.86.0.90 " + colonMAC(m) },
		sipUA: "Yealink SIP-T46U 108.86.0.90"},
	{name: "poly", model: "Poly VVX 410", oui: "0004f2", family: "polycom",
		files: []string{"{mac}.cfg", "000000000000.cfg", "3111-46162-001.sip.ld", "sip.ld", "phoneprov-{mac}.cfg"},
		main:  "phoneprov-{mac}.cfg",
		ua:    func(string) string { return "FileTransport PolycomVVX-VVX_410-UA/5.9.7.4477 Type/Application" },
		sipUA: "PolycomVVX-VVX_410-UA/5.9.7.4477"},
	{name: "fanvil", model: "Fanvil X4U", oui: "0c383e", family: "fanvil",
		files: []string{"{mac}.cfg"}, main: "{mac}.cfg",
		ua:    func(m string) string { return "Fanvil X4U 2.12.1 " + m },
		sipUA: "Fanvil X4U 2.12.1"},
	{name: "cisco", model: "Cisco CP-8841-3PCC", oui: "00562b", family: "cisco",
		files: []string{"CP-8841-3PCC.xml", "8841-3PCC.xml", "{mac}.xml"}, main: "{mac}.xml",
		ua:    func(m string) string { return "Cisco-CP-8841-3PCC/11.3.7 (" + m + ")" },
		sipUA: "Cisco/CP-8841-3PCC-11.3.7"},
	{name: "grandstream", model: "Grandstream GRP2614", oui: "c074ad", family: "grandstream", either: "cfg{mac}",
		files: []string{"cfg{mac}", "cfg{mac}.xml", "cfggrp2614.xml", "cfg.xml"}, main: "cfg{mac}.xml",
		ua:    func(m string) string { return "Grandstream Model HW GRP2614 SW 1.0.5.15 DevId " + m },
		sipUA: "Grandstream GRP2614 1.0.5.15"},
	{name: "snom", model: "Snom D735", oui: "000413", family: "snom",
		files: []string{"snomD735.htm", "snomD735-{MAC}.htm", "{MAC}.xml"}, main: "{MAC}.xml",
		ua: func(m string) string {
			return "Mozilla/4.0 (compatible; snomD735-SIP 10.1.169.16 2010.12-00001-gd311851f1 " + strings.ToUpper(m) + " SXM:0 UXM:0)"
		},
		sipUA: "snomD735/10.1.169.16"},
}

func colonMAC(m string) string {
	var b strings.Builder
	for i := 0; i+1 < len(m); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(m[i : i+2])
	}
	return b.String()
}

// device is one simulated phone.
type device struct {
	i     int    // index in the run, from 0
	n     int    // base+i+1: numbers its MAC, user name and extension
	mac   string // 12 lower-case hex digits
	v     *vendor
	ua    string
	paths []string // the files it asks for, in order
	main  string   // the path of its own config (vendor.main)
	// httpUser and httpPass are its provisioning credential, read from the
	// admin API after seeding (admin.credentials).
	httpUser, httpPass string
}

// client is hc answering the server's digest challenge with the phone's
// own credential, as the phone does (a transport per phone: the nonce
// counts are the phone's own).
func (d device) client(hc *http.Client) *http.Client {
	c := *hc
	c.Transport = &digest.Transport{Username: d.httpUser, Password: d.httpPass, Transport: hc.Transport}
	return &c
}

// username, extension and licenseID name what seeding makes for the
// phone, the same whether through the admin API or an import: user
// storm0000001 on extension 3000001 for n = 1.
func (d device) username() string  { return fmt.Sprintf("storm%07d", d.n) }
func (d device) extension() string { return fmt.Sprintf("%d", 3000000+d.n) }
func (d device) licenseID() string { return fmt.Sprintf("STORM-%07d", d.n) }

// expandFile fills a catalog file pattern with a MAC.
func expandFile(pattern, mac string) string {
	s := strings.ReplaceAll(pattern, "{mac}", mac)
	return "/" + strings.ReplaceAll(s, "{MAC}", strings.ToUpper(mac))
}

// devices makes n phones of the mix; MACs are unique across vendors since
// the OUIs differ and the low 24 bits count from base+1.
func devices(n, base int, mix []vendor) []device {
	ds := make([]device, n)
	for i := range ds {
		v := &mix[i%len(mix)]
		mac := fmt.Sprintf("%s%06x", v.oui, (base+i+1)&0xffffff)
		d := device{i: i, n: base + i + 1, mac: mac, v: v, ua: v.ua(mac), main: expandFile(v.main, mac)}
		for _, f := range v.files {
			d.paths = append(d.paths, expandFile(f, mac))
		}
		ds[i] = d
	}
	return ds
}
