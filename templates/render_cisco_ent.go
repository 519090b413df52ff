package templates

import (
	"path"
	"strings"
)

// Cisco enterprise phones (78xx/88xx on enterprise firmware, 79xx/89xx/99xx
// SIP loads): a <device> XML file per phone, SEP<MAC>.cnf.xml, as Cisco's
// call manager writes it (facts from wazo-provd-plugins
// plugins/wazo-cisco-sip/common/templates/base.tpl and the sample files of
// NamoDev/Cisco-IP-Phone-Provisioning-Files), and the dial plan the
// device file names in <dialTemplate>.
//
// Device trust: the phone finds its server by DHCP option 150 (TFTP) and
// the file has no server or credential element, so no device credential
// is rendered. The enterprise web pages have no admin login; the
// WebUIPassword goes to <commonProfile><phonePassword>, the password that
// unlocks the phone's settings menu (wazo base.tpl renders its
// admin_password there; that it is enforced by every 78xx/88xx load is
// unconfirmed). No custom CA (the enterprise loads trust only a signed
// CTL/ITL file) and no SIP TLS in the catalog (TLS needs a secure device
// profile from a call manager), though <transportLayerProtocol> 3 is
// rendered when the model is given TLS.

// ciscoEntData is V for the cisco-ent family.
type ciscoEntData struct {
	// Zone is <timeZone>: the phone's own zone name, chosen by UTC
	// offset and daylight saving ("Eastern Standard/Daylight Time").
	Zone string
	// Transport is <transportLayerProtocol>: 1 TCP, 2 UDP, 3 TLS.
	Transport string
	// Load is <loadInformation>: the firmware image's name without
	// ".loads", when a firmware target is set; "" keeps the phone's load.
	Load string
	// DialPlan is <dialTemplate>: the model's dial plan file (the
	// catalog's "dialplan-*.xml" name), fetched like the device file.
	DialPlan string
	// Expiry is <timerRegisterExpires>, one value for every line: the
	// first line's.
	Expiry int
}

func ciscoEntView(v *view) (any, error) {
	d := ciscoEntData{Zone: ciscoEntZone(v.TZ), DialPlan: "dialplan.xml", Expiry: v.Lines[0].Expiry,
		Transport: map[string]string{"udp": "2", "tcp": "1", "tls": "3"}[v.SIP.Transport]}
	for _, f := range v.Model.Files {
		if strings.HasPrefix(strings.ToLower(f), "dialplan") {
			d.DialPlan = f
		}
	}
	if v.FirmwareURL != "" {
		base := path.Base(v.FirmwareURL)
		d.Load = strings.TrimSuffix(strings.TrimSuffix(base, ".loads"), ".LOADS")
	}
	return d, nil
}

// ciscoEntZones are the phone's zone names by standard UTC offset in
// minutes, without and with daylight saving (wazo-provd-plugins
// plugins/wazo-cisco-sip/common/common.py _ZONE_MAP).
var ciscoEntZones = map[int][2]string{
	-720: {"Dateline Standard Time", ""},
	-660: {"Samoa Standard Time", ""},
	-600: {"Hawaiian Standard Time", ""},
	-540: {"", "Alaskan Standard/Daylight Time"},
	-480: {"", "Pacific Standard/Daylight Time"},
	-420: {"US Mountain Standard Time", "Mountain Standard/Daylight Time"},
	-360: {"", "Central Standard/Daylight Time"},
	-300: {"US Eastern Standard Time", "Eastern Standard/Daylight Time"},
	-240: {"SA Western Standard Time", "Atlantic Standard/Daylight Time"},
	-210: {"", "Newfoundland Standard/Daylight Time"},
	-180: {"SA Eastern Standard Time", "South America Standard/Daylight Time"},
	-120: {"", "Mid-Atlantic Standard/Daylight Time"},
	-60:  {"", "Azores Standard/Daylight Time"},
	0:    {"Greenwich Standard Time", "GMT Standard/Daylight Time"},
	60:   {"", "Central Europe Standard/Daylight Time"},
	120:  {"South Africa Standard Time", "E. Europe Standard/Daylight Time"},
	180:  {"Saudi Arabia Standard Time", "Russian Standard/Daylight Time"},
	210:  {"", "Iran Standard/Daylight Time"},
	240:  {"Arabian Standard Time", ""},
	270:  {"Afghanistan Standard Time", ""},
	300:  {"West Asia Standard Time", ""},
	330:  {"India Standard Time", ""},
	360:  {"Central Asia Standard Time", ""},
	420:  {"SE Asia Standard Time", ""},
	480:  {"Taipei Standard Time", ""},
	540:  {"Tokyo Standard Time", ""},
	570:  {"AUS Central Standard Time", "Cen. Australia Standard/Daylight Time"},
	600:  {"West Pacific Standard Time", "Tasmania Standard/Daylight Time"},
	660:  {"Central Pacific Standard Time", ""},
	720:  {"Fiji Standard Time", ""},
}

// ciscoEntZone names the zone with the same offset and daylight saving,
// else the same offset, else Greenwich.
func ciscoEntZone(z tzRules) string {
	names, ok := ciscoEntZones[z.StdOffset/60]
	if !ok {
		return "Greenwich Standard Time"
	}
	i, other := 0, 1
	if z.DST {
		i, other = 1, 0
	}
	if names[i] != "" {
		return names[i]
	}
	return names[other]
}
