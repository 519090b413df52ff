package provision

import (
	"context"
	"errors"
	"net/http"

	"github.com/phoneprov/phoneprov/provision/api"
)

// Explain decides on a GET with this User-Agent and path the way the
// config routes do, from any source, and says what it would get.
func (p *Phones) Explain(ctx context.Context, userAgent, path string) (*api.Explanation, error) {
	req := PhoneRequest{Method: http.MethodGet, Path: path, UserAgent: userAgent, anySource: true}
	as := p.Decide(ctx, req)
	req.credentialed = true
	d := p.Decide(ctx, req)
	if d.Status == http.StatusInternalServerError {
		return nil, errors.New(d.Reason)
	}
	ex := &api.Explanation{Identity: d.ID, Device: d.Device || as.Device, Served: d.Status == http.StatusOK, Status: as.Status, Reason: d.Reason}
	if ex.Served && as.Status == http.StatusUnauthorized {
		ex.Reason = as.Reason
	}
	return ex, nil
}
