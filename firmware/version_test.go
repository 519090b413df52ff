package firmware

import "testing"

func TestCompareVersions(t *testing.T) {
	// Each case: a compared with b must give want; the reverse is checked too.
	cases := []struct {
		a, b string
		want int
	}{
		// Poly: the 8x8 minimums.
		{"5.9.4.3247", "5.9.10.1", -1},
		{"5.9.4.3246", "5.9.4.3247", -1},
		{"5.9.4.3247", "5.9.4.3247", 0},
		{"6.4.6.2205", "5.9.4.3247", 1},
		{"4.0.15.1047", "4.0.9.2000", 1},
		{"3.3.5.0247", "4.0.15.1047", -1},
		// Yealink: numeric, not text, order.
		{"66.86.0.15", "66.86.0.160", -1},
		{"66.86.0.15", "66.86.0.150", -1},
		{"66.86.0.160", "66.86.0.16", 1},
		{"108.86.0.90", "96.87.0.15", 1},
		{"58.80.0.25", "58.86.0.5", -1},
		// Missing segments count as 0.
		{"1.2", "1.2.0", 0},
		{"1.2", "1.2.0.0", 0},
		{"1.2", "1.2.0.1", -1},
		{"10", "9.9.9", 1},
		// Leading zeros and very long numbers.
		{"1.007", "1.7", 0},
		{"1.0010", "1.9", 1},
		{"1.99999999999999999999999", "1.100000000000000000000000", -1},
		// Suffixes mark later builds.
		{"1.0.5.48", "1.0.5.48a", -1},
		{"1.0.5.48a", "1.0.5.48b", -1},
		{"1.0.5.48a", "1.0.5.49", -1},
		{"7.5.2", "7.5.2b", -1},
		{"7.5.2b", "7.5.3", -1},
		{"7.5.2b", "7.5.2B", 0},
		// Cisco MPP, dotted or dashed.
		{"11.3.7MPP0001", "11.3.7MPP0201", -1},
		{"11.3.7", "11.3.7MPP0001", -1},
		{"11.3.7MPP0001", "11.3.8", -1},
		{"11-1-0MPP0401-002", "11.1.0MPP0401.002", 0},
		{"12-0-7MPP0201-66", "12-0-7MPP0201-55", 1},
		{"11.3.7mpp0001", "11.3.7MPP0001", 0},
		// SPA and Obihai.
		{"1.3.5_004p", "1.3.5_004", 1},
		{"1.3.5_004p", "1.3.5_005", -1},
		{"3.2.2.5921", "3.2.2.5859EX", 1},
		// A letters-only segment is below a missing one.
		{"5.9.rc1", "5.9", -1},
		{"5.9.rc1", "5.9.0", -1},
		{"5.9.rc1", "5.9.rc2", -1},
		// Odd input.
		{"", "", 0},
		{"", "0", 0},
		{"", "0.0.1", -1},
		{"...", "", 0},
		{"1..2", "1.2", 0},
		{"-1", "1", 0},
		{"1.a", "1.1", -1},
		{"ä", "a", 1},
		{"1.2\xff", "1.2", 1},
	}
	for _, c := range cases {
		if got := CompareVersions(c.a, c.b); got != c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := CompareVersions(c.b, c.a); got != -c.want {
			t.Errorf("CompareVersions(%q, %q) = %d, want %d", c.b, c.a, got, -c.want)
		}
		if got := VersionLess(c.a, c.b); got != (c.want < 0) {
			t.Errorf("VersionLess(%q, %q) = %v", c.a, c.b, got)
		}
	}
}
