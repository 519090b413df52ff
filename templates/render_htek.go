package templates

// Htek UC9xx/UC8xx and the Htek-made Sangoma S-series: <hl_provision
// version="1"><config version="1"> with P-values, like Grandstream's but
// with Htek's own numbers for accounts 2..4 (FusionPBX
// templates/provision/htek/uc926 and sangoma/s500; wazo-provd-plugins htek
// base.tpl). The model file is cfg00NN.xml, the device file cfg<mac>.xml
// (Sangoma: <mac>.xml).

//
// Device trust (FusionPBX htek/uc926 and sangoma/s500 {$mac}, whose
// P-values carry para="..." names): the device credential is P1360/P1361
// (FirmwareUpGrade.UserName/Password, the same block as the config
// server path P237; device file only), the web-UI password P2
// (AdminPassword, for the account P8681 LogUser.Admin = admin; device
// file only); SIP TLS P130/P830/... = 2. No custom CA parameter is named
// (only P20156 TrustedCaType), so no Htek model has custom_ca.

// htekData is V for the htek family.
type htekData struct {
	// ConfigURL is P237, the provisioning URL; Protocol P212 (1 HTTP,
	// 2 HTTPS).
	ConfigURL string
	Protocol  int
	// FirmwareDir is P192, the folder of the firmware URL.
	FirmwareDir string
	// Accounts are the account blocks with known P-values (1..4).
	Accounts []htekAccount
}

// htekAccount is one account: C its P-value names, the rest the values.
type htekAccount struct {
	C                    htekCodes
	Present              bool
	Active               int
	Server               string // host:port, or the domain with DNS SRV
	User, Auth, Password string
	Display              string
	Transport            int // 0 UDP, 1 TCP, 2 TLS, 3 DNS SRV
}

// htekCodes are the P-value names of one account.
type htekCodes struct {
	Active, Server, User, Auth, Password, Display, Transport string
}

// htekBlocks are accounts 1..4 (FusionPBX htek/uc926 {$mac}.cfg).
var htekBlocks = []htekCodes{
	{"P271", "P47", "P35", "P36", "P34", "P3", "P130"},
	{"P401", "P747", "P735", "P736", "P734", "P703", "P830"},
	{"P501", "P502", "P504", "P505", "P506", "P507", "P930"},
	{"P601", "P602", "P604", "P605", "P606", "P607", "P1030"},
}

func htekView(v *view) (any, error) {
	d := htekData{ConfigURL: v.ProvisionURL, Protocol: 1, FirmwareDir: firmwareDir(v)}
	if provServerOf(v.ProvisionURL).HTTPS {
		d.Protocol = 2
	}
	tr := map[string]int{"udp": 0, "tcp": 1, "tls": 2}[v.SIP.Transport]
	if v.SIP.SRV {
		tr = 3
	}
	for i, l := range v.Lines {
		if i >= len(htekBlocks) {
			break
		}
		a := htekAccount{C: htekBlocks[i], Present: l.Present, User: l.User, Auth: l.AuthUser,
			Password: l.Password, Display: l.DisplayName, Server: l.HostPort, Transport: tr}
		if l.Enabled {
			a.Active = 1
		}
		d.Accounts = append(d.Accounts, a)
	}
	return d, nil
}
