package templates

// DeviceConfig is everything a family template needs to render one device's
// files. The config server fills it from the database; templates never see
// the database.
type DeviceConfig struct {
	// MAC is 12 lower-case hex digits.
	MAC string
	// Model is the catalog entry of the device.
	Model Model
	// Firmware is the version the device reported (may be empty).
	Firmware string
	// Lines are the device's lines, index 1..Model.Lines; lines with no
	// user are absent.
	Lines []Line
	// SIP is where the lines register.
	SIP SIPServer
	// ProvisionURL is the base URL the device fetches its files from,
	// ending in "/".
	ProvisionURL string
	// ResyncInterval is how often the device re-checks its config, in
	// seconds (0: never).
	ResyncInterval int
	// NTPServer is a host name or IP.
	NTPServer string
	// TimeZone is an IANA zone name (e.g. "America/New_York").
	TimeZone string
	// Language is a BCP 47 tag (e.g. "en-US").
	Language string
	// STUNServer is "host:port", empty when off.
	STUNServer string
	// FirmwareURL is set when the device is below its target firmware.
	FirmwareURL string
	// HTTPUser and HTTPPassword, when set, are the digest credentials the
	// device must present on later fetches.
	HTTPUser, HTTPPassword string
	// WebUIPassword is the admin password of the device's own web UI.
	WebUIPassword string
	// CACert is the PEM of the local CA, for models that take a custom CA.
	CACert string
	// CACertURL is where the device can download the local CA.
	CACertURL string
}

// Line is one SIP line (registration) of a device.
type Line struct {
	// Index is the line number on the device, from 1.
	Index int
	// Enabled is false for lines of unlicensed or deactivated users,
	// virtual extensions, or a device below its minimum firmware.
	Enabled bool
	// User is the AOR user part (the extension).
	User string
	// AuthUser and Password are the digest credentials.
	AuthUser, Password string
	// DisplayName is shown to called parties; Label on the phone's key.
	DisplayName, Label string
	// Expiry is the REGISTER expiry in seconds.
	Expiry int
}

// SIPServer says where lines register.
type SIPServer struct {
	// Domain is the SIP domain (AOR host, digest realm).
	Domain string
	// Host and Port are the registrar's address for models without SRV.
	Host string
	Port int
	// Transport is "udp", "tcp" or "tls".
	Transport string
	// UseSRV is true when the model resolves Domain by DNS SRV instead.
	UseSRV bool
}
