package templates

import "strings"

// Languages. DeviceConfig.Language is a BCP 47 tag ("en-US", "fr-CA",
// "de"); every vendor wants its own name for it. Each vendor has a table
// keyed by "lang-REGION" and by "lang"; lookups try the full tag, then the
// language alone, then fall back to the table's "en" entry. Script and
// variant subtags are ignored.

// langTag is a parsed BCP 47 tag: lower-case language, upper-case region.
type langTag struct {
	Lang   string
	Region string
}

// parseLang reads a BCP 47 tag (also accepting "_" separators); an empty
// or unreadable tag is English.
func parseLang(tag string) langTag {
	parts := strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' })
	if len(parts) == 0 || !isASCIIAlpha(parts[0]) || len(parts[0]) < 2 || len(parts[0]) > 3 {
		return langTag{Lang: "en"}
	}
	t := langTag{Lang: strings.ToLower(parts[0])}
	for _, p := range parts[1:] {
		if len(p) == 2 && isASCIIAlpha(p) || len(p) == 3 && isASCIIDigits(p) {
			t.Region = strings.ToUpper(p)
			break
		}
	}
	return t
}

// pick looks the tag up in a vendor table.
func (t langTag) pick(table map[string]string) string {
	if t.Region != "" {
		if v, ok := table[t.Lang+"-"+t.Region]; ok {
			return v
		}
	}
	if v, ok := table[t.Lang]; ok {
		return v
	}
	return table["en"]
}

func isASCIIAlpha(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

func isASCIIDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// polyLang: lcl.ml.lang (UC Software dictionary names).
var polyLang = map[string]string{
	"en": "English_United_States", "en-GB": "English_United_Kingdom",
	"en-CA": "English_Canada", "en-AU": "English_Australia",
	"fr": "French_France", "fr-CA": "French_Canada",
	"de": "German_Germany", "es": "Spanish_Spain", "it": "Italian_Italy",
	"nl": "Dutch_Netherlands", "pt": "Portuguese_Portugal", "pt-BR": "Portuguese_Brazil",
	"da": "Danish_Denmark", "sv": "Swedish_Sweden", "nb": "Norwegian_Norway",
	"no": "Norwegian_Norway", "pl": "Polish_Poland", "ru": "Russian_Russia",
	"ja": "Japanese_Japan", "ko": "Korean_Korea", "zh": "Chinese_China",
	"zh-TW": "Chinese_Taiwan", "sl": "Slovenian_Slovenia",
}

// yealinkLang: lang.gui / lang.wui.
var yealinkLang = map[string]string{
	"en": "English", "fr": "French", "de": "German", "es": "Spanish",
	"it": "Italian", "pl": "Polish", "pt": "Portuguese", "tr": "Turkish",
	"ru": "Russian", "nl": "Dutch", "he": "Hebrew", "ja": "Japanese",
	"ko": "Korean", "zh": "Chinese_S", "zh-TW": "Chinese_T", "zh-HK": "Chinese_T",
}

// ciscoSPALang: Language_Selection on SPA firmware.
var ciscoSPALang = map[string]string{
	"en": "English", "fr": "French", "de": "German", "es": "Spanish",
	"it": "Italian", "pt": "Portuguese", "nl": "Dutch",
}

// ciscoMPPLang: Language_Selection on MPP firmware (dictionary names).
var ciscoMPPLang = map[string]string{
	"en": "English-US", "en-GB": "English-UK", "fr": "French-France",
	"fr-CA": "French-Canada", "de": "German", "es": "Spanish-Spain",
	"es-MX": "Spanish-Mexico", "it": "Italian", "pt": "Portuguese-Portugal",
	"pt-BR": "Portuguese-Brazil", "nl": "Dutch", "da": "Danish",
	"sv": "Swedish", "nb": "Norwegian", "no": "Norwegian", "ru": "Russian",
	"ja": "Japanese", "zh": "Chinese-China",
}

// grandstreamLang: P1362.
var grandstreamLang = map[string]string{
	"en": "en", "fr": "fr", "de": "de", "es": "es", "it": "it", "nl": "nl",
	"pt": "pt", "ru": "ru", "pl": "pl", "tr": "tr", "cs": "cz", "ja": "ja",
	"ko": "ko", "zh": "zh", "zh-TW": "zh_TW", "he": "he", "ar": "ar",
}

// snomLang: language and web_language.
var snomLang = map[string]string{
	"en": "English", "en-GB": "English(UK)", "de": "Deutsch", "fr": "Francais",
	"es": "Espanol", "it": "Italiano", "nl": "Nederlands", "pt": "Portugues",
	"sv": "Svenska", "da": "Dansk", "nb": "Norsk", "no": "Norsk", "fi": "Suomi",
	"cs": "Cestina", "pl": "Polski", "tr": "Turkce", "ru": "Russian",
}

// fanvilLang: DefaultLanguage of the new <sysConf> format.
var fanvilLang = map[string]string{
	"en": "en", "fr": "fr", "de": "de", "es": "es", "it": "it", "nl": "nl",
	"pt": "pt", "ru": "ru", "pl": "pl", "tr": "tr", "cs": "cz", "ko": "ko",
	"ar": "ar", "he": "he", "uk": "ua", "zh": "cn", "zh-TW": "tc",
	"ca": "cat", "eu": "eus", "sk": "slo", "hr": "hr",
}
