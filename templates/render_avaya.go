package templates

// Avaya J100 (and 1200/9600 SIP): "SET NAME value" lines. The phone reads
// J100Supgrade.txt, then 46xxsettings.txt, whose "GET $MACADDR.cfg" line
// makes it read its own <mac>.cfg (FusionPBX templates/provision/avaya
// J100Supgrade.txt and <model>/{$mac}.cfg; wazo-provd-plugins avaya
// common.py and base-J100series.tpl). Values are quoted.

// avayaData is V for the avaya family.
type avayaData struct {
	// Controller is SIP_CONTROLLER_LIST: host:port;transport=x, or the
	// domain with DNS SRV.
	Controller string
	// Transport is SIPSIGNAL: 0 UDP, 1 TCP, 2 TLS.
	Transport string
	// Prov is the file server (HTTPSRVR / TLSSRVR).
	Prov provServer
}

func avayaView(v *view) (any, error) {
	c := v.SIP.HostPort
	if c != "" {
		c += ";transport=" + v.SIP.Transport
	}
	return avayaData{Controller: c, Transport: transportCode(v, [3]string{"0", "1", "2"}),
		Prov: provServerOf(v.ProvisionURL)}, nil
}
