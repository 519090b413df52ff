package stun

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"
)

// needTool returns the path of a Debian tool; without it the test skips,
// or fails under CI=true (CI installs the tools).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (apt-get install %s)", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return path
}

// TestDebianStunClient runs Debian's RFC 3489 client (stun-client 0.97,
// command stun) against the server: it must print the address of its own
// socket as MappedAddress, and the server must have seen classic requests.
func TestDebianStunClient(t *testing.T) {
	bin := needTool(t, "stun", "stun-client")
	var seen outcomes
	_, addr := startServer(t, "udp4", Config{OnRequest: seen.record})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, addr.String(), "-v").CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("stun did not finish: %v\n%s", ctx.Err(), out)
	}
	t.Logf("stun exit: %v\n%s", err, out) // its exit code encodes the NAT type
	opened := regexp.MustCompile(`Opened port (\d+)`).FindSubmatch(out)
	mapped := regexp.MustCompile(`MappedAddress = 127\.0\.0\.1:(\d+)`).FindSubmatch(out)
	if opened == nil || mapped == nil || string(opened[1]) != string(mapped[1]) {
		t.Fatalf("want MappedAddress = 127.0.0.1:<its first port>, got:\n%s", out)
	}
	waitFor(t, "classic requests", func() bool { return seen.get(OutcomeNameClassic) >= 1 })
	// Tests II and III ask for an answer from another IP or port, which a
	// one-address responder cannot give: no answer, so the client must not
	// conclude it is on the open Internet.
	if regexp.MustCompile(`Primary: Open`).Match(out) {
		t.Fatalf("the client concludes open Internet from answers the server could not honestly give:\n%s", out)
	}
	waitFor(t, "refused change requests", func() bool { return seen.get(OutcomeNameChangeRefused) >= 1 })
}
