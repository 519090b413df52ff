package stun

import "errors"

// Sentinel errors returned by [New], [Server.Serve] and [Config] validation.
var (
	// ErrBadRate means Config.RatePerSecond is negative, NaN or infinite.
	ErrBadRate = errors.New("stun: rate per second must be a finite number >= 0")
	// ErrBadBurst means Config.Burst is negative.
	ErrBadBurst = errors.New("stun: burst must be >= 0")
	// ErrBadMaxSources means Config.MaxSources is negative.
	ErrBadMaxSources = errors.New("stun: max sources must be >= 0")
	// ErrBadWorkers means Config.Workers is negative or above MaxWorkers.
	ErrBadWorkers = errors.New("stun: workers must be between 0 and 64")
	// ErrBadSoftware means Config.Software is not valid UTF-8 or is longer
	// than RFC 5389 allows (128 characters, 763 bytes).
	ErrBadSoftware = errors.New("stun: software must be valid utf-8 of at most 128 characters")
	// ErrNilConn means Serve was given a nil net.PacketConn.
	ErrNilConn = errors.New("stun: nil packet conn")
	// ErrServerClosed is returned by Serve when called after Close.
	ErrServerClosed = errors.New("stun: server closed")
)
