package provision

import (
	"context"
	"errors"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/ident"
)

// Explanation is what the config server makes of a request, for admins
// troubleshooting a phone: the identification, and whether and why the
// request would be served.
type Explanation struct {
	ident.Identity
	// Device is true when a device with the MAC is in the database.
	Device bool `json:"device"`
	// Served is true when the request would get a config.
	Served bool `json:"served"`
	// Reason says why a request is not served.
	Reason string `json:"reason,omitempty"`
}

// Explain identifies a request the way ServeHTTP does and says whether it
// would be served.
func (p *Phones) Explain(ctx context.Context, userAgent, path string) (any, error) {
	id := p.id.Identify(userAgent, path)
	ex := &Explanation{Identity: id}
	switch {
	case id.Kind == ident.KindUnknown:
		ex.Reason = "no phone asks for this file name"
	case id.Kind == ident.KindFirmware || id.Kind == ident.KindUpload:
		ex.Reason = "a " + id.Kind + " request; see the firmware store or the device's uploads"
	case id.MAC == "" && (id.Kind == ident.KindCommon || id.Kind == ident.KindBoot || id.Kind == ident.KindMaster):
		ex.Served = id.Known
		if !id.Known {
			ex.Reason = "shared file of an unknown model"
		}
	case id.MAC == "":
		ex.Reason = "no MAC in the path or the User-Agent"
	case id.MACMismatch:
		ex.Reason = "the MAC in the User-Agent differs from the path's"
	}
	if id.MAC == "" || ex.Reason != "" {
		return ex, nil
	}
	d, err := p.store.GetDevice(ctx, id.MAC)
	if errors.Is(err, devicedb.ErrNotFound) {
		ex.Reason = "no device with this MAC; it would be listed in GET /api/v1/devices/pending"
		return ex, nil
	}
	if err != nil {
		return nil, err
	}
	ex.Device = true
	switch {
	case d.Status == devicedb.DeviceRetired:
		ex.Reason = "device retired (replaced by " + d.ReplacedBy + ")"
	case id.Known && id.Model != d.Model:
		ex.Reason = "the User-Agent names " + id.Model + " but the device is a " + d.Model
	default:
		m, _ := p.store.Catalog().Lookup(d.Model)
		if id.Family != "" && id.Family != m.Family {
			ex.Reason = "the User-Agent's vendor differs from the device's"
		} else if p.id.ParsePath(path).KindFor(m.Family) == ident.KindUnknown {
			ex.Reason = "a " + d.Model + " never asks for this file"
		} else if legacyBinary(m.Family, id.File) {
			ex.Reason = "the legacy binary format is not made: the phone goes on to " + id.File + ".xml"
		} else {
			ex.Served = true
		}
	}
	return ex, nil
}
