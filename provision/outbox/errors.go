package outbox

import "errors"

// Configuration errors returned (wrapped) by Start.
var (
	// ErrNoStore: Start was given no store.
	ErrNoStore = errors.New("outbox: no store")
	// ErrSMTPURL: SMTPURL is missing or not an smtp:// or smtps:// URL.
	ErrSMTPURL = errors.New("outbox: smtp url must look like smtp://user:pass@host:587?from=admin@example.com (or smtps://…:465)")
	// ErrFrom: the from parameter is missing or not an e-mail address.
	ErrFrom = errors.New("outbox: smtp url needs ?from= with the sender's e-mail address")
)
