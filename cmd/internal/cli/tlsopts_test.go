package cli

import (
	"crypto/tls"
	"io"
	"slices"
	"strings"
	"testing"
)

// TestServeTLSFlags checks --tls-min-version and --admin-https-only: their
// defaults, accepted values, and the messages of refused ones.
func TestServeTLSFlags(t *testing.T) {
	t.Setenv("PHONEPROV_TLS_MIN_VERSION", "")
	tests := []struct {
		args    []string
		env     map[string]string
		min     uint16
		https   bool
		wantErr string
	}{
		{args: nil, min: tls.VersionTLS12},
		{args: []string{"--tls-min-version", "1.0"}, min: tls.VersionTLS10},
		{args: []string{"--tls-min-version", "1.1"}, min: tls.VersionTLS11},
		{args: []string{"--tls-min-version", "1.3"}, min: tls.VersionTLS13},
		{env: map[string]string{"PHONEPROV_TLS_MIN_VERSION": "1.3"}, min: tls.VersionTLS13},
		{args: []string{"--tls-min-version", "1.4"}, wantErr: "use 1.0, 1.1, 1.2 or 1.3"},
		{args: []string{"--tls-min-version", "TLS1.2"}, wantErr: "use 1.0, 1.1, 1.2 or 1.3"},
		{args: []string{"--admin-https-only"}, min: tls.VersionTLS12, https: true},
		{env: map[string]string{"PHONEPROV_ADMIN_HTTPS_ONLY": "true"}, min: tls.VersionTLS12, https: true},
		{env: map[string]string{"PHONEPROV_ADMIN_HTTPS_ONLY": "yes please"}, wantErr: "use true or false"},
		{args: []string{"--admin-https-only", "--https-addr", ""}, wantErr: "needs --https-addr"},
	}
	for _, tt := range tests {
		env := map[string]string{"PHONEPROV_TLS_MIN_VERSION": "1.2", "PHONEPROV_ADMIN_HTTPS_ONLY": "false"}
		for k, v := range tt.env {
			env[k] = v
		}
		for k, v := range env {
			t.Setenv(k, v)
		}
		c, err := parseServe(append([]string{"--data", t.TempDir()}, tt.args...), io.Discard)
		switch {
		case tt.wantErr != "":
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%v %v: error %v, want %q", tt.args, tt.env, err, tt.wantErr)
			}
			continue
		case err != nil:
			t.Errorf("%v %v: %v", tt.args, tt.env, err)
			continue
		}
		if min, _ := tlsMinVersion(c.TLSMinVersion); min != tt.min || c.AdminHTTPSOnly != tt.https {
			t.Errorf("%v %v: min %x https-only %t, want %x %t", tt.args, tt.env, min, c.AdminHTTPSOnly, tt.min, tt.https)
		}
	}
}

// TestServerTLSSuites checks that from TLS 1.2 only ECDHE AEAD suites are
// offered, and SHA-1 CBC ones only when older versions are allowed.
func TestServerTLSSuites(t *testing.T) {
	insecure := map[uint16]bool{}
	for _, s := range tls.InsecureCipherSuites() {
		insecure[s.ID] = true
	}
	for _, min := range []uint16{tls.VersionTLS10, tls.VersionTLS12} {
		c := serverTLS(tls.Certificate{}, min)
		if c.MinVersion != min {
			t.Errorf("MinVersion %x, want %x", c.MinVersion, min)
		}
		for _, id := range c.CipherSuites {
			name := tls.CipherSuiteName(id)
			if insecure[id] || !strings.HasPrefix(name, "TLS_ECDHE_") {
				t.Errorf("min %x: suite %s offered", min, name)
			}
			cbc := strings.Contains(name, "_CBC_")
			if cbc && min >= tls.VersionTLS12 {
				t.Errorf("min %x: CBC suite %s offered", min, name)
			}
		}
		if hasCBC := slices.ContainsFunc(c.CipherSuites, func(id uint16) bool {
			return strings.Contains(tls.CipherSuiteName(id), "_CBC_")
		}); hasCBC != (min < tls.VersionTLS12) {
			t.Errorf("min %x: CBC suites offered %t", min, hasCBC)
		}
	}
}
