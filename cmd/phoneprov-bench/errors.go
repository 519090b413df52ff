package main

import "errors"

// Errors of the configuration of a run, of seeding, of a device's boot and
// of a soak.
var (
	ErrNotLoopback      = errors.New("loopback addresses only")
	ErrMissingFlag      = errors.New("missing required flag")
	ErrBadValue         = errors.New("value out of range")
	ErrNoCredentials    = errors.New("no line 1 credentials in the config")
	ErrNotServed        = errors.New("identify says the file would not be served")
	ErrUnexpectedStatus = errors.New("neither 200 nor 404 before the storm (a 429 means the source is blocked)")
	ErrImportCounts     = errors.New("the import report does not count one user and one device per phone")
	ErrBadConfig        = errors.New("the phone's config does not carry its line as seeded")
	ErrNoDebug          = errors.New("no Go profiling listener found on the server (give --debug)")
)
