package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/firmware"
)

// Overview is the upgrade readiness of the account and its last 24 hours
// (GET /overview, and the console's home page, which shows these figures).
type Overview struct {
	devicedb.Counts
	// LinesRegistered counts the device lines with a live registration.
	LinesRegistered int `json:"lines_registered"`
	// DevicesBelowTarget counts active devices whose firmware is below
	// their model's target version (or not known yet).
	DevicesBelowTarget int `json:"devices_below_target"`
	// Since is the start of the hourly series (24 whole hours).
	Since     time.Time            `json:"since"`
	Fetches   []devicedb.HourCount `json:"fetches"`
	Registers []devicedb.HourCount `json:"registers"`
}

// BelowTarget returns the test of a device's firmware against its model's
// target in fw: below when a target is set and the firmware is lower or
// not known. With no firmware store no device is below.
func BelowTarget(fw *firmware.Store) func(model, version string) bool {
	return func(model, version string) bool {
		if fw == nil {
			return false
		}
		t, ok := fw.Target(model)
		return ok && (version == "" || firmware.VersionLess(version, t.Version))
	}
}

// BuildOverview computes the overview at now. reg and fw may be nil.
func BuildOverview(ctx context.Context, s *devicedb.Store, reg Registrar, fw *firmware.Store, now time.Time) (*Overview, error) {
	c, err := s.CountAll(ctx)
	if err != nil {
		return nil, err
	}
	o := &Overview{Counts: c, Since: now.UTC().Truncate(time.Hour).Add(-23 * time.Hour)}
	if o.DevicesBelowTarget, err = s.CountBelow(ctx, BelowTarget(fw)); err != nil {
		return nil, err
	}
	if reg != nil {
		seen := map[string]bool{}
		for _, b := range reg.Bindings("", 0) {
			seen[b.MAC+"/"+strconv.Itoa(b.Line)] = true
		}
		o.LinesRegistered = len(seen)
	}
	if o.Fetches, err = s.HourlyFetches(ctx, o.Since); err != nil {
		return nil, err
	}
	o.Registers, err = s.HourlyRegisters(ctx, o.Since)
	return o, err
}

func (a *API) overview(w http.ResponseWriter, r *http.Request) error {
	o, err := BuildOverview(r.Context(), a.store, a.reg, a.fw, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}
