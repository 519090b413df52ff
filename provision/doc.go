// Package provision is phoneprov's HTTP(S) side: it mounts the admin API,
// health and metrics, and the phone-facing config routes on one handler.
package provision
