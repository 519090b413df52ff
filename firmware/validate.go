package firmware

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of the names Add accepts.
const (
	maxModelLen    = 64
	maxVersionLen  = 64
	maxFilenameLen = 255
)

// checkNames validates the three names of an entry.
func checkNames(model, version, filename string) error {
	if err := checkModel(model); err != nil {
		return err
	}
	if err := checkVersion(version); err != nil {
		return err
	}
	return checkFilename(filename)
}

func checkModel(m string) error {
	ok := m != "" && len(m) <= maxModelLen && utf8.ValidString(m) && strings.TrimSpace(m) == m &&
		strings.IndexFunc(m, unicode.IsControl) < 0
	if !ok {
		return fmt.Errorf("model %q: %w", m, ErrModel)
	}
	return nil
}

func checkVersion(v string) error {
	ok := v != "" && len(v) <= maxVersionLen
	for i := 0; ok && i < len(v); i++ {
		c := v[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(".-_+~", c) >= 0
	}
	if !ok {
		return fmt.Errorf("version %q: %w", v, ErrVersion)
	}
	return nil
}

// checkFilename refuses names that could leave the store, hide a file or
// need escaping in the URL a template writes into a phone's config.
// Parentheses and commas stay allowed: Yealink names carry them.
func checkFilename(f string) error {
	ok := f != "" && len(f) <= maxFilenameLen && f[0] != '.' && !strings.Contains(f, "..")
	for i := 0; ok && i < len(f); i++ {
		c := f[i]
		ok = c > ' ' && c < 0x7f && strings.IndexByte(`/\?#%"<>|`, c) < 0
	}
	if !ok {
		return fmt.Errorf("filename %q: %w", f, ErrFilename)
	}
	return nil
}
