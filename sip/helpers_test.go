package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
	"go.uber.org/goleak"
)

// The registrar must accept the real store.
var _ Directory = (*devicedb.Store)(nil)

const testDomain = "phoneprov.test"

var bg = context.Background()

// clock is an injectable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingDir is the real store, counting credential reads.
type countingDir struct {
	*devicedb.Store
	reads atomic.Int64
}

func (d *countingDir) LineByAuthUser(ctx context.Context, u string) (*devicedb.LineCredential, error) {
	d.reads.Add(1)
	return d.Store.LineByAuthUser(ctx, u)
}

// openStore opens a fresh database in a temporary folder.
func openStore(t testing.TB) *devicedb.Store {
	t.Helper()
	s, err := devicedb.Open(bg, dbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// line is a device line created through the store's API.
type line struct {
	ext, authUser, password, mac string
	userID                       int64
}

var macSeq atomic.Int64

// lineOpts shape a test line.
type lineOpts struct {
	unlicensed, virtual bool
}

// newLine creates a user with extension ext (licensed unless told), a
// T46S device and puts the user on its line 1.
func newLine(t testing.TB, s *devicedb.Store, ext string, o lineOpts) line {
	t.Helper()
	kind := ""
	if o.virtual {
		kind = "virtual"
	}
	u, err := s.CreateUser(bg, devicedb.NewUser{Username: "u" + ext, FirstName: "F", LastName: "L",
		Email: "u" + ext + "@example.com", Extension: ext, ExtensionKind: kind})
	if err != nil {
		t.Fatalf("create user %s: %v", ext, err)
	}
	if !o.unlicensed {
		l, err := s.CreateLicense(bg, devicedb.NewLicense{Type: "X4", Country: "US", ServiceAddress: "1 Main St"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AssignLicense(bg, u.ID, l.ID); err != nil {
			t.Fatal(err)
		}
	}
	mac := fmt.Sprintf("00156500%04x", macSeq.Add(1))
	if o.virtual {
		// No device may be activated on a virtual extension; only the
		// upgrade carries such lines over.
		_, err = s.CarryOverDevice(bg, mac, "T46S", map[int]int64{1: u.ID}, nil)
	} else if _, err = s.CreateDevice(bg, devicedb.NewDevice{MAC: mac, Model: "T46S"}); err == nil {
		_, err = s.SetLine(bg, mac, 1, u.ID)
	}
	if err != nil {
		t.Fatalf("device for %s: %v", ext, err)
	}
	d, err := s.DeviceConfig(bg, mac)
	if err != nil {
		t.Fatal(err)
	}
	return line{ext: ext, authUser: d.Lines[0].AuthUser, password: d.Lines[0].Password, mac: mac, userID: u.ID}
}

// server is a registrar serving UDP and TCP on one loopback port.
type server struct {
	*Registrar
	udp, tcp string
	outcomes chan string
}

// startServer starts a registrar on dir; edit adjusts its Config. Its
// Shutdown is a cleanup (tests may call it earlier).
func startServer(t testing.TB, dir Directory, edit func(*Config)) *server {
	t.Helper()
	s := &server{outcomes: make(chan string, 256)}
	cfg := Config{Domain: testDomain, OnRegister: func(o string) {
		select {
		case s.outcomes <- o:
		default:
		}
	}}
	if edit != nil {
		edit(&cfg)
	}
	r, err := New(cfg, dir)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	s.Registrar = r
	pc, l := listenPair(t)
	s.udp, s.tcp = pc.LocalAddr().String(), l.Addr().String()
	var wg sync.WaitGroup
	for _, serve := range []func() error{func() error { return r.ServeUDP(pc) }, func() error { return r.ServeTCP(l) }} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(); !errors.Is(err, ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		if err := r.Shutdown(ctx); err != nil && !errors.Is(err, ErrServerClosed) {
			t.Errorf("Shutdown: %v", err)
		}
		wg.Wait()
	})
	return s
}

// listenPair opens UDP and TCP on the same loopback port.
func listenPair(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	for try := 0; try < 20; try++ {
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp4", pc.LocalAddr().String())
		if err == nil {
			return pc, l
		}
		pc.Close()
	}
	t.Fatal("no port free for both UDP and TCP")
	return nil, nil
}

// lastOutcome waits for the next outcome reported by OnRegister.
func (s *server) lastOutcome(t testing.TB) string {
	t.Helper()
	select {
	case o := <-s.outcomes:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome reported")
		return ""
	}
}

// checkGoroutines fails t if goroutines started during it outlive it
// (goleak retries for a while before it reports).
func checkGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
}

// secondDevice puts the user of ln on line 1 of another device and returns
// that line: same extension, its own auth user.
func secondDevice(t testing.TB, s *devicedb.Store, ln line) line {
	t.Helper()
	mac := fmt.Sprintf("00156500%04x", macSeq.Add(1))
	if _, err := s.CreateDevice(bg, devicedb.NewDevice{MAC: mac, Model: "T46S"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetLine(bg, mac, 1, ln.userID); err != nil {
		t.Fatal(err)
	}
	d, err := s.DeviceConfig(bg, mac)
	if err != nil {
		t.Fatal(err)
	}
	return line{ext: ln.ext, authUser: d.Lines[0].AuthUser, password: d.Lines[0].Password, mac: mac, userID: ln.userID}
}
