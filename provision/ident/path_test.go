package ident

import (
	"slices"
	"strings"
	"testing"

	"github.com/phoneprov/phoneprov/templates"
)

// pathCase is one ParsePath expectation; vendors nil means "do not check".
type pathCase struct {
	path, file, kind, mac, hint string
	vendors                     []string
}

func checkPath(t *testing.T, tt pathCase) {
	t.Helper()
	got := ParsePath(tt.path)
	if got.File != tt.file || got.Kind != tt.kind || got.MAC != tt.mac || got.ModelHint != tt.hint ||
		(tt.vendors != nil && !slices.Equal(got.Vendors, tt.vendors)) {
		t.Errorf("ParsePath(%.80q)\n got  %+v\n want %+v", tt.path, got, tt)
	}
}

func TestParsePathVendors(t *testing.T) {
	tests := []pathCase{
		// Poly
		{"/0004f2a1b2c3.cfg", "0004f2a1b2c3.cfg", templates.KindMaster, "0004f2a1b2c3", "", vMACCfg},
		{"/0004F2A1B2C3.cfg", "0004F2A1B2C3.cfg", templates.KindMaster, "0004f2a1b2c3", "", vMACCfg},
		{"/000000000000.cfg", "000000000000.cfg", templates.KindMaster, "", "", vPoly},
		{"/phoneprov-0004f2a1b2c3.cfg", "phoneprov-0004f2a1b2c3.cfg", templates.KindPhone, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-phone.cfg", "0004f2a1b2c3-phone.cfg", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-web.cfg", "0004f2a1b2c3-web.cfg", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004F2A1B2C3-boot.log", "0004F2A1B2C3-boot.log", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-app.log", "0004f2a1b2c3-app.log", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-calls.xml", "0004f2a1b2c3-calls.xml", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-directory.xml", "0004f2a1b2c3-directory.xml", KindUpload, "0004f2a1b2c3", "", vPoly},
		{"/0004f2a1b2c3-license.cfg", "0004f2a1b2c3-license.cfg", KindUnknown, "0004f2a1b2c3", "", vPoly},
		{"/000000000000-directory.xml", "000000000000-directory.xml", KindUnknown, "", "", vPoly},
		{"/sip.ld", "sip.ld", KindFirmware, "", "", vPoly},
		{"/3111-46162-001.sip.ld", "3111-46162-001.sip.ld", KindFirmware, "", "VVX 410", vPoly},
		{"/3111-44500-001.3111-44500-001.sip.ld", "3111-44500-001.3111-44500-001.sip.ld", KindFirmware, "", "VVX 500", vPoly},
		{"/2345-12375-001.bootrom.ld", "2345-12375-001.bootrom.ld", KindFirmware, "", "SoundPoint IP 335", vPoly},
		// Yealink
		{"/001565aabbcc.boot", "001565aabbcc.boot", templates.KindBoot, "001565aabbcc", "", vYealink},
		{"/y000000000000.boot", "y000000000000.boot", templates.KindBoot, "", "", vYealink},
		{"/y000000000066.cfg", "y000000000066.cfg", templates.KindCommon, "", "T46S", vYealink},
		{"/Y000000000108.CFG", "Y000000000108.CFG", templates.KindCommon, "", "T46U", vYealink},
		{"/y000000000095.cfg", "y000000000095.cfg", templates.KindCommon, "", "", vYealink}, // T53 and T53W share it
		{"/y000000000000.cfg", "y000000000000.cfg", templates.KindCommon, "", "T28P", vYealink},
		{"/001565aabbcc.cfg", "001565aabbcc.cfg", templates.KindDevice, "001565aabbcc", "", vMACCfg},
		{"/T46U(T43U,T46U,T41U,T48U,T42U,T44U,T44W)-108.86.0.90.rom", "T46U(T43U,T46U,T41U,T48U,T42U,T44U,T44W)-108.86.0.90.rom", KindFirmware, "", "", vYealink},
		{"/T58W-150.86.0.11.rom", "T58W-150.86.0.11.rom", KindFirmware, "", "T58W", vYealink},
		// Cisco
		{"/spa504G.cfg", "spa504G.cfg", templates.KindDevice, "", "SPA504G", vSPA},
		{"/spa112.cfg", "spa112.cfg", templates.KindDevice, "", "SPA112", vSPA},
		{"/init.cfg", "init.cfg", templates.KindDevice, "", "PAP2T", vSPA},
		{"/spa0002fdff2103.xml", "spa0002fdff2103.xml", templates.KindDevice, "0002fdff2103", "", vCisco},
		{"/SPA0002FDFF2103.xml", "SPA0002FDFF2103.xml", templates.KindDevice, "0002fdff2103", "", vCisco},
		{"/CP-8841-3PCC.xml", "CP-8841-3PCC.xml", templates.KindDevice, "", "CP-8841-3PCC", vMPP},
		{"/8841-3PCC.xml", "8841-3PCC.xml", templates.KindDevice, "", "CP-8841-3PCC", vMPP},
		{"/00562b043615.xml", "00562b043615.xml", templates.KindDevice, "00562b043615", "", vMACXML},
		{"/ata191.cfg", "ata191.cfg", templates.KindDevice, "", "ATA191", vMPP},
		{"/sip88xx.12-0-7MPP0201-66.loads", "sip88xx.12-0-7MPP0201-66.loads", KindFirmware, "", "", vLoads},
		{"/ATA19x.11-1-0MPP0401-002.img", "ATA19x.11-1-0MPP0401-002.img", KindFirmware, "", "", vMPP},
		// Cisco enterprise
		{"SEP00562B043615.cnf.xml", "SEP00562B043615.cnf.xml", templates.KindDevice, "00562b043615", "", vCiscoEnt},
		{"/sep00562b043615.cnf.xml", "sep00562b043615.cnf.xml", templates.KindDevice, "00562b043615", "", vCiscoEnt},
		{"SIP00562B043615.cnf", "SIP00562B043615.cnf", templates.KindDevice, "00562b043615", "", vCiscoEnt},
		{"CTLSEP00562B043615.tlv", "CTLSEP00562B043615.tlv", KindUnknown, "00562b043615", "", vCiscoEnt},
		{"ITLSEP00562B043615.tlv", "ITLSEP00562B043615.tlv", KindUnknown, "00562b043615", "", vCiscoEnt},
		{"XMLDefault.cnf.xml", "XMLDefault.cnf.xml", KindUnknown, "", "", vCiscoEnt},
		{"dialplan-8841.xml", "dialplan-8841.xml", templates.KindCommon, "", "CP-8841 Enterprise", vCiscoEnt},
		{"dialplan-7942.xml", "dialplan-7942.xml", templates.KindCommon, "", "CP-7942G", vCiscoEnt},
		{"sip9971.9-4-1SR1-2.loads", "sip9971.9-4-1SR1-2.loads", KindFirmware, "", "CP-9971", vLoads},
		{"SEP00562B04361.cnf.xml", "SEP00562B04361.cnf.xml", KindUnknown, "", "", nil},
		{"SEP00562B04361Z.cnf.xml", "SEP00562B04361Z.cnf.xml", KindUnknown, "", "", nil},
		// Grandstream
		{"/cfg000b82aabbcc.xml", "cfg000b82aabbcc.xml", templates.KindDevice, "000b82aabbcc", "", vGSHtek},
		{"/cfg000B82AABBCC", "cfg000B82AABBCC", templates.KindDevice, "000b82aabbcc", "", vGS},
		{"/cfg000b82aabbcc.bin", "cfg000b82aabbcc.bin", templates.KindDevice, "000b82aabbcc", "", vGS},
		{"/cfggrp2614.xml", "cfggrp2614.xml", templates.KindCommon, "", "GRP2614", vGS},
		{"/cfg.xml", "cfg.xml", templates.KindCommon, "", "", vGS},
		{"/gxp2170fw.bin", "gxp2170fw.bin", KindFirmware, "", "GXP2170", vBin},
		// Snom
		{"/snomD735.htm", "snomD735.htm", templates.KindCommon, "", "D735", vSnom},
		{"/snomD735-000413A11FA7.htm", "snomD735-000413A11FA7.htm", templates.KindDevice, "000413a11fa7", "D735", vSnom},
		{"/snom710-000413741767.htm", "snom710-000413741767.htm", templates.KindDevice, "000413741767", "710", vSnom},
		{"/000413A11FA7.xml", "000413A11FA7.xml", templates.KindDevice, "000413a11fa7", "", vMACXML},
		{"/snom-000413A11FA7.xml", "snom-000413A11FA7.xml", templates.KindDevice, "000413a11fa7", "", vSnom},
		{"/snomD385-10.1.215.13-SIP-r.bin", "snomD385-10.1.215.13-SIP-r.bin", KindFirmware, "", "D385", vBin},
		// Obihai
		{"/9CADEF100001.xml", "9CADEF100001.xml", templates.KindDevice, "9cadef100001", "", vMACXML},
		{"/OBi202-3.2.2.5921.fw", "OBi202-3.2.2.5921.fw", KindFirmware, "", "OBi202", vObihai},
		// Fanvil
		{"/0c383e07e16c.cfg", "0c383e07e16c.cfg", templates.KindDevice, "0c383e07e16c", "", vMACCfg},
		{"/Fanvil/0C383E07E16C.cfg", "0C383E07E16C.cfg", templates.KindDevice, "0c383e07e16c", "", vMACCfg},
		{"/f0X4hw1.100.cfg", "f0X4hw1.100.cfg", templates.KindCommon, "", "X4", vFanvil},
		{"/F0V00X600000.cfg", "F0V00X600000.cfg", templates.KindCommon, "", "X6", vFanvil},
		{"/fanvil_x4u_hwv2_0.txt", "fanvil_x4u_hwv2_0.txt", KindFirmware, "", "X4U", vFanvil},
		{"/x6-6904-P0.16.5-1.12.2-3144T2019-07-29-15.09.59.z", "x6-6904-P0.16.5-1.12.2-3144T2019-07-29-15.09.59.z", KindFirmware, "", "X6", vFanvil},
		// a Yealink OUI starting "f0" is a MAC, not a Fanvil common file
		{"/f01653aabbcc.cfg", "f01653aabbcc.cfg", templates.KindDevice, "f01653aabbcc", "", vMACCfg},
		// separators, prefixes, queries
		{"/prov/00-15-65-AA-BB-CC.boot", "00-15-65-AA-BB-CC.boot", templates.KindBoot, "001565aabbcc", "", vYealink},
		{"/a/b/c/001565aabbcc.cfg?x=1#frag", "001565aabbcc.cfg", templates.KindDevice, "001565aabbcc", "", vMACCfg},
		{`C:\prov\001565aabbcc.cfg`, "001565aabbcc.cfg", templates.KindDevice, "001565aabbcc", "", vMACCfg},
		{"/firmware/UC_Software_6_4_6_release_sig_split.zip", "UC_Software_6_4_6_release_sig_split.zip", KindFirmware, "", "", vFirmware},
	}
	for _, tt := range tests {
		checkPath(t, tt)
	}
}

