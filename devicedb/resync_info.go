package devicedb

import "time"

// NotifyResult is the outcome of one re-sync NOTIFY the registrar sent
// (sip.Registrar.Resync); the admin API and console show it.
type NotifyResult struct {
	// AOR and Contact name the binding the NOTIFY went to.
	AOR     string `json:"aor"`
	Contact string `json:"contact"`
	// Source and Transport are where it was sent: the address the phone
	// registered from, over the same transport (and TCP/TLS connection).
	Source    string `json:"source"`
	Transport string `json:"transport"`
	// Status is the final SIP status the phone answered; 0 if none came.
	Status int    `json:"status,omitempty"`
	Reason string `json:"reason,omitempty"`
	// Authenticated is true when the phone challenged the NOTIFY and the
	// retry carried the line's credentials (Cisco SPA/MPP do this).
	Authenticated bool `json:"authenticated,omitempty"`
	// Error says why no final answer came (timeout, connection gone).
	Error string `json:"error,omitempty"`
}

// ResyncInfo is the last re-sync pushed to a device
// (sip.Registrar.ResyncState).
type ResyncInfo struct {
	Event   string         `json:"event"`
	SentAt  time.Time      `json:"sent_at"`
	Results []NotifyResult `json:"results"`
	// ConfirmedAt is the first config fetch of the device at or after
	// SentAt, as reported by NoteFetch; zero until then.
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}
