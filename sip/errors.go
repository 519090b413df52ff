package sip

import "errors"

// Errors from New for a bad Config, wrapped with the offending value.
var (
	// ErrConfigDomain: Domain is empty or not a host name.
	ErrConfigDomain = errors.New("domain must be a host name")
	// ErrConfigExpires: the expiry bounds are out of order (MinExpires <=
	// DefaultExpires <= MaxExpires).
	ErrConfigExpires = errors.New("expiry bounds out of order")
	// ErrConfigRange: a count, size or interval is out of range.
	ErrConfigRange = errors.New("value out of range")
	// ErrConfigHeader: UserAgent or AdvertiseHost would not make a safe
	// header value.
	ErrConfigHeader = errors.New("unsafe header value")
	// ErrNoDirectory: New got a nil Directory.
	ErrNoDirectory = errors.New("no directory")
)

// Errors from the serving and query methods.
var (
	// ErrServerClosed: the Registrar was shut down.
	ErrServerClosed = errors.New("registrar closed")
	// ErrNoListener: a Serve method got a nil connection or listener.
	ErrNoListener = errors.New("no listener")
	// ErrInvalidEvent: the Event value for Resync is empty, too long, or
	// not tokens with optional ;name=value parameters (no CR, LF or spaces).
	ErrInvalidEvent = errors.New("invalid event")
	// ErrNotRegistered: Resync found no live binding for the device.
	ErrNotRegistered = errors.New("device not registered")
)
