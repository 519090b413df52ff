package cli

import "testing"

func TestParseSRV(t *testing.T) {
	for _, tc := range []struct {
		in      string
		prio, w uint16
		wantErr bool
	}{
		{"10/10", 10, 10, false}, {"20/5", 20, 5, false}, {"", 0, 0, false},
		{"10", 0, 0, true}, {"0/10", 0, 0, true}, {"10/70000", 0, 0, true}, {"a/b", 0, 0, true},
	} {
		p, w, err := parseSRV(tc.in)
		if p != tc.prio || w != tc.w || (err != nil) != tc.wantErr {
			t.Errorf("parseSRV(%q) = %d, %d, %v", tc.in, p, w, err)
		}
	}
}
