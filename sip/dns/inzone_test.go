package dns

import "testing"

// TestInZone checks the zone membership test against escaped dots.
func TestInZone(t *testing.T) {
	const origin = "phoneprov.test."
	tests := []struct {
		name string
		want bool
	}{
		{"phoneprov.test.", true},
		{"sip.phoneprov.test.", true},
		{"a.b.phoneprov.test.", true},
		{`a\\.phoneprov.test.`, true}, // label `a\` (an escaped backslash), then the zone
		{`a\.phoneprov.test.`, false}, // label "a.phoneprov" under test.
		{`a\\\.phoneprov.test.`, false},
		{"xphoneprov.test.", false},
		{".phoneprov.test.", false},
		{"test.", false},
		{".", false},
		{"", false},
		{"phoneprov.test.example.", false},
	}
	for _, tt := range tests {
		if got := inZone(tt.name, origin); got != tt.want {
			t.Errorf("inZone(%q) = %t, want %t", tt.name, got, tt.want)
		}
	}
}
