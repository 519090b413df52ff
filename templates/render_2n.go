package templates

// 2N IP intercoms and SIP speakers: <DeviceDatabase> with one <Sip At="n">
// block per account (n from 0) in <mac>.xml (FusionPBX
// templates/provision/2n/<model>). Port 0 makes the device look up DNS SRV
// records.
//
// Device trust: none rendered. The anchor (FusionPBX 2n/ipstyle) has no
// provisioning block, no admin account and no SIP transport setting (its
// <Tls> block only sets how a TLS server is checked), so no 2N model has
// sip_tls or custom_ca, a TLS server gives a 2N UDP on the fallback port,
// and a 2N device is provisioned by the network proof or its enrollment
// URL.

// twoNData is V for the 2n family.
type twoNData struct {
	Lines []lineKV
	// Port is the proxy and registrar port: 0 with DNS SRV.
	Port int
}

func twoNView(v *view) (any, error) {
	return twoNData{Lines: linesFrom(v, 0), Port: srvPort(v)}, nil
}
