package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb/pgtest"
)

// TestStormClusterSRV boots phones against three nodes on one PostgreSQL,
// as a site does: each phone fetches its files from a node (the nodes in
// turn, as DNS round robin spreads them) and finds its registrar through
// the cluster's DNS SRV records (RFC 2782 choice), so registrations land
// on every node; zero failures. `devicedb/bench/run-postgres.sh` runs the
// same with 10,000 phones.
func TestStormClusterSRV(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and three servers")
	}
	db := pgtest.StartForTest(t).DatabaseForTest(t)
	var servers []string
	var dnsAddr, token string
	var key []byte
	for i, ip := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4"} {
		extra := []string{"--database", db, "--public-host", ip, "--http-addr", ip + ":0", "--sip-addr", ip + ":0",
			"--dns-addr", ip + ":0"}
		ports, tok, data := startNode(t, ip, key, extra...)
		if i == 0 {
			dnsAddr, token = ports["dns"], tok
			var err error
			if key, err = os.ReadFile(filepath.Join(data, "secret.key")); err != nil {
				t.Fatal(err)
			}
		}
		servers = append(servers, "http://"+ports["http"])
	}
	// every node is in the SRV records within a heartbeat or two
	deadline := time.Now().Add(15 * time.Second)
	for {
		seen := map[string]bool{}
		for _, rnd := range []float64{0.1, 0.5, 0.9} { // equal weights: one draw in each third
			if p, err := lookupSRV(t.Context(), dnsAddr, nil, "phoneprov.test", "udp", rnd); err == nil {
				seen[p.Addr] = true
			}
		}
		if len(seen) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SRV records of %s name %d nodes after 15 s: %v", dnsAddr, len(seen), seen)
		}
		time.Sleep(100 * time.Millisecond)
	}

	const n = 600
	var progress bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{Server: strings.Join(servers, ","), Token: token, DNS: dnsAddr, Devices: n,
		Arrival: "poisson", Window: 6 * time.Second, Timeout: 60 * time.Second, Sources: 50, SeedVia: viaImport}, &progress)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	var text bytes.Buffer
	rep.WriteText(&text)
	t.Logf("cluster storm:\n%s%s", progress.String(), text.String())
	if rep.Failed != 0 || rep.Booted != n || len(rep.Failures) != 0 || rep.TimedOut {
		t.Fatalf("%d booted, %d failed, failures %v", rep.Booted, rep.Failed, rep.Failures)
	}
	if s, ok := rep.Step("dns srv"); !ok || s.Count != n {
		t.Fatalf("dns srv step: %+v", s)
	}
	total := 0
	for node, k := range rep.Nodes {
		if k == 0 {
			t.Errorf("no phone registered on %s", node)
		}
		total += k
	}
	if len(rep.Nodes) != 3 || total != n {
		t.Fatalf("registrations per node %v; want all %d spread over the 3 nodes", rep.Nodes, n)
	}
	if len(rep.Servers) != 3 {
		t.Errorf("server figures for %d processes, want 3", len(rep.Servers))
	}
}

// startNode runs one node of a cluster on its own loopback address with
// key as its secret.key (nil: the node makes one) and returns its ports,
// the admin token and its data dir.
func startNode(t *testing.T, ip string, key []byte, extra ...string) (map[string]string, string, string) {
	t.Helper()
	data := filepath.Join(t.TempDir(), "data")
	if key != nil {
		if err := os.MkdirAll(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, "secret.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ports, token, _ := startServerIn(t, data, extra...)
	return ports, token, data
}
