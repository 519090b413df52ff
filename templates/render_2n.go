package templates

// 2N IP intercoms and SIP speakers: <DeviceDatabase> with one <Sip At="n">
// block per account (n from 0) in <mac>.xml (FusionPBX
// templates/provision/2n/<model>). Port 0 makes the device look up DNS SRV
// records.

// twoNData is V for the 2n family.
type twoNData struct {
	Lines []lineKV
	// Port is the proxy and registrar port: 0 with DNS SRV.
	Port int
}

func twoNView(v *view) (any, error) {
	return twoNData{Lines: linesFrom(v, 0), Port: srvPort(v)}, nil
}
