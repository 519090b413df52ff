package dns

import "errors"

// Errors returned by New (wrapped with the offending value) and by the Serve
// methods. Test for them with errors.Is.
var (
	// ErrInvalidDomain means Config.Domain is not a usable zone name.
	ErrInvalidDomain = errors.New("invalid dns domain")
	// ErrNoAddresses means Config.Addresses is empty.
	ErrNoAddresses = errors.New("no addresses to publish")
	// ErrInvalidAddress means an entry of Config.Addresses is not a unicast IP.
	ErrInvalidAddress = errors.New("invalid address to publish")
	// ErrInvalidPublicHost means Config.PublicHost is neither an IP nor a host name.
	ErrInvalidPublicHost = errors.New("invalid public host")
	// ErrInvalidPort means a port in Config is outside 0-65535.
	ErrInvalidPort = errors.New("invalid port")
	// ErrInvalidTTL means Config.TTL is above 2147483647 (RFC 2181 section 8).
	ErrInvalidTTL = errors.New("invalid ttl")
	// ErrInvalidUDPSize means Config.MaxUDPSize is outside 512-65535.
	ErrInvalidUDPSize = errors.New("invalid max udp size")
	// ErrNoListener means ServeUDP or ServeTCP got a nil connection or listener.
	ErrNoListener = errors.New("no listener")
	// ErrServerClosed is returned by ServeUDP and ServeTCP called after Shutdown.
	ErrServerClosed = errors.New("dns server closed")
)
