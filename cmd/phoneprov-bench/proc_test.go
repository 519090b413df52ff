package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestProcReaders reads this test process through procfs: its listening
// socket is found by port, its RSS and CPU read, the load average has
// three figures.
func TestProcReaders(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if pid, err := listenerPID("127.0.0.1", port); err != nil || pid != os.Getpid() {
		t.Errorf("listenerPID(127.0.0.1, %d) = %d, %v; want %d", port, pid, err, os.Getpid())
	}
	// the same port on another address is another server's
	if pid, err := listenerPID("127.0.0.9", port); err == nil {
		t.Errorf("listenerPID(127.0.0.9, %d) = %d; want no listener", port, pid)
	}
	if ports, err := listeningPorts(os.Getpid()); err != nil || !slices.Contains(ports, port) {
		t.Errorf("listeningPorts = %v, %v; want %d among them", ports, err, port)
	}
	if mb, err := rssMB(os.Getpid()); err != nil || mb <= 0 {
		t.Errorf("rssMB = %v, %v", mb, err)
	}
	if _, err := cpuTicks(os.Getpid()); err != nil {
		t.Errorf("cpuTicks: %v", err)
	}
	if f := strings.Fields(loadAvg()); len(f) != 3 {
		t.Errorf("loadAvg = %q", loadAvg())
	}
}

// TestScrape reads the named gauges and counters of a Prometheus text
// exposition and leaves out the others and the missing.
func TestScrape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte(`# HELP go_goroutines Number of goroutines.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP phoneprov_sip_registers_total REGISTER requests by outcome.
# TYPE phoneprov_sip_registers_total counter
phoneprov_sip_registers_total{outcome="ok"} 7
# TYPE go_memstats_heap_inuse_bytes gauge
go_memstats_heap_inuse_bytes 1.048576e+06
`))
	}))
	defer srv.Close()
	got := scrape(context.Background(), srv.Client(), srv.URL, "go_goroutines", "go_memstats_heap_inuse_bytes",
		"phoneprov_sip_registers_total", "phoneprov_sip_bindings")
	want := map[string]float64{"go_goroutines": 42, "go_memstats_heap_inuse_bytes": 1 << 20, "phoneprov_sip_registers_total": 7}
	if len(got) != len(want) {
		t.Fatalf("scrape = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
