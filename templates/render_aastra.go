package templates

// Aastra / Mitel 67xxi, 68xxi and 69xx SIP phones: "key: value" lines. The
// phone reads aastra.cfg, then <model>.cfg, then <MAC>.cfg (upper case);
// later files override earlier ones (wazo-provd-plugins aastra base.tpl,
// FusionPBX templates/provision/aastra).
//
// Device trust: the device credential is "http digest username" / "http
// digest password", which the phone answers an HTTP or HTTPS digest
// challenge of the configuration server with (Aastra admin guide
// 41-001343-02, BroadSoft CMS section; device file only); the server
// itself is "http(s) server/path/port", which take no credential. The
// web-UI password is "admin password" (wazo base.tpl; device file only).
// The CA is "sips trusted certificates" (the certificates the phone
// checks a SIP TLS server with; FusionPBX aastra/675x gives it as a full
// URL) and "https user certificates" (the trusted certificates for the
// HTTPS configuration server; the Mitel 6800 admin guide names a file on
// the configuration server; that it takes a full URL is unconfirmed).
// SIP TLS is "sip transport protocol: 4".

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
