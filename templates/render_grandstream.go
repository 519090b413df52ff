package templates

import (
	"fmt"
	"strings"
)

// Grandstream: <gs_provision version="1"> with P-values (<config
// version="1">). P-values rather than the named <config version="2">
// items because every Grandstream model reads them (GXP, GRP, the HT80x
// ATAs and the legacy GXP1400 in the catalog), while the named items only
// exist on recent GXP/GRP firmware.
//
// Device trust: P237 path + P212 protocol (2 HTTPS) with P1360/P1361 as
// the credential (device file only); P2 the web-UI admin password (wazo,
// FusionPBX); the local CA inline as P8433 "Trusted CA Certificates 1"
// with P8502 "Load CA Certificates" = 2; SIP TLS P130 = 2. Unconfirmed:
// P8433 is documented for the GDS models in FusionPBX's templates, not
// for GXP/GRP/HT; P8502's numeric values (its named form lists Default,
// Custom, All certificates; 1 or 2 both load the custom CA).

// grandstreamData is V for the grandstream family.
type grandstreamData struct {
	// ConfigPath is P237 (host/path, no scheme); Protocol is P212 and
	// P6767 (1 HTTP, 2 HTTPS).
	ConfigPath string
	Protocol   int
	// FirmwarePath is P192: the folder of the firmware URL (the phone
	// asks for its own <model>fw.bin there); FirmwareProtocol as Protocol.
	FirmwarePath     string
	FirmwareProtocol int
	// CheckMode is P194 (0 no automatic check, 3 every CheckMinutes);
	// CheckMinutes is P193, at least 60.
	CheckMode, CheckMinutes int
	// TZ is the POSIX TZ string for P246, with P64 = "customize".
	TZ string
	// Lang is P1362.
	Lang string
	// Accounts are the account blocks, one per line slot that has
	// P-values (accounts 1..6).
	Accounts []gsAccount
}

// gsAccount is one account block: C are the P-value codes, the rest the
// values.
type gsAccount struct {
	C                        gsCodes
	Present                  bool
	Active                   int    // 1 when the line is enabled
	Name                     string // account name (the label)
	Server                   string // host[:port], or the domain with DNS SRV
	User, Auth, Password     string
	Display                  string
	DNSMode                  int // 0 A record, 1 SRV
	NAT                      int // 0 none, 1 STUN
	ExpiryMinutes, Transport int // transport: 0 UDP, 1 TCP, 2 TLS
}

// gsCodes are the P-value names of one account.
type gsCodes struct {
	Active, Name, Server, User, Auth, Password, Display string
	DNSMode, NAT, Expiry, Transport, Register           string
}

// gsBlocks are the P-value hundreds of accounts 2..6 (account 1 has its
// own historic numbers); each account N>1 repeats the same two-digit
// offsets inside its block (P401 active, P402 server ... P448 transport).
var gsBlocks = []int{4, 5, 6, 17, 18}

func gsCodesFor(index int) (gsCodes, bool) {
	if index == 1 {
		return gsCodes{Active: "P271", Name: "P270", Server: "P47", User: "P35", Auth: "P36",
			Password: "P34", Display: "P3", DNSMode: "P103", NAT: "P52", Expiry: "P32",
			Transport: "P130", Register: "P31"}, true
	}
	if index-2 >= len(gsBlocks) {
		return gsCodes{}, false
	}
	p := func(off int) string { return fmt.Sprintf("P%d%02d", gsBlocks[index-2], off) }
	return gsCodes{Active: p(1), Name: p(17), Server: p(2), User: p(4), Auth: p(5),
		Password: p(6), Display: p(7), DNSMode: p(8), NAT: p(14), Expiry: p(12),
		Transport: p(48), Register: p(10)}, true
}

func grandstreamView(v *view) (any, error) {
	prov, fw := splitURL(v.ProvisionURL), splitURL(v.FirmwareURL)
	d := grandstreamData{ConfigPath: prov.HostPath, Protocol: 1, FirmwarePath: fw.Dir,
		FirmwareProtocol: 1, TZ: posixTZ(v.TZ), Lang: v.Lang.pick(grandstreamLang)}
	if prov.HTTPS {
		d.Protocol = 2
	}
	if fw.HTTPS {
		d.FirmwareProtocol = 2
	}
	if v.ResyncInterval > 0 {
		d.CheckMode, d.CheckMinutes = 3, ceilDiv(v.ResyncInterval, 60, 60)
	}
	transport := map[string]int{"udp": 0, "tcp": 1, "tls": 2}[v.SIP.Transport]
	for _, l := range v.Lines {
		codes, ok := gsCodesFor(l.Index)
		if !ok {
			if l.Present {
				return nil, fmt.Errorf("%w: grandstream line %d: P-values are known for accounts 1..%d only",
					ErrInvalidConfig, l.Index, len(gsBlocks)+1)
			}
			continue
		}
		a := gsAccount{C: codes, Present: l.Present, Name: l.Label, User: l.User, Auth: l.AuthUser,
			Password: l.Password, Display: l.DisplayName, Transport: transport}
		if l.Present {
			a.Server, a.ExpiryMinutes = v.SIP.HostPort, ceilDiv(l.Expiry, 60, 1)
			if l.Enabled {
				a.Active = 1
			}
			if v.SIP.SRV {
				a.DNSMode = 1
			}
			if v.STUN {
				a.NAT = 1
			}
		}
		d.Accounts = append(d.Accounts, a)
	}
	return d, nil
}

// posixTZ writes zone rules as a POSIX TZ string ("EST+5EDT,M3.2.0/02:00:00,
// M11.1.0/02:00:00"): offsets are hours west of UTC, the DST offset is
// given only when the shift is not one hour, weekdays count from Sunday = 0.
// Abbreviations that are not 3+ letters (Go reports numeric ones such as
// "-03") are replaced by STD and DST.
func posixTZ(z tzRules) string {
	var b strings.Builder
	b.WriteString(posixAbbr(z.StdAbbr, "STD"))
	b.WriteString(offsetHM(-z.StdOffset, "+"))
	if !z.DST {
		return b.String()
	}
	b.WriteString(posixAbbr(z.DSTAbbr, "DST"))
	if z.DSTSave() != 3600 {
		b.WriteString(offsetHM(-z.DSTOffset, "+"))
	}
	for _, c := range []tzChange{z.Start, z.End} {
		fmt.Fprintf(&b, ",M%d.%d.%d/%02d:%02d:00", c.Month, c.Week, int(c.Weekday), c.Hour, c.Minute)
	}
	return b.String()
}

func posixAbbr(a, def string) string {
	if len(a) < 3 || !isASCIIAlpha(a) {
		return def
	}
	return a
}
