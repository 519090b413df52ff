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

// fetchWindow reads ?hour= (the unix time of an hour of the overview's
// series; empty: the whole 24 hours) into a time window.
func fetchWindow(now time.Time, hour string) (since, until time.Time, err error) {
	if hour == "" {
		return now.UTC().Truncate(time.Hour).Add(-23 * time.Hour), now.Add(time.Second), nil
	}
	h, err := strconv.ParseInt(hour, 10, 64)
	if err != nil {
		return since, until, errorf(http.StatusBadRequest, "hour %q: the unix time of the hour's start", hour)
	}
	since = time.Unix(h, 0).UTC()
	return since, since.Add(time.Hour), nil
}

// FetchList is the list behind a figure of the overview's fetch series:
// ?outcome= (served, not_modified, refused; empty: all) and ?hour=.
func FetchList(r *http.Request, s *devicedb.Store, limit int) ([]devicedb.FetchRecord, time.Time, time.Time, error) {
	q := r.URL.Query()
	since, until, err := fetchWindow(time.Now(), q.Get("hour"))
	if err != nil {
		return nil, since, until, err
	}
	fs, err := s.ListFetchLog(r.Context(), since, until, q.Get("outcome"), limit)
	return fs, since, until, err
}

// fetchView is a fetch with its device, as GET /fetches answers it.
type fetchView struct {
	MAC string `json:"mac"`
	devicedb.FetchRecord
}

func (a *API) listFetches(w http.ResponseWriter, r *http.Request) error {
	fs, _, _, err := FetchList(r, a.store, 1000)
	if err != nil {
		return err
	}
	out := make([]fetchView, 0, len(fs))
	for _, f := range fs {
		out = append(out, fetchView{MAC: f.MAC, FetchRecord: f})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
