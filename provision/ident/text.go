package ident

import (
	"strings"

	"github.com/phoneprov/phoneprov/templates"
)

// nextField returns the first run of non-space bytes of s and what follows
// it, skipping leading spaces and tabs. It never allocates.
func nextField(s string) (field, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	j := i
	for j < len(s) && s[j] != ' ' && s[j] != '\t' {
		j++
	}
	return s[i:j], s[j:]
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case;
// prefix must be lower case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalLower(s[:len(prefix)], prefix)
}

// hasSuffixFold reports whether s ends with suffix, ignoring ASCII case;
// suffix must be lower case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && equalLower(s[len(s)-len(suffix):], suffix)
}

// equalLower reports whether s equals lower (lower case) ignoring ASCII case.
func equalLower(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if toLower(s[i]) != lower[i] {
			return false
		}
	}
	return true
}

// indexFold is strings.Index ignoring ASCII case; sub must be lower case.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if equalLower(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

func toLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isLetter(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
func isAlnum(c byte) bool { return isDigit(c) || isLetter(c) }
func isHex(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// maxToken bounds model and firmware tokens taken from outside input.
const maxToken = 40

// isModelToken accepts a model token: letters, digits, '-', '_', and
// single spaces inside (Fanvil "X6U Pro"), at most maxToken bytes.
func isModelToken(s string) bool {
	if s == "" || len(s) > maxToken || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '-' && c != '_' && c != ' ' {
			return false
		}
	}
	return true
}

// isVersion accepts a firmware version as vendors write it: a digit first,
// then digits, letters, '.', '-', '_', '(' and ')', with at least one '.'
// or '-' ("66.86.0.15", "7.4.8a", "6.1.5(a)", "11-1-0-MSR4").
func isVersion(s string) bool {
	if s == "" || len(s) > maxToken || !isDigit(s[0]) {
		return false
	}
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.' || c == '-':
			sep = true
		case isAlnum(c) || c == '_' || c == '(' || c == ')':
		default:
			return false
		}
	}
	return sep
}

// leadingVersion returns the longest prefix of s made of digits and dots.
func leadingVersion(s string) string {
	i := 0
	for i < len(s) && i < maxToken && (isDigit(s[i]) || s[i] == '.') {
		i++
	}
	return strings.TrimRight(s[:i], ".")
}

// parseMAC reads a MAC address written as 12 hex digits, or as six pairs
// separated by ':' or '-' (one separator throughout), in either case. It
// returns 12 lower-case hex digits, or "" and false for anything else and
// for the all-zero address. It allocates only when s is not already in
// that form.
func parseMAC(s string) (string, bool) {
	var b [12]byte
	switch len(s) {
	case 12:
		lower := true
		for i := 0; i < 12; i++ {
			if !isHex(s[i]) {
				return "", false
			}
			b[i] = toLower(s[i])
			lower = lower && b[i] == s[i]
		}
		if isZero(b[:]) {
			return "", false
		}
		if lower {
			return s, true
		}
	case 17:
		sep := s[2]
		if sep != ':' && sep != '-' {
			return "", false
		}
		for i := 0; i < 6; i++ {
			hi, lo := s[3*i], s[3*i+1]
			if !isHex(hi) || !isHex(lo) || (i < 5 && s[3*i+2] != sep) {
				return "", false
			}
			b[2*i], b[2*i+1] = toLower(hi), toLower(lo)
		}
		if isZero(b[:]) {
			return "", false
		}
	default:
		return "", false
	}
	return string(b[:]), true
}

func isZero(b []byte) bool {
	for _, c := range b {
		if c != '0' {
			return false
		}
	}
	return true
}

// ouiGroup is the vendor group (a family, or "cisco") of a MAC's OUI, from
// the OUIs the reference sources list; "" when unknown.
func ouiGroup(mac string) string {
	if len(mac) != 12 {
		return ""
	}
	return ouis[mac[:6]]
}

// ouis maps lower-case OUIs to vendor groups (reference/vendors.md: wazo
// DHCP files and User-Agent examples).
var ouis = map[string]string{
	"0004f2": templates.FamilyPolycom, "64167f": templates.FamilyPolycom, "482567": templates.FamilyPolycom,
	"001565": templates.FamilyYealink, "e434d7": templates.FamilyYealink, "805ec0": templates.FamilyYealink, "805e0c": templates.FamilyYealink,
	"249ad8": templates.FamilyYealink, "3497d7": templates.FamilyYealink, "44dbd2": templates.FamilyYealink, "644f56": templates.FamilyYealink,
	"b061a9": templates.FamilyYealink, "c4fc22": templates.FamilyYealink, "ec1da9": templates.FamilyYealink, "f01653": templates.FamilyYealink,
	"000413": templates.FamilySnom, "00087b": templates.FamilySnom,
	"000b82": templates.FamilyGrandstream, "c074ad": templates.FamilyGrandstream, "ec74d7": templates.FamilyGrandstream,
	"00a859": templates.FamilyFanvil, "0c383e": templates.FamilyFanvil,
	"9cadef": templates.FamilyObihai,
	"00562b": "cisco", "0002fd": "cisco", "8843e1": "cisco",
	// The added families: OUIs of the User-Agent examples in the wazo
	// plugins (Aastra/Mitel, Htek, Gigaset, Avaya, Panasonic,
	// Alcatel-Lucent) and the IEEE registry entries of the others.
	"00085d": templates.FamilyAastra, "1400e9": templates.FamilyAastra,
	"001fc1": templates.FamilyHtek,
	"7c2f80": templates.FamilyGigaset,
	"c81fea": templates.FamilyAvaya,
	"0080f0": templates.FamilyPanasonic,
	"3c28a6": templates.FamilyALE, "487a55": templates.FamilyALE,
	"0c1105": templates.FamilyAkuvox,
	"00908f": templates.FamilyAudioCodes,
	"0022ee": templates.FamilyAlgo,
	"0020f7": templates.FamilyCyberData,
	"7c1eb3": templates.Family2N,
}
