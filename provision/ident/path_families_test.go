package ident

import (
	"testing"

	"github.com/phoneprov/phoneprov/templates"
)

// TestParsePathAddedFamilies: the file names of the families added for the
// wider catalog (families.go).
func TestParsePathAddedFamilies(t *testing.T) {
	tests := []pathCase{
		{"/aastra.cfg", "aastra.cfg", templates.KindCommon, "", "", vAastra},
		{"/6867i.cfg", "6867i.cfg", templates.KindCommon, "", "6867i", vAastra},
		{"/00085D1A2B3C.cfg", "00085D1A2B3C.cfg", templates.KindDevice, "00085d1a2b3c", "", vMACCfg},
		{"/6867i.st", "6867i.st", KindFirmware, "", "6867i", vAastra},
		{"/Gigaset-Nx70-V2.62.1-build.d1d6a22.bin", "Gigaset-Nx70-V2.62.1-build.d1d6a22.bin", KindFirmware, "", "", []string{templates.FamilyGigaset}},
		{"/cfg0010.xml", "cfg0010.xml", templates.KindCommon, "", "UC926", vHtek},
		{"/cfg001fc11c22a9.xml", "cfg001fc11c22a9.xml", templates.KindDevice, "001fc11c22a9", "", vGSHtek},
		{"/7c2f80e0d605.xml", "7c2f80e0d605.xml", templates.KindDevice, "7c2f80e0d605", "", vMACXML},
		{"/J100Supgrade.txt", "J100Supgrade.txt", templates.KindCommon, "", "", vAvaya},
		{"/46xxsettings.txt", "46xxsettings.txt", templates.KindCommon, "", "", vAvaya},
		{"/c81fea83e85a.cfg", "c81fea83e85a.cfg", templates.KindDevice, "c81fea83e85a", "", vMACCfg},
		{"/Config0080F0C8C381.cfg", "Config0080F0C8C381.cfg", templates.KindDevice, "0080f0c8c381", "", vPanasonic},
		{"/KX-HDV230.cfg", "KX-HDV230.cfg", templates.KindCommon, "", "KX-HDV230", vPanasonic},
		{"/KX-TGP500B04.cfg", "KX-TGP500B04.cfg", templates.KindCommon, "", "KX-TGP500", vPanasonic},
		{"/config.M3.xml", "config.M3.xml", templates.KindCommon, "", "M3", vALE},
		{"/config.3c28a620089e.xml", "config.3c28a620089e.xml", templates.KindDevice, "3c28a620089e", "", vALE},
		{"/algom0022ee0a0b0c.conf", "algom0022ee0a0b0c.conf", templates.KindDevice, "0022ee0a0b0c", "", vAlgo},
		{"/algo0022ee0a0b0c.conf", "algo0022ee0a0b0c.conf", templates.KindDevice, "0022ee0a0b0c", "", vAlgo},
		{"/000000cd.xml", "000000cd.xml", templates.KindCommon, "", "", vCyberData},
		{"/config.xml", "config.xml", KindUnknown, "", "", nil},
		{"/config.cfg", "config.cfg", KindUnknown, "", "", nil},
		{"/algo.conf", "algo.conf", KindUnknown, "", "", nil},
		{"/440HD.img", "440HD.img", KindFirmware, "", "440HD", nil},
		{"/1220.cfg", "1220.cfg", templates.KindCommon, "", "1220IP", nil},
		{"/SIP0004F2A1B2C3.cfg", "SIP0004F2A1B2C3.cfg", templates.KindDevice, "0004f2a1b2c3", "", vAvaya},
		{"/f0X4hw1.100.cfg", "f0X4hw1.100.cfg", templates.KindCommon, "", "X4", vFanvil},
	}
	for _, tt := range tests {
		checkPath(t, tt)
	}
	if k := ParsePath("/f0X4hw1.100.cfg").KindFor(templates.FamilyFanvilLegacy); k != templates.KindCommon {
		t.Errorf("fanvil-legacy asks for Fanvil's model file: kind %q", k)
	}
	if k := ParsePath("/0c383e07e16c.cfg").KindFor(templates.FamilyFanvilLegacy); k != templates.KindDevice {
		t.Errorf("fanvil-legacy asks for <mac>.cfg: kind %q", k)
	}
}
