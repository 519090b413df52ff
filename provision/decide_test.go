package provision

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/templates"
)

const obiMAC = "9cadef000202"

// trustCatalog is the embedded catalog with the T46U's User-Agent marked
// as carrying the MAC and the OBi202's as proving nothing.
func trustCatalog(t *testing.T) *templates.Catalog {
	t.Helper()
	ms := templates.Default().Models()
	for i := range ms {
		switch ms[i].Model {
		case "T46U":
			ms[i].UserAgent = "mac"
		case "OBi202":
			ms[i].UserAgent = "none"
		}
	}
	b, err := json.Marshal(ms)
	if err != nil {
		t.Fatal(err)
	}
	c, err := templates.ParseCatalog(b)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// trustPhones is the config routes in one --device-auth mode over a store
// with a Yealink T46U, a Poly VVX 410 and an OBi202, each with a line.
func trustPhones(t *testing.T, mode string, allow ...netip.Prefix) (*Phones, *devicedb.Store) {
	t.Helper()
	ctx := context.Background()
	s, err := devicedb.Open(ctx, devicedb.Options{Path: filepath.Join(t.TempDir(), "db"), Catalog: trustCatalog(t)})
	if err != nil {
		t.Fatal(err)
	}
	r, err := templates.NewRenderer(templates.RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ph, err := NewPhones(PhonesConfig{Store: s, Renderer: r, DeviceAuth: mode, Allow: allow,
		Settings: Settings{Domain: "phoneprov.test", PublicHost: "192.0.2.10", ProvisionURL: "https://192.0.2.10:8443/"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ph.Close(); s.Close() })
	u, err := s.CreateUser(ctx, devicedb.NewUser{Username: "alice", FirstName: "Alice", Extension: "1001"})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []struct{ mac, model string }{{yealinkMAC, "T46U"}, {polyMAC, "VVX 410"}, {obiMAC, "OBi202"}} {
		if _, err := s.CreateDevice(ctx, devicedb.NewDevice{MAC: d.mac, Model: d.model}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetLine(ctx, d.mac, 1, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	return ph, s
}

func basic(t *testing.T, s *devicedb.Store, mac string) string {
	t.Helper()
	user, pw, err := s.DeviceHTTPCredentials(context.Background(), mac)
	if err != nil {
		t.Fatal(err)
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pw))
}

// TestDecideDeviceAuth: what each --device-auth mode serves, per proof.
func TestDecideDeviceAuth(t *testing.T) {
	const (
		yFile     = "/" + yealinkMAC + ".cfg"
		oFile     = "/" + "9CADEF000202.xml"
		yNoMAC    = "Yealink SIP-T46U 108.86.0.90"
		unknownUA = "Yealink SIP-T46U 108.86.0.90 80:5e:c0:ff:ff:ff"
	)
	inside, outside := netip.MustParseAddr("192.0.2.5"), netip.MustParseAddr("198.51.100.1")
	lan := netip.MustParsePrefix("192.0.2.0/24")
	type tc struct {
		name     string
		path, ua string
		auth     string // "right", "other" (another device's), "bogus" or ""
		authMAC  string // whose credential "right" means; default the path's device
		tls      bool
		cert     string
		src      netip.Addr
		tftp     bool
		want     int
	}
	run := func(t *testing.T, mode string, allow []netip.Prefix, cases []tc) {
		ph, s := trustPhones(t, mode, allow...)
		for _, c := range cases {
			req := PhoneRequest{Method: "GET", Path: c.path, UserAgent: c.ua, TLS: c.tls, CertMAC: c.cert, Source: c.src, NoUserAgent: c.tftp}
			if !req.Source.IsValid() {
				req.Source = inside
			}
			mac := c.authMAC
			if mac == "" {
				mac = ph.id.Identify("", c.path).MAC
			}
			switch c.auth {
			case "right":
				req.Authorization = basic(t, s, mac)
			case "other":
				req.Authorization = basic(t, s, polyMAC)
			case "bogus":
				req.Authorization = "Basic " + base64.StdEncoding.EncodeToString([]byte("d"+mac+":guess"))
			}
			d := ph.Decide(context.Background(), req)
			if d.Status != c.want {
				t.Errorf("%s/%s: %d (%s), want %d", mode, c.name, d.Status, d.Reason, c.want)
			}
			if d.Status == 200 && c.path != "/y000000000028.cfg" && len(d.Body) == 0 {
				t.Errorf("%s/%s: 200 without a body", mode, c.name)
			}
		}
	}
	t.Run("credentials", func(t *testing.T) {
		run(t, DeviceAuthCredentials, nil, []tc{
			{name: "phone UA, own credential over TLS", path: yFile, ua: yealinkUA, auth: "right", tls: true, want: 200},
			{name: "basic over plain HTTP", path: yFile, ua: yealinkUA, auth: "right", want: 404},
			{name: "another device's credential", path: yFile, ua: yealinkUA, auth: "other", tls: true, want: 404},
			{name: "guessed password", path: yFile, ua: yealinkUA, auth: "bogus", tls: true, want: 404},
			{name: "curl with the credential", path: yFile, ua: "curl/8.5.0", auth: "right", tls: true, want: 404},
			{name: "no UA with the credential", path: yFile, auth: "right", tls: true, want: 404},
			{name: "UA without the MAC the model sends", path: yFile, ua: yNoMAC, auth: "right", tls: true, want: 404},
			{name: "another model's UA", path: yFile, ua: "Yealink SIP-T31P 124.86.0.40 80:5e:c0:a1:b2:c3", auth: "right", tls: true, want: 404},
			{name: "stolen MAC: phone UA, no proof", path: yFile, ua: yealinkUA, want: 401},
			{name: "unknown MAC, no proof: the same challenge", path: "/805ec0ffffff.cfg", ua: unknownUA, want: 401},
			{name: "unknown MAC with a credential", path: "/805ec0ffffff.cfg", ua: unknownUA, auth: "bogus", tls: true, want: 404},
			{name: "device certificate naming the MAC", path: yFile, ua: yealinkUA, tls: true, cert: yealinkMAC, want: 200},
			{name: "device certificate naming another MAC", path: yFile, ua: yealinkUA, tls: true, cert: polyMAC, want: 404},
			{name: "model without a usable UA, credential", path: oFile, auth: "right", tls: true, want: 200},
			{name: "model without a usable UA, no proof", path: oFile, want: 401},
			{name: "shared file, no MAC: open", path: "/y000000000028.cfg", want: 200},
			{name: "no User-Agent on the transport (TFTP), no proof: no challenge", path: yFile, tftp: true, want: 404},
			{name: "shared file over TFTP", path: "/y000000000028.cfg", tftp: true, want: 200},
		})
	})
	t.Run("open", func(t *testing.T) {
		run(t, DeviceAuthOpen, nil, []tc{
			{name: "phone UA alone", path: yFile, ua: yealinkUA, want: 200},
			{name: "curl", path: yFile, ua: "curl/8.5.0", want: 404},
			{name: "model without a usable UA, nothing else", path: oFile, want: 404},
			{name: "model without a usable UA, credential", path: oFile, auth: "right", tls: true, want: 200},
		})
	})
	t.Run("network", func(t *testing.T) {
		run(t, DeviceAuthNetwork, []netip.Prefix{lan}, []tc{
			{name: "phone UA inside --allow", path: yFile, ua: yealinkUA, want: 200},
			{name: "phone UA outside --allow, with credential", path: yFile, ua: yealinkUA, auth: "right", tls: true, src: outside, want: 404},
			{name: "curl inside --allow", path: yFile, ua: "curl/8.5.0", want: 404},
			{name: "model without a usable UA inside --allow", path: oFile, want: 200},
			{name: "no User-Agent on the transport (TFTP) inside --allow", path: yFile, tftp: true, want: 200},
			{name: "no User-Agent on the transport (TFTP) outside --allow", path: yFile, tftp: true, src: outside, want: 404},
		})
	})
	if _, err := NewPhones(PhonesConfig{Store: &devicedb.Store{}, Renderer: &templates.Renderer{}, DeviceAuth: DeviceAuthNetwork,
		Settings: Settings{Domain: "d", PublicHost: "h", ProvisionURL: "u"}}); err == nil {
		t.Error("network mode without --allow accepted")
	}
}

// TestDecideHTTPAuthSwitchInOpenMode: the old per-device switch asks for
// the device's credential even in open mode, with a challenge (the
// credential is in the phone's config, so it is never locked out).
func TestDecideHTTPAuthSwitchInOpenMode(t *testing.T) {
	ph, s := trustPhones(t, DeviceAuthOpen)
	if _, err := s.SetDeviceHTTPCredentials(context.Background(), polyMAC, true); err != nil {
		t.Fatal(err)
	}
	req := PhoneRequest{Path: "/phoneprov-" + polyMAC + ".cfg", UserAgent: polyUA, Source: netip.MustParseAddr("192.0.2.5")}
	if d := ph.Decide(context.Background(), req); d.Status != 401 || len(d.Challenges) == 0 {
		t.Fatalf("without credential: %d %v", d.Status, d.Challenges)
	}
	req.Authorization, req.TLS = basic(t, s, polyMAC), true
	if d := ph.Decide(context.Background(), req); d.Status != 200 {
		t.Fatalf("with credential: %d %s", d.Status, d.Reason)
	}
}

// TestDecideRotationAndEnrollment: a rotated credential takes over when
// used; an enrollment token works for its device, within its window, from
// the address that first used it.
func TestDecideRotationAndEnrollment(t *testing.T) {
	ph, s := trustPhones(t, DeviceAuthCredentials)
	ctx := context.Background()
	src := netip.MustParseAddr("192.0.2.5")
	req := PhoneRequest{Path: "/" + yealinkMAC + ".cfg", UserAgent: yealinkUA, Source: src, TLS: true}
	old := basic(t, s, yealinkMAC)
	if _, err := s.RotateDeviceCredentials(ctx, yealinkMAC, true); err != nil {
		t.Fatal(err)
	}
	fresh := basic(t, s, yealinkMAC)
	req.Authorization = old
	if d := ph.Answer(ctx, req); d.Status != 200 {
		t.Fatalf("old credential before the new one is used: %d", d.Status)
	}
	req.Authorization = fresh
	if d := ph.Answer(ctx, req); d.Status != 200 {
		t.Fatalf("new credential: %d", d.Status)
	}
	req.Authorization = old
	if d := ph.Answer(ctx, req); d.Status != 404 {
		t.Fatalf("old credential after the new one was used: %d", d.Status)
	}

	e, err := s.CreateEnrollment(ctx, yealinkMAC, 3600e9)
	if err != nil {
		t.Fatal(err)
	}
	req.Authorization, req.TLS = "", false
	req.Path = "/e/" + e.Token + "/" + polyMAC + ".cfg"
	req.UserAgent = polyUA
	if d := ph.Answer(ctx, req); d.Status != 404 {
		t.Fatalf("token for another device: %d", d.Status)
	}
	req.Path, req.UserAgent = "/e/"+e.Token+"/"+yealinkMAC+".cfg", yealinkUA
	if d := ph.Answer(ctx, req); d.Status != 200 {
		t.Fatalf("enrollment: %d %s", d.Status, d.Reason)
	}
	if d := ph.Answer(ctx, req); d.Status != 200 {
		t.Fatalf("enrollment, the next boot file from the same address: %d", d.Status)
	}
	req.Source = netip.MustParseAddr("192.0.2.6")
	if d := ph.Answer(ctx, req); d.Status != 404 {
		t.Fatalf("used token from another address: %d", d.Status)
	}
	if got, _ := s.DeviceEnrollment(ctx, yealinkMAC); got == nil || got.Used.IsZero() || got.UsedIP != "192.0.2.5" {
		t.Fatalf("enrollment use not recorded: %+v", got)
	}
}
