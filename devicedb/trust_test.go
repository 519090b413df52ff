package devicedb

import (
	"bytes"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestEveryDeviceHasItsOwnSecrets: devices made by the API, a Classic
// import (supported and carried-over unsupported ones) and a replacement
// each get their own credential and web-UI password, stored encrypted.
func TestEveryDeviceHasItsOwnSecrets(t *testing.T) {
	s, _ := openTest(t)
	mustImport(t, s, joeExport(), importOpts())
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "805ec0a1b2c3", Model: "T46U"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceDevice(ctx, "805ec0a1b2c3", ReplaceRequest{NewMAC: "805ec0a1b2c4", NewModel: "T46U"}); err != nil {
		t.Fatal(err)
	}
	ds, _, err := s.ListDevices(ctx, DeviceFilter{Status: "all"}, Page{Limit: 1000})
	if err != nil || len(ds) < 4 {
		t.Fatalf("devices: %d %v", len(ds), err)
	}
	seen := map[string]bool{}
	var secrets []string
	for _, d := range ds {
		c, err := s.DeviceCredentials(ctx, d.MAC)
		if err != nil {
			t.Fatal(err)
		}
		if c.User != "d"+d.MAC || len(c.Password) < 20 || len(c.WebUIPassword) < 12 || c.NextPassword != "" {
			t.Fatalf("%s (%s): credentials %+v", d.MAC, d.Status, c)
		}
		for _, v := range []string{c.Password, c.WebUIPassword} {
			if seen[v] {
				t.Fatalf("%s: a secret shared with another device", d.MAC)
			}
			seen[v] = true
			secrets = append(secrets, v)
		}
	}
	raw := storedBytes(t, s)
	for _, v := range secrets {
		// (PostgreSQL shows a bytea as hex.)
		if bytes.Contains(raw, []byte(v)) || bytes.Contains(raw, []byte(hex.EncodeToString([]byte(v)))) {
			t.Fatal("a device secret is stored in clear text")
		}
	}
}

// TestSecretsIssuedForOlderDevices: devices from before credentials
// existed get theirs when the database is opened.
func TestSecretsIssuedForOlderDevices(t *testing.T) {
	p := filepath.Join(t.TempDir(), "phoneprov.db")
	s, err := Open(ctx, Options{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: "805ec0a1b2c3", Model: "T46U"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.Exec(`UPDATE devices SET http_user = '', http_password_enc = NULL, web_ui_password_enc = NULL`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s, err = Open(ctx, Options{Path: p}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.DeviceCredentials(ctx, "805ec0a1b2c3")
	if err != nil || c.User == "" || c.Password == "" || c.WebUIPassword == "" {
		t.Fatalf("after reopening: %+v %v", c, err)
	}
}

// TestRotateAndEnroll: a rotation keeps the old password until the new
// one is promoted; an enrollment token is found by its value, used once,
// and both are audited.
func TestRotateAndEnroll(t *testing.T) {
	s, clk := openTest(t)
	const mac = "805ec0a1b2c3"
	if _, err := s.CreateDevice(ctx, NewDevice{MAC: mac, Model: "T46U"}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.DeviceCredentials(ctx, mac)
	c, err := s.RotateDeviceCredentials(ctx, mac, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.Password != before.Password || c.NextPassword == "" || c.Newest() != c.NextPassword || c.WebUIPassword == before.WebUIPassword {
		t.Fatalf("after rotation: %+v (before %+v)", c, before)
	}
	if err := s.PromoteDeviceCredential(ctx, mac); err != nil {
		t.Fatal(err)
	}
	after, _ := s.DeviceCredentials(ctx, mac)
	if after.Password != c.NextPassword || after.NextPassword != "" {
		t.Fatalf("after promotion: %+v", after)
	}
	if _, err := s.RotateDeviceCredentials(ctx, "805ec0ffffff", false); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rotating an unknown device: %v", err)
	}

	for _, ttl := range []time.Duration{0, time.Millisecond, 31 * 24 * time.Hour} {
		if _, err := s.CreateEnrollment(ctx, mac, ttl); !errors.Is(err, ErrInvalid) {
			t.Fatalf("ttl %v: %v", ttl, err)
		}
	}
	e, err := s.CreateEnrollment(ctx, mac, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Expires.Equal(clk.Now().Add(time.Hour)) || len(e.Token) < 32 {
		t.Fatalf("enrollment: %+v", e)
	}
	got, err := s.EnrollmentByToken(ctx, e.Token)
	if err != nil || got == nil || got.MAC != mac || !got.Used.IsZero() {
		t.Fatalf("by token: %+v %v", got, err)
	}
	if none, _ := s.EnrollmentByToken(ctx, e.Token+"x"); none != nil {
		t.Fatal("a wrong token found an enrollment")
	}
	if err := s.UseEnrollment(ctx, mac, "192.0.2.5"); err != nil {
		t.Fatal(err)
	}
	clk.Add(time.Minute)
	s.UseEnrollment(ctx, mac, "192.0.2.6") // a second use changes nothing
	got, _ = s.DeviceEnrollment(ctx, mac)
	if got.UsedIP != "192.0.2.5" || got.Used.IsZero() {
		t.Fatalf("used: %+v", got)
	}
	p, err := s.DeviceProvisioning(ctx, mac, "https://pbx.example:8443/")
	if err != nil || p.URL != "https://d"+mac+":"+after.Password+"@pbx.example:8443/" || p.Enrollment == nil || p.Enrollment.UsedAt == nil ||
		p.Enrollment.URL != "https://pbx.example:8443/e/"+e.Token+"/" {
		t.Fatalf("provisioning: %+v %v", p, err)
	}
	es, _, err := s.ListAudit(ctx, AuditFilter{Entity: "device", EntityID: mac}, Page{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range es {
		actions[e.Action]++
	}
	for _, a := range []string{"rotate_credentials", "credential_rotated_in_use", "create_enrollment", "enrollment_used"} {
		if actions[a] != 1 {
			t.Errorf("audit %s: %d entries (%v)", a, actions[a], actions)
		}
	}
}

// storedBytes returns everything s stores and closes it: the SQLite file,
// or on PostgreSQL the text of every row of every table.
func storedBytes(t *testing.T, s *Store) []byte {
	t.Helper()
	var raw []byte
	if s.pg {
		var tables []string
		rows, err := s.r.QueryContext(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = current_schema()`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, n)
		}
		if err := rows.Close(); err != nil || len(tables) == 0 {
			t.Fatalf("tables %v: %v", tables, err)
		}
		for _, n := range tables {
			var text sql.NullString
			if err := s.r.QueryRowContext(ctx, `SELECT string_agg(t::text, ' ') FROM `+n+` t`).Scan(&text); err != nil {
				t.Fatal(err)
			}
			raw = append(raw, text.String...)
		}
	}
	path := s.path
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if !s.pg {
		var err error
		if raw, err = os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	return raw
}
