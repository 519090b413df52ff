package cli

import (
	"io"
	"os"
	"strings"
	"testing"
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
