package main

import "errors"

// Errors of the storm configuration and of a device's boot.
var (
	ErrNotLoopback      = errors.New("loopback addresses only")
	ErrMissingFlag      = errors.New("missing required flag")
	ErrBadValue         = errors.New("value out of range")
	ErrNoCredentials    = errors.New("no line 1 credentials in the config")
	ErrNotServed        = errors.New("identify says the file would not be served")
	ErrUnexpectedStatus = errors.New("neither 200 nor 404 before the storm (a 429 means the source is blocked)")
)
