package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDeviceAuthFlag: --device-auth takes credentials (the default),
// network only with --allow, and open; anything else is refused with what
// to use.
func TestDeviceAuthFlag(t *testing.T) {
	t.Setenv("PHONEPROV_DEVICE_AUTH", "") // restored after the test
	os.Unsetenv("PHONEPROV_DEVICE_AUTH")
	for _, tc := range []struct {
		args []string
		want string // "" = accepted; else a part of the error
		mode string
	}{
		{nil, "", "credentials"},
		{[]string{"--device-auth", "open"}, "", "open"},
		{[]string{"--device-auth", "network", "--allow", "10.0.0.0/8"}, "", "network"},
		{[]string{"--device-auth", "network"}, "--allow", ""},
		{[]string{"--device-auth", "maybe"}, "use credentials, network or open", ""},
	} {
		args := append([]string{"--data", t.TempDir()}, tc.args...)
		c, err := parseServe(args, io.Discard)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one naming %q", tc.args, err, tc.want)
		case tc.want == "" && c.DeviceAuth != tc.mode:
			t.Errorf("%v: mode %q, want %q", tc.args, c.DeviceAuth, tc.mode)
		}
	}
}

// clearServeEnv unsets every PHONEPROV_ variable for the test, so that
// the defaults are the flags' own.
func clearServeEnv(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "PHONEPROV_") {
			t.Setenv(name, "") // restored after the test
			os.Unsetenv(name)
		}
	}
}

// TestParseServe: the defaults, environment variables under flags, and
// each refusal naming the flag and what to use.
func TestParseServe(t *testing.T) {
	for _, tc := range []struct {
		name  string
		env   map[string]string
		args  []string
		want  string // "" = accepted; else a part of the error
		check func(*serveConfig) string
	}{
		{name: "defaults", check: func(c *serveConfig) string {
			if c.Data != defaultData || c.HTTPAddr != ":8080" || c.HTTPSAddr != ":8443" || c.SIPAddr != ":5060" || c.SIPSAddr != ":5061" ||
				c.STUNAddr != ":3478" || c.DNSAddr != ":5300" || c.TFTPAddr != "" || c.Domain != "phoneprov.test" || c.LogLevel != "info" ||
				c.ResyncInterval != 24*time.Hour || c.SchedulerInterval != time.Minute || c.DigestAlgorithms != "MD5" ||
				c.TLSMinVersion != "1.2" || c.AdminHTTPSOnly || c.DeviceAuth != "credentials" || c.NTPServer != "pool.ntp.org" {
				return fmt.Sprintf("%+v", *c)
			}
			return ""
		}},
		{name: "env", env: map[string]string{"PHONEPROV_DOMAIN": "pbx.example", "PHONEPROV_RESYNC_INTERVAL": "1h",
			"PHONEPROV_ADMIN_HTTPS_ONLY": "true", "PHONEPROV_HTTP_ADDR": ""}, check: func(c *serveConfig) string {
			if c.Domain != "pbx.example" || c.ResyncInterval != time.Hour || !c.AdminHTTPSOnly || c.HTTPAddr != "" {
				return fmt.Sprintf("%+v", *c)
			}
			return ""
		}},
		{name: "flag over env", env: map[string]string{"PHONEPROV_DOMAIN": "pbx.example"}, args: []string{"--domain", "other.example"},
			check: func(c *serveConfig) string {
				if c.Domain != "other.example" {
					return c.Domain
				}
				return ""
			}},
		{name: "digest both", args: []string{"--digest-algorithms", "md5, sha256"}, check: func(c *serveConfig) string {
			if algs, _ := c.digestAlgorithms(); fmt.Sprint(algs) != "[MD5 SHA-256]" {
				return fmt.Sprint(algs)
			}
			return ""
		}},
		{name: "allow address and network", args: []string{"--allow", "10.1.2.3, 192.168.7.9/16"}, check: func(c *serveConfig) string {
			if nets, _ := c.allowNets(); fmt.Sprint(nets) != "[10.1.2.3/32 192.168.0.0/16]" {
				return fmt.Sprint(nets)
			}
			return ""
		}},
		{name: "bad env duration", env: map[string]string{"PHONEPROV_RESYNC_INTERVAL": "daily"}, want: "PHONEPROV_RESYNC_INTERVAL"},
		{name: "bad env scheduler", env: map[string]string{"PHONEPROV_SCHEDULER_INTERVAL": "x"}, want: "PHONEPROV_SCHEDULER_INTERVAL"},
		{name: "bad env bool", env: map[string]string{"PHONEPROV_ADMIN_HTTPS_ONLY": "yes please"}, want: "use true or false"},
		{name: "argument", args: []string{"serve"}, want: `unexpected argument "serve"`},
		{name: "unknown flag", args: []string{"--colour"}, want: "colour"},
		{name: "no data", args: []string{"--data", ""}, want: "--data"},
		{name: "bad address", args: []string{"--sip-addr", "5060"}, want: "--sip-addr"},
		{name: "no http at all", args: []string{"--http-addr", "", "--https-addr", ""}, want: "both off"},
		{name: "bad domain", args: []string{"--domain", "a b"}, want: "--domain"},
		{name: "bad log level", args: []string{"--log-level", "loud"}, want: "--log-level"},
		{name: "bad allow", args: []string{"--allow", "10.0.0.0/33"}, want: "--allow"},
		{name: "bad digest", args: []string{"--digest-algorithms", "SHA-1"}, want: "--digest-algorithms"},
		{name: "scheduler too fast", args: []string{"--scheduler-interval", "500ms"}, want: "--scheduler-interval"},
		{name: "scheduler too slow", args: []string{"--scheduler-interval", "2h"}, want: "--scheduler-interval"},
		{name: "resync too fast", args: []string{"--resync-interval", "30s"}, want: "--resync-interval"},
		{name: "bad tls version", args: []string{"--tls-min-version", "1.4"}, want: "--tls-min-version"},
		{name: "admin https only without https", args: []string{"--admin-https-only", "--https-addr", ""}, want: "--admin-https-only needs --https-addr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clearServeEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := parseServe(tc.args, io.Discard)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("%v: %v", tc.args, err)
			case tc.want != "":
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Fatalf("%v: error %v, want one naming %q", tc.args, err, tc.want)
				}
			case tc.check != nil:
				if got := tc.check(c); got != "" {
					t.Errorf("%v: got %s", tc.args, got)
				}
			}
		})
	}
}
