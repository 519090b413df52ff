package firmware

import "strings"

// CompareVersions compares two vendor firmware versions and returns -1, 0
// or +1 as a is lower than, equal to or higher than b.
//
// The rule:
//   - A version is split into segments at '.', '-' and '_'; empty segments
//     are skipped, so "12-0-7" equals "12.0.7".
//   - Segments are compared in order; a missing segment counts as "0", so
//     "1.2" equals "1.2.0".
//   - Inside a segment, runs of digits and runs of other bytes are compared
//     in order: two digit runs by numeric value (any length, leading zeros
//     ignored: "15" < "160"), two other runs byte-wise ignoring ASCII case,
//     and a digit run is higher than any other run.
//   - When one segment is a prefix of the other, the longer is higher: a
//     suffix marks a later build. "1.0.5.48" < "1.0.5.48a" < "1.0.5.48b",
//     "11.3.7" < "11.3.7MPP0001" < "11.3.7MPP0201", "7.5.2" < "7.5.2b".
//   - A trailing letters-only segment is lower than none ("5.9.rc1" <
//     "5.9"), as the missing segment counts as "0".
//
// The empty string equals "0" and so is lower than any real version; a
// caller that does not know a device's version should decide that itself.
// The order is total (a preorder where different texts may be equal, e.g.
// "1.2" and "1.2.0", "MPP" and "mpp").
func CompareVersions(a, b string) int {
	for {
		sa, ra := nextSegment(a)
		sb, rb := nextSegment(b)
		if sa == "" && sb == "" {
			return 0
		}
		if sa == "" {
			sa = "0"
		}
		if sb == "" {
			sb = "0"
		}
		if c := compareSegment(sa, sb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
}

// VersionLess reports whether version a is lower than b by CompareVersions:
// "5.9.4.3247" is lower than "5.9.10.1".
func VersionLess(a, b string) bool { return CompareVersions(a, b) < 0 }

func isSep(c byte) bool   { return c == '.' || c == '-' || c == '_' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// nextSegment returns the first non-empty segment of s and what follows it,
// or "" when s has none.
func nextSegment(s string) (seg, rest string) {
	i := 0
	for i < len(s) && isSep(s[i]) {
		i++
	}
	j := i
	for j < len(s) && !isSep(s[j]) {
		j++
	}
	return s[i:j], s[j:]
}

// nextRun splits a non-empty segment into its first run of digits or of
// other bytes and the rest.
func nextRun(s string) (run, rest string) {
	d := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == d {
		i++
	}
	return s[:i], s[i:]
}

func compareSegment(a, b string) int {
	for {
		switch {
		case a == "" && b == "":
			return 0
		case a == "":
			return -1
		case b == "":
			return 1
		}
		ra, resta := nextRun(a)
		rb, restb := nextRun(b)
		da, db := isDigit(ra[0]), isDigit(rb[0])
		var c int
		switch {
		case da && db:
			c = compareNumeric(ra, rb)
		case da:
			return 1
		case db:
			return -1
		default:
			c = compareFold(ra, rb)
		}
		if c != 0 {
			return c
		}
		a, b = resta, restb
	}
}

// compareNumeric compares two digit strings by value.
func compareNumeric(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// compareFold compares byte-wise, folding ASCII upper case to lower.
func compareFold(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := lower(a[i]), lower(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
