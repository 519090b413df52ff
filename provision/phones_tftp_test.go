package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/provision/tftp"
	"github.com/phoneprov/phoneprov/provision/tftp/tftptest"
)

// startTFTP serves e's phones over TFTP on 127.0.0.1:0 until the test ends.
func startTFTP(t *testing.T, p *Phones) netip.AddrPort {
	t.Helper()
	s, err := tftp.New(tftp.Config{Source: p.TFTP()})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, conn); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// TestPhonesTFTP: a device's own files only to sources inside --allow,
// shared files and firmware to anyone, everything else "file not found".
func TestPhonesTFTP(t *testing.T) {
	image := bytes.Repeat([]byte("sip.ld image "), 5000)
	type env struct {
		e        *phoneEnv
		srv      netip.AddrPort
		password []byte
	}
	envs := map[string]env{}
	// setup starts one config server per --allow (fixed before the TFTP
	// server starts), with a firmware image of the VVX 410.
	setup := func(allow []netip.Prefix) env {
		key := fmt.Sprint(allow)
		if v, ok := envs[key]; ok {
			return v
		}
		e := newPhoneEnv(t, ThrottleConfig{})
		fw, err := firmware.Open(firmware.Config{Dir: filepath.Join(t.TempDir(), "fw")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Add(bytes.NewReader(image), "VVX 410", "5.9.7.4477", "3111-46162-001.sip.ld"); err != nil {
			t.Fatal(err)
		}
		e.phones.fw, e.phones.allow = fw, allow
		d, err := e.store.DeviceConfig(context.Background(), yealinkMAC)
		if err != nil {
			t.Fatal(err)
		}
		v := env{e, startTFTP(t, e.phones), []byte("account.1.password = " + d.Lines[0].Password)}
		envs[key] = v
		return v
	}
	password := []byte("account.1.password = ")
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	elsewhere := []netip.Prefix{netip.MustParsePrefix("10.9.9.0/24")}
	cases := []struct {
		name  string
		allow []netip.Prefix
		file  string
		want  []byte // a part of the file; nil: "file not found"
	}{
		{"device file, source allowed", loopback, yealinkMAC + ".cfg", password},
		{"device file, upper-case MAC", loopback, "805EC0A1B2C3.cfg", password},
		{"Yealink boot file", loopback, yealinkMAC + ".boot", []byte("include:")},
		{"Poly master and phone file", loopback, "phoneprov-" + polyMAC + ".cfg", []byte("reg.1.")},
		{"device file, source outside --allow", elsewhere, yealinkMAC + ".cfg", nil},
		{"device file, --allow any", nil, yealinkMAC + ".cfg", nil},
		{"unknown device", loopback, "805ec0ffffff.cfg", nil},
		{"Yealink file of the Poly's MAC", loopback, "phoneprov-" + yealinkMAC + ".cfg", nil},
		{"shared file, --allow any", nil, "y000000000108.cfg", []byte("#!version:1.0.0.1")},
		{"shared file, source outside --allow", elsewhere, "y000000000108.cfg", nil}, // --allow bounds every phone route
		{"Poly master file of the device", loopback, polyMAC + ".cfg", []byte("APPLICATION")},
		// Without a User-Agent, nothing names the model 000000000000.cfg
		// would be rendered for.
		{"shared file of no known model", nil, "000000000000.cfg", nil},
		{"firmware, source outside --allow", elsewhere, "3111-46162-001.sip.ld", nil},
		{"firmware, --allow any", nil, "3111-46162-001.sip.ld", image},
		{"firmware not in the store", nil, "3111-48500-001.sip.ld", nil},
		{"unknown name", loopback, "passwd", nil},
		{"dot-dot", loopback, "../" + yealinkMAC + ".cfg", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := setup(tc.allow)
			got, _, err := tftptest.Get(context.Background(), v.srv, tc.file, "octet", "blksize", "1428")
			if tc.want == nil {
				var te *tftptest.Error
				if !errors.As(err, &te) || te.Code != 1 {
					t.Fatalf("got %d bytes, %v; want TFTP error 1", len(got), err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(tc.want, password) && !bytes.Contains(got, v.password) {
				t.Fatalf("%s lacks %q:\n%.400s", tc.file, v.password, got)
			}
			if !bytes.Contains(got, tc.want) {
				t.Fatalf("%s lacks %q:\n%.400s", tc.file, tc.want, got)
			}
		})
	}
	// The served device file is noted for re-sync pushes, with its model.
	p := setup(loopback).e.phones
	p.servedMu.Lock()
	s := p.served[yealinkMAC]
	p.servedMu.Unlock()
	if s.model != "T46U" || s.req.Path != "/805EC0A1B2C3.cfg" {
		t.Errorf("noted as served: %+v", s)
	}
}

// TestPhonesTFTPMACWalk: a source walking unknown MACs over TFTP is
// blocked like over HTTP, while a known device behind it keeps its file.
func TestPhonesTFTPMACWalk(t *testing.T) {
	e := newPhoneEnv(t, ThrottleConfig{MaxUnknown: 3})
	e.phones.allow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	srv := startTFTP(t, e.phones)
	get := func(name string) error {
		_, _, err := tftptest.Get(context.Background(), srv, name, "octet")
		return err
	}
	if err := get(yealinkMAC + ".cfg"); err != nil {
		t.Fatalf("known device before the walk: %v", err)
	}
	for i := range 4 {
		if err := get(fmt.Sprintf("805ec0ffff%02x.cfg", i)); err == nil {
			t.Fatalf("unknown MAC %d served", i)
		}
	}
	if err := get("805ec0ffff10.cfg"); err == nil {
		t.Fatal("a blocked source got an unknown MAC's file")
	}
	// The throttle never refuses a request that would be served (as over
	// HTTP): the known phone behind the walker's address keeps working.
	if err := get(yealinkMAC + ".cfg"); err != nil {
		t.Fatalf("known device after the walk: %v", err)
	}
}