func TestParsePathHostile(t *testing.T) {
	tests := []pathCase{
		{"", "", KindUnknown, "", "", nil},
		{"/", "", KindUnknown, "", "", nil},
		{"/.", "", KindUnknown, "", "", nil},
		{"/..", "", KindUnknown, "", "", nil},
		{"/../0004f2a1b2c3.cfg", "", KindUnknown, "", "", nil},
		{"/prov/../../etc/passwd", "", KindUnknown, "", "", nil},
		{`\..\0004f2a1b2c3.cfg`, "", KindUnknown, "", "", nil},
		{"/%2e%2e/0004f2a1b2c3.cfg", "", KindUnknown, "", "", nil},
		{"/%2E%2E%2F0004f2a1b2c3.cfg", "", KindUnknown, "", "", nil},
		{"/%252e%252e/0004f2a1b2c3.cfg", "", KindUnknown, "", "", nil},
		{"/%zz.cfg", "", KindUnknown, "", "", nil},
		{"/0004f2a1b2c3.cfg\x00.txt", "", KindUnknown, "", "", nil},
		{"/0004f2a1b2c3%00.cfg", "", KindUnknown, "", "", nil},
		{"/0004f2a1b2c3.cfg\r\nX-Injected: 1", "", KindUnknown, "", "", nil},
		{"/\xff\xfe.cfg", "", KindUnknown, "", "", nil},
		{"/" + strings.Repeat("a", maxPathLen), "", KindUnknown, "", "", nil},
		{"/" + strings.Repeat("0", maxFileLen+1) + ".cfg", "", KindUnknown, "", "", nil},
		// decodes cleanly: percent-encoding of ordinary bytes is accepted
		{"/%30004f2a1b2c3.cfg", "0004f2a1b2c3.cfg", templates.KindMaster, "0004f2a1b2c3", "", vMACCfg},
		// names that look close but are not what phones ask for
		{"/0004f2a1b2c.cfg", "0004f2a1b2c.cfg", KindUnknown, "", "", nil},
		{"/0004f2a1b2c3.txt", "0004f2a1b2c3.txt", KindUnknown, "", "", nil},
		{"/0004f2a1b2c3-evil.cfg", "0004f2a1b2c3-evil.cfg", KindUnknown, "0004f2a1b2c3", "", vPoly},
		{"/index.html", "index.html", KindUnknown, "", "", nil},
		{"/spa.cfg", "spa.cfg", KindUnknown, "", "", nil},
		{"/cfg", "cfg", KindUnknown, "", "", nil},
		{"/snom.htm", "snom.htm", KindUnknown, "", "", nil},
		{"/y00000000006.cfg", "y00000000006.cfg", KindUnknown, "", "", nil},
		{"/.cfg", ".cfg", KindUnknown, "", "", nil},
	}
	for _, tt := range tests {
		checkPath(t, tt)
	}
}

func TestPathVendorsNotWritable(t *testing.T) {
	p := ParsePath("/0004f2a1b2c3.cfg")
	_ = append(p.Vendors, "x")
	if q := ParsePath("/0004f2a1b2c3.cfg"); len(q.Vendors) != len(vMACCfg) || cap(q.Vendors) != len(vMACCfg) {
		t.Fatalf("Vendors changed by an append: %v", q.Vendors)
	}
}
