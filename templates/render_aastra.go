package templates

// Aastra / Mitel 67xxi, 68xxi and 69xx SIP phones: "key: value" lines. The
// phone reads aastra.cfg, then <model>.cfg, then <MAC>.cfg (upper case);
// later files override earlier ones (wazo-provd-plugins aastra base.tpl,
// FusionPBX templates/provision/aastra).

// aastraData is V for the aastra family.
type aastraData struct {
	// Prov is the provisioning server: "download protocol", and
	// "http(s) server", "http(s) path", "http(s) port".
	Prov provServer
	// Transport is "sip transport protocol": 1 UDP, 2 TCP, 4 TLS
	// (wazo aastra common.py _SIP_TRANSPORT).
	Transport string
	// ProxyPort is "sip lineN proxy port": 0 makes the phone look up DNS
	// SRV records for the proxy.
	ProxyPort int
}

func aastraView(v *view) (any, error) {
	return aastraData{Prov: provServerOf(v.ProvisionURL), Transport: transportCode(v, [3]string{"1", "2", "4"}),
		ProxyPort: srvPort(v)}, nil
}
