package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"

	"github.com/phoneprov/phoneprov/devicedb"
)

// seedDemo creates a small demo account on an empty database and prints
// what to try. On a database with users it only prints.
func seedDemo(ctx context.Context, s *devicedb.Store, c *serveConfig, ls *listeners, out io.Writer) error {
	us, _, err := s.ListUsers(ctx, devicedb.UserFilter{}, devicedb.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(us) == 0 {
		if err := createDemo(devicedb.WithActor(ctx, "demo"), s); err != nil {
			return fmt.Errorf("seeding demo account: %w", err)
		}
	}
	base := "http://" + hostPort(ls.http)
	if ls.http == nil {
		base = "https://" + hostPort(ls.https)
	}
	tok := filepath.Join(c.Data, "admin.token")
	fmt.Fprintf(out, `
phoneprov demo account is ready.

  Admin API:   %[1]s/api/v1   (token in %[2]s)
  Health:      %[1]s/healthz
  Metrics:     %[1]s/metrics

Try:
  curl -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/users
  curl -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/devices/805ec0a1b2c3
  curl -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/licenses?status=unassigned

As a phone (Alice's Yealink T46U fetching its config with its own credential,
which GET .../provisioning shows; needs jq):
  curl -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/devices/805ec0a1b2c3/provisioning
  curl --digest -u "$(curl -s -H "Authorization: Bearer $(cat %[2]s)" %[1]s/api/v1/devices/805ec0a1b2c3/provisioning | jq -r '.username+":"+.password')" \
    -A "Yealink SIP-T46U 108.86.0.90 80:5e:c0:a1:b2:c3" %[1]s/805ec0a1b2c3.cfg
  curl "%[1]s/api/v1/identify?path=/805ec0a1b2c3.cfg" -H "Authorization: Bearer $(cat %[2]s)"

`, base, tok)
	return nil
}

func hostPort(l net.Listener) string {
	if l == nil {
		return ""
	}
	a := l.Addr().(*net.TCPAddr)
	if a.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(a.Port))
	}
	return a.String()
}

func createDemo(ctx context.Context, s *devicedb.Store) error {
	type person struct{ user, first, last, ext string }
	people := []person{{"alice", "Alice", "Archer", "1001"}, {"bob", "Bob", "Baker", "1002"}, {"carol", "Carol", "Cooper", "1003"}}
	ids := map[string]int64{}
	for _, p := range people {
		u, err := s.CreateUser(ctx, devicedb.NewUser{Username: p.user, FirstName: p.first, LastName: p.last,
			Email: p.user + "@acme.example", Extension: p.ext, TimeZone: "America/New_York", Language: "en-US"})
		if err != nil {
			return err
		}
		ids[p.user] = u.ID
	}
	for i, who := range []string{"alice", "bob", ""} {
		l, err := s.CreateLicense(ctx, devicedb.NewLicense{ID: fmt.Sprintf("L-DEMO-%d", i+1), Type: "X4", Country: "US",
			ServiceAddress: "1 Main St, New York, NY"})
		if err != nil {
			return err
		}
		if who != "" {
			if _, err := s.AssignLicense(ctx, ids[who], l.ID); err != nil {
				return err
			}
		}
	}
	for _, d := range []struct{ mac, model, user string }{
		{"805ec0a1b2c3", "Yealink T46U", "alice"}, {"0004f2a1b2c3", "Poly VVX 410", "bob"},
	} {
		if _, err := s.CreateDevice(ctx, devicedb.NewDevice{MAC: d.mac, Model: d.model}); err != nil {
			return err
		}
		if _, err := s.SetLine(ctx, d.mac, 1, ids[d.user]); err != nil {
			return err
		}
	}
	return nil
}
