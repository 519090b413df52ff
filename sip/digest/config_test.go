package digest

import (
	"errors"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want error
	}{
		{"no realm", Config{}, ErrConfigRealm},
		{"realm with CRLF", Config{Realm: "a\r\nb"}, ErrConfigRealm},
		{"realm with quote", Config{Realm: `a"b`}, ErrConfigRealm},
		{"short secret", Config{Realm: "r", Secret: []byte("short")}, ErrConfigSecret},
		{"unknown algorithm", Config{Realm: "r", Algorithms: []string{"SHA-512"}}, ErrConfigAlgorithm},
		{"sess algorithm", Config{Realm: "r", Algorithms: []string{"MD5-sess"}}, ErrConfigAlgorithm},
		{"repeated algorithm", Config{Realm: "r", Algorithms: []string{"MD5", "md5"}}, ErrConfigAlgorithm},
		{"negative ttl", Config{Realm: "r", NonceTTL: -1}, ErrConfigRange},
		{"negative max nonces", Config{Realm: "r", MaxNonces: -1}, ErrConfigRange},
		{"negative window", Config{Realm: "r", FailureWindow: -time.Second}, ErrConfigRange},
		{"negative reject", Config{Realm: "r", RejectAfter: -1}, ErrConfigRange},
		{"drop below reject", Config{Realm: "r", RejectAfter: 10, DropAfter: 5}, ErrConfigRange},
		{"negative drop for", Config{Realm: "r", DropFor: -1}, ErrConfigRange},
		{"negative sources", Config{Realm: "r", MaxSources: -1}, ErrConfigRange},
		{"defaults", Config{Realm: "phoneprov.test"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("New: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	algs := []string{"md5"}
	secret := []byte("0123456789abcdef")
	a, err := New(Config{Realm: "phoneprov.test", Algorithms: algs, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	c := a.cfg
	if c.NonceTTL != 5*time.Minute || c.MaxNonces != 200_000 || c.FailureWindow != 5*time.Minute ||
		c.RejectAfter != 30 || c.DropAfter != 100 || c.DropFor != 15*time.Minute ||
		c.MaxSources != 100_000 || c.Now == nil || c.AllowNoQOP || c.SweepUsers != 10 || c.KnownFor != 24*time.Hour {
		t.Errorf("defaults not applied: %+v", c)
	}
	if len(c.Algorithms) != 1 || c.Algorithms[0] != MD5 || algs[0] != "md5" {
		t.Errorf("algorithms %q (caller's %q), want canonical copy", c.Algorithms, algs)
	}
	secret[0] = 'X'
	if c.Secret[0] != '0' {
		t.Error("secret not copied")
	}
	if a.Realm() != "phoneprov.test" {
		t.Errorf("Realm() = %q", a.Realm())
	}
	b, _ := New(Config{Realm: "r"})
	if len(b.cfg.Secret) != 32 || len(b.cfg.Algorithms) != 2 || b.cfg.Algorithms[0] != SHA256 {
		t.Errorf("generated secret %d bytes, algorithms %q", len(b.cfg.Secret), b.cfg.Algorithms)
	}
}
