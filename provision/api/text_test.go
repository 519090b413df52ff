package api

import (
	"strings"
	"testing"
)

// TestControlCharactersAPI posts names and a service address holding a
// right-to-left override or an escape sequence: 422 with an error naming
// the field, the character and what to do.
func TestControlCharactersAPI(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, path string
		body       map[string]any
		field, chr string
	}{
		{"rlo in a last name", "/api/v1/users",
			map[string]any{"username": "ann", "first_name": "Ann", "last_name": "Lee\u202efdp.exe", "email": "ann@acme.example"},
			"last_name", "U+202E"},
		{"lrm in a first name", "/api/v1/users",
			map[string]any{"username": "ann", "first_name": "\u200eAnn", "last_name": "Lee", "email": "ann@acme.example"},
			"first_name", "U+200E"},
		{"escape in a service address", "/api/v1/licenses",
			map[string]any{"type": "X4", "country": "US", "service_address": "1 Main St\x1b[8m"},
			"service_address", "U+001B"},
	}
	for _, tt := range tests {
		obj := e.want(422, "POST", tt.path, tt.body)
		msg, _ := obj["error"].(string)
		if !strings.Contains(msg, tt.field) || !strings.Contains(msg, tt.chr) || !strings.Contains(msg, "remove it") {
			t.Errorf("%s: error %q, want it to name %s, %s and the fix", tt.name, msg, tt.field, tt.chr)
		}
	}
}
