package stun

import (
	"bytes"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"go.uber.org/goleak"
)

// outcomes counts OnRequest calls.
type outcomes struct {
	mu sync.Mutex
	n  map[string]int
}

func (o *outcomes) record(name string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.n == nil {
		o.n = map[string]int{}
	}
	o.n[name]++
}

func (o *outcomes) get(name string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.n[name]
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// startServer serves cfg on network ("udp4" or "udp6") loopback and returns
// the address; cleanup closes it, checks Serve returned nil and that no
// goroutine was left behind.
func startServer(t *testing.T, network string, cfg Config) (*Server, *net.UDPAddr) {
	t.Helper()
	before := goleak.IgnoreCurrent()
	host := "127.0.0.1"
	if network == "udp6" {
		host = "[::1]"
	}
	pc, err := net.ListenPacket(network, host+":0")
	if err != nil {
		if network == "udp6" && os.Getenv("CI") != "true" {
			t.Skipf("no IPv6 loopback: %v", err)
		}
		t.Fatal(err)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(pc) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve after Close: %v, want nil", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return after Close")
		}
		goleak.VerifyNone(t, before)
	})
	return srv, pc.LocalAddr().(*net.UDPAddr)
}

// TestServePionClient: pion's client gets its own local address back.
func TestServePionClient(t *testing.T) {
	for _, network := range []string{"udp4", "udp6"} {
		t.Run(network, func(t *testing.T) {
			var seen outcomes
			_, addr := startServer(t, network, Config{OnRequest: seen.record})
			conn, err := net.DialUDP(network, nil, addr)
			if err != nil {
				t.Fatal(err)
			}
			c, err := stun.NewClient(conn, stun.WithRTO(200*time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			var (
				got   stun.XORMappedAddress
				sw    stun.Software
				doErr error
			)
			err = c.Do(stun.MustBuild(stun.TransactionID, stun.BindingRequest, stun.Fingerprint), func(e stun.Event) {
				if doErr = e.Error; doErr != nil {
					return
				}
				if doErr = stun.Fingerprint.Check(e.Message); doErr != nil {
					return
				}
				if doErr = sw.GetFrom(e.Message); doErr != nil {
					return
				}
				doErr = got.GetFrom(e.Message)
			})
			if err != nil || doErr != nil {
				t.Fatalf("Do: %v, %v", err, doErr)
			}
			local := conn.LocalAddr().(*net.UDPAddr)
			if !got.IP.Equal(local.IP) || got.Port != local.Port {
				t.Errorf("XOR-MAPPED-ADDRESS %v, want the client's %v", got, local)
			}
			if sw.String() != DefaultSoftware {
				t.Errorf("SOFTWARE %q, want %q", sw, DefaultSoftware)
			}
			waitFor(t, "OnRequest binding", func() bool { return seen.get(OutcomeNameBinding) == 1 })
		})
	}
}

// exchange sends each datagram from conn and returns the answers: it reads
// until want answers came (at most 2 s), then 200 ms more for extra ones.
func exchange(t *testing.T, conn *net.UDPConn, want int, pkts ...[]byte) [][]byte {
	t.Helper()
	for _, p := range pkts {
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	var got [][]byte
	buf := make([]byte, 2048)
	deadline := time.Now().Add(2 * time.Second)
	for range len(pkts) {
		if len(got) >= want {
			deadline = time.Now().Add(200 * time.Millisecond)
		}
		_ = conn.SetReadDeadline(deadline)
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		got = append(got, bytes.Clone(buf[:n]))
	}
	return got
}

// TestServeDrops: garbage, indications and bad fingerprints get nothing
// back over a real socket, while the request sent after them is answered.
func TestServeDrops(t *testing.T) {
	var seen outcomes
	_, addr := startServer(t, "udp4", Config{OnRequest: seen.record})
	conn, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	badFP := readHex(t, "rfc5769/request.hex")
	badFP[len(badFP)-1] ^= 1
	classic := msg(bindReq, classicID)
	final := withFingerprint(msg(bindReq, testID))
	got := exchange(t, conn, 2,
		[]byte("GET / HTTP/1.0\r\n\r\n"), badFP, withFingerprint(msg(bindInd, testID)), classic, final)
	if len(got) != 2 || !bytes.Equal(got[0][4:20], classicID) || !bytes.Equal(got[1][4:20], final[4:20]) {
		t.Fatalf("answers %x, want one to the classic request then one to the last request", got)
	}
	waitFor(t, "outcomes", func() bool { return seen.get(OutcomeNameBinding) == 1 })
	for name, want := range map[string]int{OutcomeNameMalformed: 1, OutcomeNameBadFingerprint: 1,
		OutcomeNameIgnored: 1, OutcomeNameClassic: 1} {
		if n := seen.get(name); n != want {
			t.Errorf("OnRequest %q: %d, want %d", name, n, want)
		}
	}
}

// TestServeRateLimit: one source gets Burst answers, then nothing; another
// source is still answered.
func TestServeRateLimit(t *testing.T) {
	var seen outcomes
	_, addr := startServer(t, "udp4", Config{RatePerSecond: 0.01, Burst: 3, OnRequest: seen.record})
	conn, err := net.DialUDP("udp4", nil, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	reqs := make([][]byte, 10)
	for i := range reqs {
		reqs[i] = msg(bindReq, append(testID[:4:4], []byte(string(rune('a'+i))+"bcdefghijkl")...))
	}
	if got := exchange(t, conn, 3, reqs...); len(got) != 3 {
		t.Fatalf("%d answers to 10 requests, want burst 3", len(got))
	}
	waitFor(t, "throttled count", func() bool { return seen.get(OutcomeNameThrottled) == 7 })
	if n := seen.get(OutcomeNameBinding); n != 3 {
		t.Errorf("OnRequest binding: %d, want 3", n)
	}

	other, err := net.DialUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2)}, addr)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no 127.0.0.2 (Linux answers all of 127.0.0.0/8 on lo): %v", err)
		}
		t.Skipf("no 127.0.0.2: %v", err)
	}
	defer other.Close()
	if got := exchange(t, other, 1, reqs[0]); len(got) != 1 {
		t.Errorf("another source got %d answers, want 1", len(got))
	}
}

