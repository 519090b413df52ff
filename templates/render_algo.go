package templates

// Algo SIP paging adapters, speakers and strobes: "key = value" lines in
// algom<mac>.conf (FusionPBX templates/provision/algo/<model>). The device
// registers one page extension (sip.u1.*).
//
// Device trust (FusionPBX algo/8180 algom{$mac}.conf): the device
// credential is prov.auth.user / prov.auth.pwd, the server and path are
// separate (prov.server.static, prov.download.cfgpath), the web-UI
// password is admin.pwd (device file only). No custom CA and no SIP
// transport setting is named in a source, so no Algo model has custom_ca
// or sip_tls, and a TLS server gives an Algo UDP on the fallback port.

// algoData is V for the algo family.
type algoData struct {
	Prov provServer
}

func algoView(v *view) (any, error) {
	return algoData{Prov: provServerOf(v.ProvisionURL)}, nil
}
