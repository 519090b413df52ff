// Package outbox delivers the store's queued messages (the welcome
// messages of the upgrade) by SMTP, retrying each failure with exponential
// backoff; a message is marked sent only once the SMTP server accepted it.
package outbox
