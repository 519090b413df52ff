package devicedb

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// csvTables are the CSV files of a Classic export and their columns;
// required columns are marked with a *. A file holds a header row and
// then one record per row; columns may come in any order.
//
//	account.csv     pbx_name, company_name (one row; optional file; phone_system_name,
//	                communication_preferences, message_history, billing: not carried, warned)
//	licenses.csv    id*, type*, country*, service_address, status, removed_at
//	users.csv       username*, first_name, last_name, email, voicemail_to_email, time_zone, language
//	extensions.csv  username*, number*, virtual, phone_numbers, license_id, desktop_login_at, mobile_login_at
//	devices.csv     mac*, model*, line, extension (one row per line; rows of one MAC make one device)
//
// and for the account features: account.csv messaging_enabled, users.csv
// site, extensions.csv profile_picture, and
//
//	contacts.csv         username*, extension*, name, number (one row per personal contact)
//	auto_attendants.csv  name*, extension, active (default true), phone_numbers
//	receptionists.csv    extension*, name, phone_numbers
//	sites.csv            name*, address*
//
// virtual is true/false (also yes/no, 1/0, empty = false); phone_numbers
// holds E.164 numbers separated by spaces, commas or semicolons. Only
// users.csv is required.
var csvTables = map[string][]string{
	"account":    {"pbx_name", "company_name", "messaging_enabled", "phone_system_name", "communication_preferences", "message_history", "billing"},
	"licenses":   {"id*", "type*", "country*", "service_address", "status", "removed_at"},
	"users":      {"username*", "first_name", "last_name", "email", "voicemail_to_email", "time_zone", "language", "site"},
	"extensions": {"username*", "number*", "virtual", "phone_numbers", "license_id", "desktop_login_at", "mobile_login_at", "profile_picture"},
	"devices":    {"mac*", "model*", "line", "extension"},
	// The account features (import_features.go).
	"contacts":        {"username*", "extension*", "name", "number"},
	"auto_attendants": {"name*", "extension", "active", "phone_numbers"},
	"receptionists":   {"extension*", "name", "phone_numbers"},
	"sites":           {"name*", "address*"},
}

// csvRow is one data row: its values by column and its line number.
type csvRow struct {
	line int
	get  func(col string) string
}

// readCSV reads a table: the header, then every row.
func readCSV(table string, r io.Reader) ([]csvRow, error) {
	file := table + ".csv"
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, invalid("%s: empty; the first row names the columns", file)
	}
	if err != nil {
		return nil, csvProblem(file, err)
	}
	known := map[string]bool{}
	for _, c := range csvTables[table] {
		known[strings.TrimSuffix(c, "*")] = true
	}
	idx := map[string]int{}
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if !known[h] {
			return nil, invalid("%s line 1: unknown column %q; the columns are %s", file, h, strings.Join(csvTables[table], ", "))
		}
		if _, dup := idx[h]; dup {
			return nil, invalid("%s line 1: column %q twice", file, h)
		}
		idx[h] = i
	}
	for _, c := range csvTables[table] {
		if name, req := strings.CutSuffix(c, "*"); req {
			if _, ok := idx[name]; !ok {
				return nil, invalid("%s line 1: the column %q is required", file, name)
			}
		}
	}
	var rows []csvRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, csvProblem(file, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line at the end of a spreadsheet export
		}
		rows = append(rows, csvRow{line: line, get: func(col string) string {
			if i, ok := idx[col]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}})
	}
}

func csvProblem(file string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return invalid("%s line %d: %v", file, pe.Line, pe.Err)
	}
	return fmt.Errorf("reading %s: %w", file, err)
}

