package api

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// wantCSV reports whether a list was asked for as CSV (?format=csv); any
// other format is refused.
func wantCSV(r *http.Request) (bool, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return false, nil
	case "csv":
		return true, nil
	default:
		return false, errorf(http.StatusBadRequest, "format %q: use json or csv", f)
	}
}

// csvPageSize is the page size a CSV export reads the store with.
const csvPageSize = 1000

// writeCSV answers every item that list gives, page after page, as CSV
// with header; name is the download's file name. An error before the first
// row is answered as JSON.
func writeCSV[T any](w http.ResponseWriter, name string, header []string, list func(devicedb.Page) ([]T, string, error), row func(T) []string) error {
	items, next, err := list(devicedb.Page{Limit: csvPageSize})
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	cw := csv.NewWriter(w)
	cw.Write(header)
	for {
		for _, it := range items {
			cw.Write(safeCells(row(it)))
		}
		if next == "" {
			break
		}
		if items, next, err = list(devicedb.Page{Limit: csvPageSize, Cursor: next}); err != nil {
			cw.Write([]string{"# export cut short: " + err.Error()})
			break
		}
	}
	cw.Flush()
	return nil
}

// safeCells keeps spreadsheets from running a cell as a formula: a cell
// starting with = or @, or + or - not followed by a digit, gets a leading '.
func safeCells(row []string) []string {
	for i, c := range row {
		if c == "" {
			continue
		}
		switch c[0] {
		case '=', '@', '\t', '\r':
			row[i] = "'" + c
		case '+', '-':
			if len(c) == 1 || c[1] < '0' || c[1] > '9' {
				row[i] = "'" + c
			}
		}
	}
	return row
}

// DeviceCSVHeader and DeviceCSVRow are the columns of a device export.
func DeviceCSVHeader() []string {
	return []string{"mac", "vendor", "model", "status", "supported", "firmware", "last_fetch_at", "lines"}
}

// DeviceCSVRow is one device as a CSV row; lines are "n:extension:username"
// separated by spaces.
func DeviceCSVRow(d devicedb.Device) []string {
	var lines []string
	for _, l := range d.Lines {
		lines = append(lines, fmt.Sprintf("%d:%s:%s", l.Line, l.Extension, l.Username))
	}
	last := ""
	if d.LastFetch != nil {
		last = d.LastFetch.At.UTC().Format(time.RFC3339)
	}
	return []string{d.MAC, d.Vendor, d.Model, d.Status, strconv.FormatBool(d.Supported), d.Firmware, last, strings.Join(lines, " ")}
}

var userCSVHeader = []string{"id", "username", "first_name", "last_name", "email", "extension", "status", "contact", "voicemail_to_email", "licenses", "phone_numbers", "devices"}

func userCSVRow(u devicedb.User) []string {
	var ls, ds []string
	for _, l := range u.Licenses {
		ls = append(ls, l.ID)
	}
	seen := map[string]bool{}
	for _, d := range u.Devices {
		if !seen[d.MAC] {
			seen[d.MAC] = true
			ds = append(ds, d.MAC)
		}
	}
	ext := ""
	if u.Extension != nil {
		ext = *u.Extension
	}
	return []string{strconv.FormatInt(u.ID, 10), u.Username, u.FirstName, u.LastName, u.Email, ext, u.Status, strconv.FormatBool(u.Contact),
		u.VoicemailToEmail, strings.Join(ls, " "), strings.Join(u.PhoneNumbers, " "), strings.Join(ds, " ")}
}

var licenseCSVHeader = []string{"id", "type", "country", "status", "suspended_reason", "service_address", "username"}

func licenseCSVRow(l devicedb.License) []string {
	return []string{l.ID, l.Type, l.Country, l.Status, l.SuspendedReason, l.ServiceAddress, l.Username}
}

// ExportCSV writes every user, device (of any status) or license, by kind
// "users", "devices" or "licenses", as the CSV of ?format=csv.
func ExportCSV(ctx context.Context, w http.ResponseWriter, s *devicedb.Store, kind string) error {
	switch kind {
	case "users":
		return writeCSV(w, "users.csv", userCSVHeader, func(p devicedb.Page) ([]devicedb.User, string, error) {
			return s.ListUsers(ctx, devicedb.UserFilter{}, p)
		}, userCSVRow)
	case "devices":
		return writeCSV(w, "devices.csv", DeviceCSVHeader(), func(p devicedb.Page) ([]devicedb.Device, string, error) {
			return s.ListDevices(ctx, devicedb.DeviceFilter{Status: "all"}, p)
		}, DeviceCSVRow)
	case "licenses":
		return writeCSV(w, "licenses.csv", licenseCSVHeader, func(p devicedb.Page) ([]devicedb.License, string, error) {
			return s.ListLicenses(ctx, devicedb.LicenseFilter{}, p)
		}, licenseCSVRow)
	}
	return errorf(http.StatusNotFound, "no export of %q: use users, devices or licenses", kind)
}
