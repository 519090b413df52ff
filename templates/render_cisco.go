package templates

import (
	"fmt"
	"strings"
)

// Cisco SPA and MPP (3PCC) firmware: one <flat-profile> of elements named
// after the parameter with a _N_ line suffix. MPP elements carry ua="na".
//
// Device trust: the credential goes in front of the Profile_Rule and
// Upgrade_Rule URLs ("[--uid u --pwd p]https://…"), so every resync
// keeps using it; the web-UI password is Admin_Passwd on SPA (wazo
// cisco_spa) and Admin_Password on MPP (wazo cisco_sip 3PCC); the local CA
// is fetched from Custom_CA_Rule (MPP admin guides; unconfirmed on SPA
// firmware, whose HTTPS also wants a Cisco-signed server certificate);
// SIP TLS is SIP_Transport_N_ TLS.

// ciscoData is V for the cisco-spa and cisco-mpp families.
type ciscoData struct {
	// MPP adds ua="na" to every element.
	MPP bool
	// ProfileRule is Profile_Rule: "[--uid U --pwd P]" when the device has
	// HTTP credentials, then the URL of the catalog's per-device file
	// ("spa{mac}.xml" when it lists none) written with the phone's own
	// macros ($MA lower-case MAC, $MAU upper-case).
	ProfileRule string
	// UpgradeRule is Upgrade_Rule: the firmware URL with the same prefix.
	UpgradeRule string
	// Proxy is Proxy_N_: host:port, or the bare domain with
	// Use_DNS_SRV_N_ = Yes.
	Proxy string
	// Transport is SIP_Transport_N_: UDP, TCP or TLS.
	Transport string
	Time      ciscoTime
	// Lang is Language_Selection.
	Lang string
}

// ciscoTime is Time_Zone and the Daylight_Saving_Time_* pair.
type ciscoTime struct {
	Zone string // "GMT-05:00"
	DST  bool
	// Rule is "start=M/D/W/h:m:s;end=M/D/W/h:m:s;save=h:m:s", W being the
	// weekday (1 = Monday .. 7 = Sunday) on or after day D, D = -1 the last
	// such weekday of the month.
	Rule string
}

// ciscoMacros turn catalog placeholders into Cisco's own macros.
var ciscoMacros = strings.NewReplacer("{mac}", "$MA", "{MAC}", "$MAU")

func ciscoSPAView(v *view) (any, error) { return ciscoView(v, false, ciscoSPALang) }

func ciscoMPPView(v *view) (any, error) { return ciscoView(v, true, ciscoMPPLang) }

func ciscoView(v *view, mpp bool, lang map[string]string) (any, error) {
	d := ciscoData{MPP: mpp, Proxy: v.SIP.HostPort, Time: ciscoTimeOf(v.TZ), Lang: v.Lang.pick(lang)}
	d.Transport = map[string]string{"udp": "UDP", "tcp": "TCP", "tls": "TLS"}[v.SIP.Transport]
	auth := ""
	if v.HTTPUser != "" {
		auth = "[--uid " + v.HTTPUser + " --pwd " + v.HTTPPassword + "]"
	}
	if v.ProvisionURL != "" {
		d.ProfileRule = auth + v.ProvisionURL + ciscoMacros.Replace(deviceFile(v.Model, "spa{mac}.xml"))
	}
	if v.FirmwareURL != "" {
		d.UpgradeRule = auth + v.FirmwareURL
	}
	return d, nil
}

// ciscoTimeOf converts zone rules to Cisco's format.
func ciscoTimeOf(z tzRules) ciscoTime {
	t := ciscoTime{Zone: gmtOffset(z.StdOffset), DST: z.DST}
	if z.DST {
		save := z.DSTSave()
		t.Rule = fmt.Sprintf("start=%s;end=%s;save=%d:%d:0",
			ciscoDST(z.Start), ciscoDST(z.End), save/3600, save%3600/60)
	}
	return t
}

func ciscoDST(c tzChange) string {
	day := firstDayOfWeek(c.Week)
	if c.Week == 5 {
		day = -1
	}
	return fmt.Sprintf("%d/%d/%d/%d:%d:0", c.Month, day, isoWeekday(c.Weekday), c.Hour, c.Minute)
}
