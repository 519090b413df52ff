package devicedb

import (
	"bytes"
	"encoding/json"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/templates"
)

// renderFreeze renders every file kind of the device's family as the
// config server's Freeze does, for a realistic cost.
func renderFreeze(t testing.TB) FreezeFunc {
	r, err := templates.NewRenderer(templates.RendererConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return func(d *Device, m templates.Model) ([]byte, error) {
		cfg := &templates.DeviceConfig{MAC: d.MAC, Model: m, ProvisionURL: "http://192.0.2.1:8080/", NTPServer: "pool.ntp.org",
			TimeZone: DefaultTimeZone, Language: DefaultLanguage, ResyncInterval: 86400,
			SIP: templates.SIPServer{Domain: "phoneprov.test", Host: "192.0.2.1", Port: 5060, Transport: "udp"}}
		for _, l := range d.Lines {
			cfg.Lines = append(cfg.Lines, templates.Line{Index: l.Line, Enabled: l.Enabled, User: l.Extension, AuthUser: l.AuthUser,
				Password: l.Password, DisplayName: l.DisplayName, Label: l.Extension, Expiry: 3600})
		}
		files := map[string]map[string]string{}
		for _, k := range r.Kinds(m.Family) {
			var b bytes.Buffer
			ct, err := r.Render(&b, k, cfg)
			if errors.Is(err, templates.ErrUnknownKind) {
				continue
			}
			if err != nil {
				return nil, err
			}
			files[k] = map[string]string{"content_type": ct, "body": b.String()}
		}
		return json.Marshal(files)
	}
}

// BenchmarkImportLarge imports a generated account of 10,000 users,
// 12,000 extensions and 8,000 devices (2,000 unsupported) into an empty
// store, and reports the peak resident memory of the process.
//
//	go test ./devicedb -run '^$' -bench ImportLarge -benchtime 1x
func BenchmarkImportLarge(b *testing.B) {
	exp := SyntheticExport(10000, 12000, 8000)
	freeze := renderFreeze(b)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		s, _ := openTest(b)
		b.StartTimer()
		start := time.Now()
		rep, err := s.ImportClassic(ctx, exp, ImportOptions{Freeze: freeze})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/import")
		if rep.Totals.UsersCreated != 12000 || rep.Totals.DevicesActivated+rep.Totals.DevicesUnsupported != 8000 {
			b.Fatalf("totals: %+v", rep.Totals)
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}
