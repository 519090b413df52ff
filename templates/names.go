package templates

// Families, as the catalog names them (Model.Family): the names the
// request path parser (provision/ident) and the renderers share.
const (
	FamilyPolycom     = "polycom"
	FamilyYealink     = "yealink"
	FamilyCiscoSPA    = "cisco-spa"
	FamilyCiscoMPP    = "cisco-mpp"
	FamilyGrandstream = "grandstream"
	FamilySnom        = "snom"
	FamilyObihai      = "obihai"
	FamilyFanvil      = "fanvil"
	// FamilyCiscoEnt is Cisco's enterprise firmware (78xx/88xx
	// enterprise loads, 79xx/89xx/99xx SIP loads): SEP<MAC>.cnf.xml,
	// fetched over TFTP first.
	FamilyCiscoEnt   = "cisco-ent"
	FamilyAastra     = "aastra"
	FamilyHtek       = "htek"
	FamilyGigaset    = "gigaset"
	FamilyAvaya      = "avaya"
	FamilyPanasonic  = "panasonic"
	FamilyALE        = "ale"
	FamilyAkuvox     = "akuvox"
	FamilyAudioCodes = "audiocodes"
	FamilyAlgo       = "algo"
	FamilyCyberData  = "cyberdata"
	Family2N         = "2n"
	// FamilyFanvilLegacy is Fanvil's old <VOIP_CONFIG_FILE> format; it
	// asks for the same files as FamilyFanvil.
	FamilyFanvilLegacy = "fanvil-legacy"
)
