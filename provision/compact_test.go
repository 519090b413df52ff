package provision

import (
	"bytes"
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// TestDeltaRoundTrip: a body kept as a delta against a base comes back
// byte for byte, and a delta of a file like its base is small.
func TestDeltaRoundTrip(t *testing.T) {
	baseBody := []byte("#!version:1.0.0.1\naccount.1.enable = 1\naccount.1.user_name = 1001\naccount.1.password = aaaa\n" +
		"static.auto_provision.server.url = http://p/\nlocal_time.time_zone = +1\n\nlang.gui = English\n")
	b := newBase(baseBody)
	for _, tc := range []struct {
		name      string
		body      string
		wantDelta bool
	}{
		{"same as the base", string(baseBody), true},
		{"two lines differ", strings.NewReplacer("1001", "1002", "aaaa", "bbbb").Replace(string(baseBody)), true},
		{"no final newline", strings.TrimSuffix(string(baseBody), "\n"), true},
		{"lines reordered", "lang.gui = English\n" + strings.TrimSuffix(string(baseBody), "lang.gui = English\n"), true},
		{"nothing in common", strings.Repeat("x", 300) + "\n" + strings.Repeat("y", 100), false},
		{"empty", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := encode(b, []byte(tc.body))
			if (d != nil) != tc.wantDelta {
				t.Fatalf("delta %v, want %v", d != nil, tc.wantDelta)
			}
			if d == nil {
				return
			}
			if got := d.appendTo(nil); !bytes.Equal(got, []byte(tc.body)) {
				t.Fatalf("round trip:\n got %q\nwant %q", got, tc.body)
			}
			if d.size() > len(tc.body)/2+16 && len(tc.body) > 0 {
				t.Errorf("delta holds %d bytes for a %d-byte body", d.size(), len(tc.body))
			}
		})
	}
}

// TestDeltaRandomEdits: random line edits of a base always come back
// exactly (appended to a buffer that already holds something).
func TestDeltaRandomEdits(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var lines []string
	for i := 0; i < 80; i++ {
		lines = append(lines, fmt.Sprintf("key.%d = value %d\n", i%50, rng.Intn(5)))
	}
	b := newBase([]byte(strings.Join(lines, "")))
	for i := 0; i < 500; i++ {
		ls := append([]string(nil), lines...)
		for j := rng.Intn(10); j > 0; j-- {
			switch k := rng.Intn(len(ls)); rng.Intn(3) {
			case 0:
				ls[k] = fmt.Sprintf("changed %d\n", rng.Int())
			case 1:
				ls = append(ls[:k], ls[k+1:]...)
			default:
				ls = append(ls[:k], append([]string{"inserted\n"}, ls[k:]...)...)
			}
		}
		body := []byte(strings.Join(ls, ""))
		if rng.Intn(4) == 0 {
			body = body[:len(body)-1]
		}
		d := encode(b, body)
		if d == nil {
			continue
		}
		if got := d.appendTo([]byte("prefix")); !bytes.Equal(got, append([]byte("prefix"), body...)) {
			t.Fatalf("edit %d: round trip differs:\n got %q\nwant %q", i, got[6:], body)
		}
	}
}
