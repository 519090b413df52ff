package console

import "errors"

// Errors of New.
var (
	// ErrNoStore: Config.Store is nil.
	ErrNoStore = errors.New("console: no store")
	// ErrBadLimit: Config.SignInBurst or SignInWindow is negative.
	ErrBadLimit = errors.New("console: sign-in limit must not be negative")
)
