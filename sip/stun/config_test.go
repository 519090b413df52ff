package stun

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestNewValidates(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want error
	}{
		{"zero config", Config{}, nil},
		{"negative rate", Config{RatePerSecond: -1}, ErrBadRate},
		{"nan rate", Config{RatePerSecond: math.NaN()}, ErrBadRate},
		{"infinite rate", Config{RatePerSecond: math.Inf(1)}, ErrBadRate},
		{"negative burst", Config{Burst: -1}, ErrBadBurst},
		{"negative max sources", Config{MaxSources: -5}, ErrBadMaxSources},
		{"negative workers", Config{Workers: -1}, ErrBadWorkers},
		{"too many workers", Config{Workers: MaxWorkers + 1}, ErrBadWorkers},
		{"software 128 characters", Config{Software: strings.Repeat("é", 128)}, nil},
		{"software 129 characters", Config{Software: strings.Repeat("a", 129)}, ErrBadSoftware},
		{"software not utf-8", Config{Software: "\xff"}, ErrBadSoftware},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv, err := New(c.cfg)
			if !errors.Is(err, c.want) || (err == nil) != (srv != nil) {
				t.Fatalf("New: %v, %v; want error %v", srv, err, c.want)
			}
			if e := c.want; e != nil && (strings.ToLower(e.Error()) != e.Error() || strings.HasSuffix(e.Error(), ".")) {
				t.Errorf("error text %q: want lower case without trailing punctuation", e)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	srv, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.cfg
	if c.Software != DefaultSoftware || c.RatePerSecond != DefaultRatePerSecond || c.Burst != DefaultBurst ||
		c.MaxSources != DefaultMaxSources || c.Workers != DefaultWorkers || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestOutcomeString(t *testing.T) {
	seen := map[string]bool{}
	for o := OutcomeMalformed; o <= OutcomeThrottled; o++ {
		s := o.String()
		if s == "unknown" || seen[s] {
			t.Errorf("outcome %d: name %q missing or repeated", o, s)
		}
		seen[s] = true
	}
	if s := Outcome(200).String(); s != "unknown" {
		t.Errorf("Outcome(200) = %q", s)
	}
}
