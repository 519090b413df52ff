package devicedb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// DecodeClassicJSON reads a Classic export in its JSON form (CONTRACT.md).
// Unknown fields are refused, so that a misspelt field is not silently
// dropped. Errors wrap ErrInvalid and say where the JSON is wrong.
func DecodeClassicJSON(r io.Reader) (ClassicExport, error) {
	var exp ClassicExport
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&exp); err != nil {
		return ClassicExport{}, jsonProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return ClassicExport{}, jsonProblem(err)
		}
		return ClassicExport{}, invalid("classic export: more than one JSON value; send one object")
	}
	return exp, nil
}

func jsonProblem(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return invalid("classic export: empty; send a JSON object with account, licenses, users and devices")
	case errors.As(err, &syn):
		return invalid("classic export: malformed JSON at byte %d: %v", syn.Offset, err)
	case errors.As(err, &typ):
		return invalid("classic export: field %s at byte %d must be a %s, not a JSON %s", typ.Field, typ.Offset, jsonType(typ.Type.String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return invalid("classic export: %s; the fields are in CONTRACT.md (Classic export)", strings.TrimPrefix(err.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return invalid("classic export: the JSON ends too early (truncated?)")
	}
	// Not the JSON's fault: reading failed (a body over its limit …).
	return fmt.Errorf("reading the classic export: %w", err)
}

func jsonType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "list"
	case goType == "string":
		return "string"
	case goType == "bool":
		return "true or false"
	case strings.HasPrefix(goType, "int"):
		return "whole number"
	}
	return "object"
}

// canonical copies exp with empty lists for missing ones, so that the
// same data read from JSON or CSV has the same digest.
func canonical(exp ClassicExport) ClassicExport {
	c := ClassicExport{Account: exp.Account, Licenses: append([]ClassicLicense{}, exp.Licenses...),
		Users: make([]ClassicUser, len(exp.Users)), Devices: make([]ClassicDevice, len(exp.Devices)), ClassicFeatures: exp.ClassicFeatures}
	for i, u := range exp.Users {
		u.Extensions = append([]ClassicExtension{}, u.Extensions...)
		for j, e := range u.Extensions {
			e.PhoneNumbers = append([]string{}, e.PhoneNumbers...)
			u.Extensions[j] = e
		}
		c.Users[i] = u
	}
	for i, d := range exp.Devices {
		d.Lines = append([]ClassicDeviceLine{}, d.Lines...)
		c.Devices[i] = d
	}
	return c
}

// accountNotCarried are Classic account settings the seeds say X Series
// does not have: an export carrying them is imported with a warning
// saying so, not refused.
var accountNotCarried = map[string]string{
	"phone_system_name":         "Phone System Name is not supported after the upgrade (only PBX name and company name are): not carried",
	"communication_preferences": "communication preferences (e-newsletter, surveys, promotional e-mails) are not managed after the upgrade: not carried",
	"message_history":           "the company-wide choice to save or delete message history is not supported after the upgrade: not carried",
	"billing":                   "billing settings moved to the customer portal: not carried",
}

// UnmarshalJSON reads the account strictly (unknown keys are refused),
// except the settings X Series does not have, which are noted.
func (a *ClassicAccount) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var notes []string
	for k := range m {
		if why, ok := accountNotCarried[k]; ok {
			notes = append(notes, fmt.Sprintf("account.%s: %s", k, why))
			delete(m, k)
		}
	}
	sort.Strings(notes)
	rest, err := json.Marshal(m)
	if err != nil {
		return err
	}
	type plain ClassicAccount
	var v plain
	dec := json.NewDecoder(bytes.NewReader(rest))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return err
	}
	*a = ClassicAccount(v)
	a.notCarried = notes
	return nil
}
