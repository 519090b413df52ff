package cli

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/phoneprov/phoneprov/cmd/internal/testbin"
)

// TestRunStopsEverything runs serve in this process with every listener
// on loopback and every background job on (TFTP, the scheduler, the
// re-sync watcher), stops it, and finds no goroutine of it left: the
// servers, the jobs group and the store all stopped.
func TestRunStopsEverything(t *testing.T) {
	clearServeEnv(t)
	before := goleak.IgnoreCurrent()
	data := filepath.Join(t.TempDir(), "data")
	c, err := parseServe([]string{"--data", data, "--http-addr", "127.0.0.1:0", "--https-addr", "127.0.0.1:0",
		"--sip-addr", "127.0.0.1:0", "--sips-addr", "127.0.0.1:0", "--stun-addr", "127.0.0.1:0", "--dns-addr", "127.0.0.1:0",
		"--tftp-addr", "127.0.0.1:0", "--public-host", "127.0.0.1", "--scheduler-interval", "1s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, c, slog.New(slog.DiscardHandler), io.Discard) }()
	ports, err := testbin.WaitPorts(data, 60*time.Second)
	if err != nil {
		cancel()
		t.Fatalf("serve did not start: %v", err)
	}
	for _, k := range []string{"http", "https", "sip", "sips", "stun", "dns", "tftp"} {
		if ports[k] == "" {
			t.Errorf("ports.json has no %s", k)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("run did not return within 60 s of its context ending")
	}
	goleak.VerifyNone(t, append(fasthttpIgnored, before)...)
}
