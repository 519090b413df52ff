package templates

import (
	"fmt"
	"strings"
)

// Snom: the model file snom<model>.htm lists setting files; the device
// file is <settings><phone-settings> with perm="R" on every element and
// idx="N" on per-identity (user_*) elements.
//
// Device trust: the credential is URL userinfo in setting_server (device
// file only); the web-UI password is http_user/http_pass,
// webserver_admin_name/webserver_admin_password (newer firmware) and
// admin_mode_password (Snom wiki, wazo snom); the local CA is a
// <certificates><certificate url="…"/> section after <phone-settings>;
// SIP TLS is ";transport=tls" on user_host. Unconfirmed: the url
// attribute form of <certificate> (Snom lists the <certificates> section;
// the attribute form is described for the same format by Gigaset) and
// whether the phone takes PEM as well as DER there.

// snomData is V for the snom family.
type snomData struct {
	// SettingsURL is the catalog's per-device file ("{MAC}.xml" when it
	// lists none): setting_server in the device file (with the HTTP
	// credentials as URL userinfo, the only way Snom takes them) and the
	// <file url> of the model file, where the phone's own {mac}
	// placeholder stands in when the MAC is unknown.
	SettingsURL string
	// UpdatePolicy is update_policy: auto_update when a firmware URL is
	// set, else settings_only.
	UpdatePolicy string
	// UserHost is user_host: host:port;transport=x, or the domain (SRV,
	// RFC 3263) with ;transport=x for TCP/TLS.
	UserHost string
	Time     snomTime
	// Lang is language and web_language.
	Lang string
}

// snomTime is timezone, utc_offset and dst.
type snomTime struct {
	// Zone is timezone: Snom's country code plus the standard offset in
	// hours ("USA-5", "GER+1", "IND+5.5"); GMT for zones without a code.
	Zone string
	// UTCOffset is utc_offset in seconds.
	UTCOffset int
	// DST is dst: "<save s> MM.WW.D HH:MM:SS MM.WW.D HH:MM:SS" (week 05 =
	// last, D 1 = Monday .. 7 = Sunday); "" without DST.
	DST string
}

func snomView(v *view) (any, error) {
	d := snomData{UpdatePolicy: "settings_only", Time: snomTimeOf(v.TZ), Lang: v.Lang.pick(snomLang)}
	file := deviceFile(v.Model, "{MAC}.xml")
	if name, ok := expandFile(file, v); ok {
		file = name
	} else {
		file = strings.ReplaceAll(file, "{MAC}", "{mac}")
	}
	if v.ProvisionURL != "" {
		d.SettingsURL = withUserinfo(v.ProvisionURL+file, v.HTTPUser, v.HTTPPassword)
	}
	if v.FirmwareURL != "" {
		d.UpdatePolicy = "auto_update"
	}
	d.UserHost = v.SIP.HostPort
	if v.SIP.Transport != "udp" {
		d.UserHost += ";transport=" + v.SIP.Transport
	}
	return d, nil
}

// snomZoneCodes are Snom's country codes of the timezone setting for common
// IANA zones.
var snomZoneCodes = map[string]string{
	"America/New_York": "USA", "America/Detroit": "USA", "America/Chicago": "USA",
	"America/Denver": "USA", "America/Phoenix": "USA", "America/Los_Angeles": "USA",
	"America/Anchorage": "USA", "Pacific/Honolulu": "USA", "America/Boise": "USA",
	"America/Indiana/Indianapolis": "USA", "America/Toronto": "CAN", "America/Vancouver": "CAN",
	"America/Edmonton": "CAN", "America/Winnipeg": "CAN", "America/Halifax": "CAN",
	"America/St_Johns": "CAN", "America/Regina": "CAN", "America/Mexico_City": "MEX",
	"America/Sao_Paulo": "BRA", "Europe/London": "GBR", "Europe/Dublin": "IRL",
	"Europe/Lisbon": "POR", "Europe/Madrid": "ESP", "Europe/Paris": "FRA",
	"Europe/Brussels": "BEL", "Europe/Amsterdam": "NLD", "Europe/Berlin": "GER",
	"Europe/Zurich": "SUI", "Europe/Vienna": "AUT", "Europe/Rome": "ITA",
	"Europe/Copenhagen": "DNK", "Europe/Oslo": "NOR", "Europe/Stockholm": "SWE",
	"Europe/Helsinki": "FIN", "Europe/Warsaw": "POL", "Europe/Prague": "CZE",
	"Europe/Budapest": "HUN", "Europe/Athens": "GRE", "Europe/Istanbul": "TUR",
	"Europe/Moscow": "RUS", "Asia/Jerusalem": "ISR", "Asia/Kolkata": "IND",
	"Asia/Shanghai": "CHN", "Asia/Tokyo": "JPN", "Australia/Sydney": "AUS",
	"Australia/Melbourne": "AUS", "Australia/Brisbane": "AUS", "Australia/Perth": "AUS",
	"Australia/Adelaide": "AUS", "Pacific/Auckland": "NZL",
}

// snomTimeOf converts zone rules to Snom's format.
func snomTimeOf(z tzRules) snomTime {
	code, ok := snomZoneCodes[z.Name]
	if !ok {
		code = "GMT"
	}
	sign, off := "+", z.StdOffset
	if off < 0 {
		sign, off = "-", -off
	}
	hours := fmt.Sprintf("%d", off/3600)
	if m := off % 3600; m != 0 {
		hours = strings.TrimRight(strings.TrimRight(fmt.Sprintf("%d.%02d", off/3600, m*100/3600), "0"), ".")
	}
	t := snomTime{Zone: code + sign + hours, UTCOffset: z.StdOffset}
	if z.DST {
		t.DST = fmt.Sprintf("%d %s %s", z.DSTSave(), snomDST(z.Start), snomDST(z.End))
	}
	return t
}

func snomDST(c tzChange) string {
	return fmt.Sprintf("%02d.%02d.%d %02d:%02d:00", c.Month, c.Week, isoWeekday(c.Weekday), c.Hour, c.Minute)
}