func TestServeLifecycle(t *testing.T) {
	srv, err := New(Config{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(nil); !errors.Is(err, ErrNilConn) {
		t.Errorf("Serve(nil): %v, want ErrNilConn", err)
	}
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(pc) }()
	// the caller closing the conn is an error, not a clean stop
	waitFor(t, "Serve to register the conn", func() bool {
		srv.mu.Lock()
		defer srv.mu.Unlock()
		return len(srv.conns) == 1
	})
	_ = pc.Close()
	select {
	case err := <-done:
		if err == nil || !errors.Is(err, net.ErrClosed) {
			t.Errorf("Serve after the conn closed: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	pc2, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc2.Close()
	if err := srv.Serve(pc2); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Close: %v, want ErrServerClosed", err)
	}
}

// TestServeGenericPacketConn: a PacketConn that is not a *net.UDPConn goes
// through ReadFrom/WriteTo.
func TestServeGenericPacketConn(t *testing.T) {
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(struct{ net.PacketConn }{pc}) }()
	defer func() {
		_ = srv.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	conn, err := net.DialUDP("udp4", nil, pc.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	got := exchange(t, conn, 1, msg(bindReq, testID))
	if len(got) != 1 {
		t.Fatalf("%d answers, want 1", len(got))
	}
	resp, _ := Handle(msg(bindReq, testID), conn.LocalAddr().(*net.UDPAddr).AddrPort(), DefaultSoftware, nil)
	if !bytes.Equal(got[0], resp) {
		t.Errorf("answer %x, want %x", got[0], resp)
	}
}