// DecodeClassicCSV reads a Classic export from its CSV tables, keyed by
// table name ("users" or "users.csv"; see csvTables). Errors wrap
// ErrInvalid and name the file and line.
func DecodeClassicCSV(files map[string]io.Reader) (ClassicExport, error) {
	exp := ClassicExport{Licenses: []ClassicLicense{}, Users: []ClassicUser{}, Devices: []ClassicDevice{}, origin: map[string]string{}}
	tables := map[string][]csvRow{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t := strings.TrimSuffix(strings.ToLower(name), ".csv")
		if _, ok := csvTables[t]; !ok {
			return exp, invalid("%s: not a table of the export; send account.csv, licenses.csv, users.csv, extensions.csv, devices.csv, contacts.csv, auto_attendants.csv, receptionists.csv and sites.csv", name)
		}
		if _, dup := tables[t]; dup {
			return exp, invalid("%s.csv sent twice", t)
		}
		rows, err := readCSV(t, files[name])
		if err != nil {
			return exp, err
		}
		tables[t] = rows
	}
	if _, ok := tables["users"]; !ok {
		return exp, invalid("users.csv is missing; it is the one required table")
	}
	if rows := tables["account"]; len(rows) > 1 {
		return exp, invalid("account.csv line %d: one row only", rows[1].line)
	} else if len(rows) == 1 {
		exp.Account = ClassicAccount{PBXName: rows[0].get("pbx_name"), CompanyName: rows[0].get("company_name")}
		for col, why := range accountNotCarried {
			if rows[0].get(col) != "" {
				exp.Account.notCarried = append(exp.Account.notCarried, fmt.Sprintf("account.%s: %s", col, why))
			}
		}
		sort.Strings(exp.Account.notCarried)
	}
	for _, r := range tables["licenses"] {
		exp.origin[fmt.Sprintf("licenses[%d]", len(exp.Licenses))] = fmt.Sprintf("licenses.csv line %d", r.line)
		exp.Licenses = append(exp.Licenses, ClassicLicense{ID: r.get("id"), Type: r.get("type"), Country: r.get("country"),
			ServiceAddress: r.get("service_address"), Status: r.get("status"), RemovedAt: r.get("removed_at")})
	}
	byName := map[string]int{}
	for _, r := range tables["users"] {
		i := len(exp.Users)
		exp.origin[fmt.Sprintf("users[%d]", i)] = fmt.Sprintf("users.csv line %d", r.line)
		if _, dup := byName[strings.ToLower(r.get("username"))]; !dup {
			byName[strings.ToLower(r.get("username"))] = i
		}
		exp.Users = append(exp.Users, ClassicUser{Username: r.get("username"), FirstName: r.get("first_name"),
			LastName: r.get("last_name"), Email: r.get("email"), VoicemailToEmail: r.get("voicemail_to_email"),
			TimeZone: r.get("time_zone"), Language: r.get("language"), Extensions: []ClassicExtension{}})
	}
	for _, r := range tables["extensions"] {
		i, ok := byName[strings.ToLower(r.get("username"))]
		if !ok {
			return exp, invalid("extensions.csv line %d: username %q is not in users.csv", r.line, r.get("username"))
		}
		virtual, err := csvBool(r.get("virtual"))
		if err != nil {
			return exp, invalid("extensions.csv line %d: virtual %q: %v", r.line, r.get("virtual"), err)
		}
		u := &exp.Users[i]
		exp.origin[fmt.Sprintf("users[%d].extensions[%d]", i, len(u.Extensions))] = fmt.Sprintf("extensions.csv line %d", r.line)
		u.Extensions = append(u.Extensions, ClassicExtension{Number: r.get("number"), Virtual: virtual,
			PhoneNumbers: splitNumbers(r.get("phone_numbers")), LicenseID: r.get("license_id"),
			DesktopLoginAt: r.get("desktop_login_at"), MobileLoginAt: r.get("mobile_login_at")})
	}
	if err := csvDevices(&exp, tables["devices"]); err != nil {
		return exp, err
	}
	return exp, csvFeatures(&exp, tables)
}

func csvDevices(exp *ClassicExport, rows []csvRow) error {
	byMAC := map[string]int{}
	for _, r := range rows {
		key := r.get("mac")
		if m, err := NormalizeMAC(key); err == nil {
			key = m
		}
		i, ok := byMAC[key]
		if !ok {
			i = len(exp.Devices)
			byMAC[key] = i
			exp.origin[fmt.Sprintf("devices[%d]", i)] = fmt.Sprintf("devices.csv line %d", r.line)
			exp.Devices = append(exp.Devices, ClassicDevice{MAC: r.get("mac"), Model: r.get("model"), Lines: []ClassicDeviceLine{}})
		} else if d := exp.Devices[i]; r.get("model") != d.Model {
			return invalid("devices.csv line %d: device %s is a %q here and a %q above", r.line, r.get("mac"), r.get("model"), d.Model)
		}
		if r.get("line") == "" && r.get("extension") == "" {
			continue
		}
		n, err := strconv.Atoi(r.get("line"))
		if err != nil {
			return invalid("devices.csv line %d: line %q is not a line number", r.line, r.get("line"))
		}
		d := &exp.Devices[i]
		exp.origin[fmt.Sprintf("devices[%d].lines[%d]", i, len(d.Lines))] = fmt.Sprintf("devices.csv line %d", r.line)
		d.Lines = append(d.Lines, ClassicDeviceLine{Line: n, Extension: r.get("extension")})
	}
	return nil
}

func csvBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "no", "0", "n", "f":
		return false, nil
	case "true", "yes", "1", "y", "t":
		return true, nil
	}
	return false, errors.New("use true or false")
}

func splitNumbers(v string) []string {
	return append([]string{}, strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '\t' })...)
}
