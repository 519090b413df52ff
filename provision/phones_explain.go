package provision

import (
	"context"
	"errors"
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
	// Served is true when the request would get a file once it presents
	// what --device-auth asks besides the User-Agent (the device's own
	// credential by default); a request without the vendor's User-Agent,
	// or for another model's file, is never served.
	Served bool `json:"served"`
	// Status is the HTTP status the request gets exactly as given (without
	// a credential): 401 when the device's credential is asked for.
	Status int `json:"status"`
	// Reason says why a request is not served.
	Reason string `json:"reason,omitempty"`
}

// Explain decides on a GET with this User-Agent and path the way the
// config routes do, from any source, and says what it would get.
func (p *Phones) Explain(ctx context.Context, userAgent, path string) (any, error) {
	req := PhoneRequest{Method: http.MethodGet, Path: path, UserAgent: userAgent, anySource: true}
	as := p.Decide(ctx, req)
	req.credentialed = true
	d := p.Decide(ctx, req)
	if d.Status == http.StatusInternalServerError {
		return nil, errors.New(d.Reason)
	}
	ex := &Explanation{Identity: d.ID, Device: d.Device || as.Device, Served: d.Status == http.StatusOK, Status: as.Status, Reason: d.Reason}
	if ex.Served && as.Status == http.StatusUnauthorized {
		ex.Reason = as.Reason
	}
	return ex, nil
}
