package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Ways of seeding: one admin API request at a time, or Classic imports.
const (
	viaAPI    = "api"
	viaImport = "import"
)

// defaultChunk is how many users one import carries (an import of 10,000
// takes a few seconds; the body is about 4 MB, the server takes 64 MB).
const defaultChunk = 10000

// seedVia resolves the default way of seeding: the admin API for up to
// 1,000 phones, imports beyond.
func seedVia(via string, n int) string {
	if via != "" {
		return via
	}
	if n > 1000 {
		return viaImport
	}
	return viaAPI
}

// seedDevices makes the account of ds: per phone a licensed user with an
// extension and the phone with line 1 on that user. With via "api" it
// takes five admin API requests per phone, workers at a time; with
// "import" it posts Classic exports of chunk users each. Both make the
// same users, extensions, licenses and devices. It prints one line to
// progress, starting "seeded".
func seedDevices(ctx context.Context, a *admin, ds []device, via string, chunk, workers int, progress io.Writer) error {
	t0 := time.Now()
	how := ""
	switch via {
	case viaAPI:
		if err := phase(ctx, ds, workers, a.seed); err != nil {
			return err
		}
		how = fmt.Sprintf("via the admin API, %d clients", workers)
	case viaImport:
		imports := 0
		for lo := 0; lo < len(ds); lo += chunk {
			part := ds[lo:min(lo+chunk, len(ds))]
			if err := a.importChunk(ctx, part); err != nil {
				return fmt.Errorf("import of devices %s..%s: %w", part[0].mac, part[len(part)-1].mac, err)
			}
			imports++
		}
		how = fmt.Sprintf("via %d Classic import(s) of up to %d users", imports, chunk)
	default:
		return fmt.Errorf("seeding via %q: %w (api, import)", via, ErrBadValue)
	}
	d := time.Since(t0)
	fmt.Fprintf(progress, "seeded %d devices in %.1f s (%.0f devices/s, %s)\n", len(ds), d.Seconds(),
		float64(len(ds))/d.Seconds(), how)
	return nil
}

// importTotals are the counts of an import report the seeding checks.
type importTotals struct {
	UsersCreated     int `json:"users_created"`
	UsersUnchanged   int `json:"users_unchanged"`
	DevicesActivated int `json:"devices_activated"`
	DevicesUnchanged int `json:"devices_unchanged"`
	WelcomeMessages  int `json:"welcome_messages"`
}

// importChunk posts the export of ds and checks that every user and
// device was created, or was there from an earlier import of the same
// phones (an import is re-runnable).
func (a *admin) importChunk(ctx context.Context, ds []device) error {
	body, err := json.Marshal(seedExport(ds))
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/api/v1/imports/classic", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	// no client timeout: an import of many users takes a while; ctx bounds it
	resp, err := (&http.Client{Transport: a.http.Transport}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("POST /imports/classic: status %d (want 201): %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var rep struct {
		Totals importTotals `json:"totals"`
	}
	// the report lists every user: decode it whole but bounded
	if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&rep); err != nil {
		return fmt.Errorf("POST /imports/classic: decoding the report: %w", err)
	}
	t := rep.Totals
	if t.UsersCreated+t.UsersUnchanged != len(ds) || t.DevicesActivated+t.DevicesUnchanged != len(ds) || t.WelcomeMessages != 0 {
		return fmt.Errorf("import of %d phones: %w: %+v", len(ds), ErrImportCounts, t)
	}
	return nil
}
