package devicedb

import (
	"fmt"
	"testing"
)

// seedDevices creates n devices of one model, each with line 1 on its own
// licensed user.
func seedDevices(b *testing.B, s *Store, n int) []string {
	b.Helper()
	macs := make([]string, n)
	for i := 0; i < n; i++ {
		u, err := s.CreateUser(ctx, NewUser{Username: fmt.Sprintf("user%06d", i), Extension: fmt.Sprintf("%d", 100000+i)})
		if err != nil {
			b.Fatal(err)
		}
		l, err := s.CreateLicense(ctx, NewLicense{Type: "X2", Country: "US"})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.AssignLicense(ctx, u.ID, l.ID); err != nil {
			b.Fatal(err)
		}
		macs[i] = fmt.Sprintf("0004f2%06x", i)
		if _, err := s.CreateDevice(ctx, NewDevice{MAC: macs[i], Model: "VVX 410"}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SetLine(ctx, macs[i], 1, u.ID); err != nil {
			b.Fatal(err)
		}
	}
	return macs
}

// BenchmarkDeviceConfig is the config server's hot read: a device with its
// lines, users and decrypted passwords, by MAC.
func BenchmarkDeviceConfig(b *testing.B) {
	s, _ := openTest(b)
	macs := seedDevices(b, s, 1000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := s.DeviceConfig(ctx, macs[i%len(macs)])
		if err != nil || len(d.Lines) != 1 {
			b.Fatal(d, err)
		}
	}
}

// BenchmarkCreateDeviceAssignLine is the admin write path.
func BenchmarkCreateDeviceAssignLine(b *testing.B) {
	s, _ := openTest(b)
	u, _ := s.CreateUser(ctx, NewUser{Username: "bench", Extension: "1001"})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		mac := fmt.Sprintf("0004f3%06x", i)
		if _, err := s.CreateDevice(ctx, NewDevice{MAC: mac, Model: "VVX 410"}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.SetLine(ctx, mac, 1, u.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListDevices10k lists 10,000 devices page by page (100 a page).
func BenchmarkListDevices10k(b *testing.B) {
	s, _ := openTest(b)
	seedDevices(b, s, 10000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, p := 0, Page{Limit: 100}
		for {
			ds, next, err := s.ListDevices(ctx, DeviceFilter{}, p)
			if err != nil {
				b.Fatal(err)
			}
			n += len(ds)
			if next == "" {
				break
			}
			p.Cursor = next
		}
		if n != 10000 {
			b.Fatalf("listed %d", n)
		}
	}
}
