package templates

import "strings"

// Yealink (firmware V81+). Plain `key = value` files behind a
// "#!version:1.0.0.1" header: the boot file includes the common and the
// per-device file, each of which repeats the global settings so either
// alone is enough.
//
// Device trust (parameter sources: wazo-provd-plugins yealink v81+
// templates, Yealink security-certificate guide): the device credential
// is static.auto_provision.server.username/password (device file only);
// the web-UI password static.security.user_password = admin:<pw> (device
// file only); the local CA static.trusted_certificates.url (the phone
// fetches it; Yealink takes no inline PEM); SIP TLS transport_type 2.

// yealinkData is V for the yealink family.
type yealinkData struct {
	// Transport is account.X.sip_server.1.transport_type: 0 UDP, 1 TCP,
	// 2 TLS, 3 DNS-NAPTR (with SRV; the address is then the domain and
	// the port is left out).
	Transport int
	// RepeatMinutes is static.auto_provision.repeat.minutes (0: repeat off).
	RepeatMinutes int
	// Includes are the include:config URLs of the boot file: the model's
	// .cfg files from the catalog (Model.Files) expanded for this device,
	// else the per-device "<mac>.cfg".
	Includes []string
	Time     yealinkTime
	// Lang is lang.gui and lang.wui.
	Lang string
}

// yealinkTime is the local_time.* block.
type yealinkTime struct {
	Zone       string // local_time.time_zone: "+1", "-5", "+5:30"
	ZoneName   string // local_time.time_zone_name; "" when not in the table
	SummerTime int    // local_time.summer_time: 0 off, 1 on (rules below)
	// Start and End are local_time.start_time / end_time with
	// dst_time_type = 1 (by week): month/week (5 = last)/weekday (1 = Monday
	// .. 7 = Sunday)/hour.
	Start, End string
	Offset     int // local_time.offset_time, minutes
}

func yealinkView(v *view) (any, error) {
	d := yealinkData{Time: yealinkTimeOf(v.TZ), Lang: v.Lang.pick(yealinkLang)}
	d.Transport = map[string]int{"udp": 0, "tcp": 1, "tls": 2}[v.SIP.Transport]
	if v.SIP.SRV {
		d.Transport = 3
	}
	if v.ResyncInterval > 0 {
		d.RepeatMinutes = ceilDiv(v.ResyncInterval, 60, 1)
	}
	for _, f := range v.Model.Files {
		if strings.HasSuffix(f, ".cfg") {
			if name, ok := expandFile(f, v); ok {
				d.Includes = append(d.Includes, v.ProvisionURL+name)
			}
		}
	}
	if len(d.Includes) == 0 && v.MAC != "" {
		d.Includes = []string{v.ProvisionURL + v.MAC + ".cfg"}
	}
	return d, nil
}

// yealinkZoneNames are local_time.time_zone_name values for common zones
// (names from Yealink's AutoDST table); other zones get none, which is
// harmless because the DST rule is given explicitly.
var yealinkZoneNames = map[string]string{
	"America/New_York": "United States-Eastern Time", "America/Detroit": "United States-Eastern Time",
	"America/Chicago": "United States-Central Time", "America/Denver": "United States-Mountain Time",
	"America/Phoenix": "United States-MST no DST", "America/Los_Angeles": "United States-Pacific Time",
	"America/Anchorage": "United States-Alaska Time", "Pacific/Honolulu": "United States-Hawaii-Aleutian",
	"America/Toronto": "Canada(Montreal,Ottawa,Quebec)", "America/Vancouver": "Canada(Vancouver,Whitehorse)",
	"America/Halifax": "Canada-Atlantic", "America/St_Johns": "Canada-New Foundland(St.Johns)",
	"Europe/London": "United Kingdom(London)", "Europe/Dublin": "Ireland(Dublin)",
	"Europe/Lisbon": "Portugal(Lisboa,Porto,Funchal)", "Europe/Paris": "France(Paris)",
	"Europe/Berlin": "Germany(Berlin)", "Europe/Madrid": "Spain(Madrid)", "Europe/Rome": "Italy(Rome)",
	"Europe/Amsterdam": "Netherlands(Amsterdam)", "Europe/Brussels": "Belgium(Brussels)",
	"Asia/Kolkata": "India(Calcutta)", "Asia/Shanghai": "China(Beijing)", "Asia/Tokyo": "Japan(Tokyo)",
	"Australia/Sydney": "Australia(Sydney,Melbourne,Canberra)", "Pacific/Auckland": "New Zealand(Wellington,Auckland)",
}

// yealinkTimeOf converts zone rules to Yealink's format.
func yealinkTimeOf(z tzRules) yealinkTime {
	t := yealinkTime{Zone: offsetHM(z.StdOffset, "+"), ZoneName: yealinkZoneNames[z.Name]}
	if z.DST {
		t.SummerTime = 1
		t.Start, t.End = yealinkDST(z.Start), yealinkDST(z.End)
		t.Offset = z.DSTSave() / 60
	}
	return t
}

func yealinkDST(c tzChange) string {
	return strInt(c.Month) + "/" + strInt(c.Week) + "/" + strInt(isoWeekday(c.Weekday)) + "/" + strInt(c.Hour)
}
