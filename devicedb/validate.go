package devicedb

import (
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // IANA zones even on hosts without /usr/share/zoneinfo
	"unicode/utf8"
)

var (
	reUsername  = regexp.MustCompile(`^[\p{L}0-9][\p{L}\p{M}0-9._@-]{2,63}$`)
	reExtension = regexp.MustCompile(`^[0-9]{2,10}$`)
	reLanguage  = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	reE164      = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

func checkUsername(u string) error {
	if !reUsername.MatchString(u) {
		return invalid("username %q: use 3 to 64 letters (any alphabet), digits, '.', '_', '@' or '-', starting with a letter or digit", u)
	}
	return nil
}

func checkName(field, v string) error {
	if len(v) > 100 {
		return invalid("%s: at most 100 characters", field)
	}
	return checkText(field, v)
}

// checkServiceAddress checks the service address of a license (where
// emergency services are sent).
func checkServiceAddress(addr string) error {
	if len(addr) > 300 {
		return invalid("service_address: at most 300 characters on one line")
	}
	return checkText("service_address", addr)
}

// checkText refuses free text that would show other than it reads: invalid
// UTF-8, C0 and C1 control characters (ESC, tab, line breaks, ...), and the
// Unicode bidirectional controls (U+061C, U+200E, U+200F, U+202A-U+202E,
// U+2066-U+2069) that reorder what a phone, a page or a log displays. The
// message names the field, the character and its position.
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return invalid("%s: not valid UTF-8 text; save the file as UTF-8", field)
	}
	pos := 0
	for _, r := range v {
		pos++
		if what := badTextRune(r); what != "" {
			return invalid("%s %q: character %d is %U, %s; remove it (plain text only)", field, v, pos, r, what)
		}
	}
	return nil
}

// badTextRune says what r is when it may not appear in free text, or "".
func badTextRune(r rune) string {
	switch {
	case r == '\t':
		return "a tab"
	case r == '\r' || r == '\n':
		return "a line break"
	case r == 0x1b:
		return "the escape control character (ESC)"
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
		return "a control character"
	case r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069):
		return "a bidirectional control that reorders the text around it"
	}
	return ""
}

func checkEmail(e string) error {
	if e == "" {
		return nil
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || len(e) > 254 {
		return invalid("email %q is not an e-mail address like name@example.com", e)
	}
	return checkText("email", e)
}

func checkTimeZone(tz string) error {
	if tz == "" || tz == "Local" || strings.ContainsAny(tz, " \\") {
		return invalid("time_zone %q is not an IANA time zone such as America/New_York", tz)
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return invalid("time_zone %q is not an IANA time zone such as America/New_York", tz)
	}
	return nil
}

func checkLanguage(l string) error {
	if !reLanguage.MatchString(l) || len(l) > 35 {
		return invalid("language %q is not a language tag such as en-US or fr", l)
	}
	return nil
}

func checkExtensionNumber(n string) error {
	if !reExtension.MatchString(n) {
		return invalid("extension %q: use 2 to 10 digits", n)
	}
	return nil
}

func checkPhoneNumber(n string) error {
	if !reE164.MatchString(n) {
		return invalid("phone number %q: use E.164 form, e.g. +14155550101", n)
	}
	return nil
}

// voicemailChoices are the voicemail-to-email options after the move to
// X Series, in the order a picker shows them.
var voicemailChoices = []string{"notification_only", "attachment_only", "attachment_delete", "disabled"}

// VoicemailChoices are the voicemail_to_email values of a user, in the
// order a picker shows them.
func VoicemailChoices() []string { return slices.Clone(voicemailChoices) }

func checkVoicemail(v string) error {
	if !slices.Contains(voicemailChoices, v) {
		return invalid("voicemail_to_email %q: use notification_only, attachment_only, attachment_delete or disabled", v)
	}
	return nil
}

// licenseTypes are the license types an account can hold.
var licenseTypes = []string{"X2", "X3", "X4", "X5", "X6", "X7", "X8", "Work Lobby", "VO Basic", "VO Editions", "VCC Agent"}

func checkLicenseType(t string) (string, error) {
	for _, lt := range licenseTypes {
		if strings.EqualFold(t, lt) {
			return lt, nil
		}
	}
	return "", invalid("license type %q: use one of %s", t, strings.Join(licenseTypes, ", "))
}

func checkCountry(c string) (string, error) {
	u := strings.ToUpper(c)
	if len(u) != 2 || !strings.Contains(isoCountries, " "+u+" ") {
		return "", invalid("country %q: use an ISO 3166-1 alpha-2 code such as US, GB or CA", c)
	}
	return u, nil
}

// NormalizeMAC turns any common spelling of a MAC address
// (00:04:F2:A1:B2:C3, 00-04-f2-a1-b2-c3, 0004.f2a1.b2c3, 0004F2A1B2C3) into
// 12 lower-case hex digits.
func NormalizeMAC(s string) (string, error) {
	s = strings.TrimSpace(s)
	var b [12]byte
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			c += 'a' - 'A'
		case c == ':' || c == '-' || c == '.':
			continue
		default:
			return "", invalid("mac %q: use 12 hex digits, e.g. 0004f2a1b2c3 or 00:04:f2:a1:b2:c3", s)
		}
		if n == 12 {
			return "", invalid("mac %q: use 12 hex digits, e.g. 0004f2a1b2c3 or 00:04:f2:a1:b2:c3", s)
		}
		b[n] = c
		n++
	}
	if n != 12 {
		return "", invalid("mac %q: use 12 hex digits, e.g. 0004f2a1b2c3 or 00:04:f2:a1:b2:c3", s)
	}
	return string(b[:]), nil
}

// isoCountries lists ISO 3166-1 alpha-2 codes, space separated.
const isoCountries = " AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT " +
	"MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG " +
	"UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
