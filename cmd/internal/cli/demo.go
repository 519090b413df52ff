package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"

	"github.com/phoneprov/phoneprov/devicedb"
)

// seedDemo creates a small demo account and a console admin on an empty
// database and prints what to try. On a database with users it creates
// nothing and says so.
func seedDemo(ctx context.Context, s *devicedb.Store, c *serveConfig, ls *listeners, out io.Writer) error {
	us, _, err := s.ListUsers(ctx, devicedb.UserFilter{}, devicedb.Page{Limit: 1})
	if err != nil {
		return err
	}
	created, adminPW := len(us) == 0, ""
	if created {
		dctx := devicedb.WithActor(ctx, "demo")
		if err := createDemo(dctx, s); err != nil {
			return fmt.Errorf("seeding demo account: %w", err)
		}
		adminPW = "demo-" + rand.Text()[:12]
		if _, err := s.CreateAdmin(dctx, "demo", adminPW); err != nil && !errors.Is(err, devicedb.ErrConflict) {
			return fmt.Errorf("creating the demo admin: %w", err)
		} else if err != nil {
			adminPW = ""
		}
	}
	base := "http://" + hostPort(ls.http)
	if ls.http == nil {
		base = "https://" + hostPort(ls.https)
	}
	tok := filepath.Join(c.Data, "admin.token")
	if created {
		fmt.Fprintln(out, "\nphoneprov demo account is ready: 3 users (alice, bob, carol), 3 licenses, 2 phones.")
	} else {
		fmt.Fprintln(out, "\nphoneprov --demo: the database already holds an account; the demo created nothing.")
	}
	fmt.Fprintf(out, `
  Console:     %[1]s/
  Admin API:   %[1]s/api/v1   (token in %[2]s; description at %[1]s/api/v1/openapi.json)
  Health:      %[1]s/healthz
  Metrics:     %[1]s/metrics
`, base, tok)
	if adminPW != "" {
		fmt.Fprintf(out, "\n  Console sign-in: admin \"demo\", password %s (shown once)\n", adminPW)
	}
	fmt.Fprintf(out, `  More console admins: phoneprov admin add --data %[3]s NAME

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

`, base, tok, c.Data)
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
