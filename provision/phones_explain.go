package provision

import (
	"context"
	"net/http"

	"github.com/phoneprov/phoneprov/provision/ident"
)

// Explanation is what the config server makes of a request, for admins
// troubleshooting a phone: the identification, and whether and why the
// request would be served.
type Explanation struct {
	ident.Identity
	// Device is true when a device with the MAC is in the database.
	Device bool `json:"device"`
	// Served is true when the request, as given (no credential), would
	// get a file.
	Served bool `json:"served"`
	// Status is the HTTP status the request would get.
	Status int `json:"status"`
	// Reason says why a request is not served.
	Reason string `json:"reason,omitempty"`
}

// Explain decides on a GET with this User-Agent and path the way the
// config routes do (from any source, without a credential) and says what
// the request would get.
func (p *Phones) Explain(ctx context.Context, userAgent, path string) (any, error) {
	d := p.Decide(ctx, PhoneRequest{Method: http.MethodGet, Path: path, UserAgent: userAgent, anySource: true})
	ex := &Explanation{Identity: d.ID, Device: d.Device, Served: d.Status == http.StatusOK, Status: d.Status, Reason: d.Reason}
	if d.Status == http.StatusInternalServerError {
		return nil, &explainError{d.Reason}
	}
	return ex, nil
}

type explainError struct{ msg string }

func (e *explainError) Error() string { return e.msg }
