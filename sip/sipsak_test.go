package sip

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestSipsakUsrloc: sipsak's usrloc mode registers with a digest against
// the registrar. sipsak resolves the host of its -s URI even with an
// outbound proxy, so this registrar's domain is the loopback address.
func TestSipsakUsrloc(t *testing.T) {
	sipsak := needTool(t, "sipsak", "sipsak")
	st := openStore(t)
	ln := newLine(t, st, "1001", lineOpts{})
	srv := startServer(t, st, func(c *Config) { c.Domain = "127.0.0.1" })
	ctx, cancel := context.WithTimeout(bg, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, sipsak, "-U", "-C", "sip:1001@127.0.0.1:5071", "-s", "sip:1001@"+srv.udp,
		"-H", "127.0.0.1", "-u", ln.authUser, "-a", ln.password, "-x", "120", "-vv")
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "successful") {
		t.Fatalf("sipsak: %v\n%s", err, out)
	}
	bs := srv.Bindings(ln.mac, 0)
	if len(bs) != 1 || bs[0].Contact != "sip:1001@127.0.0.1:5071" {
		t.Fatalf("bindings after sipsak: %+v\n%s", bs, out)
	}
	if left := time.Until(bs[0].Expires); left < 100*time.Second || left > 121*time.Second {
		t.Errorf("binding expires in %v, want 120s", left)
	}
}
