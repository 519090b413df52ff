package templates

// Avaya J100 (and 1200/9600 SIP): "SET NAME value" lines. The phone reads
// J100Supgrade.txt, then 46xxsettings.txt, whose "GET $MACADDR.cfg" line
// makes it read its own <mac>.cfg (FusionPBX templates/provision/avaya
// J100Supgrade.txt and <model>/{$mac}.cfg; wazo-provd-plugins avaya
// common.py and base-J100series.tpl). Values are quoted.
//
// Device trust: no device credential in the file: HTTPSRVR and TLSSRVR
// take a host only, and no vendor source names a setting for an HTTP user
// or password of the file server, so an Avaya device is provisioned by
// the network proof or its enrollment URL. The web-UI password is SET
// FORCE_WEB_ADMIN_PASSWORD (wazo base-J100series.tpl, FusionPBX J179; the
// phone takes 8 to 31 alphanumeric characters, so a password with other
// characters is ignored by the phone). Custom CA: Avaya's TRUSTCERTS
// names certificate files on the file server; not rendered, because no
// source says it takes a URL and the CA's path need not be the
// settings' directory, so no Avaya model has custom_ca. SIP TLS is
// SIPSIGNAL 2.

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
