package templates

import (
	"errors"
	"testing"
	"time"
)

// tzCase is one zone with what every vendor format must say about it.
type tzCase struct {
	zone      string
	std, save int // seconds
	start     tzChange
	end       tzChange
	poly      polyTime
	yealink   yealinkTime
	cisco     ciscoTime
	posix     string
	snom      snomTime
	fanvil    fanvilTime
	obihai    obihaiTime
}

var tzCases = []tzCase{
	{zone: "America/New_York", std: -18000, save: 3600,
		start:   tzChange{Month: 3, Week: 2, Weekday: time.Sunday, Day: 9, Hour: 2},
		end:     tzChange{Month: 11, Week: 1, Weekday: time.Sunday, Day: 2, Hour: 2},
		poly:    polyTime{GMTOffset: -18000, DST: true, Start: polyDST{3, 8, 1, false, 2}, Stop: polyDST{11, 1, 1, false, 2}},
		yealink: yealinkTime{"-5", "United States-Eastern Time", 1, "3/2/7/2", "11/1/7/2", 60},
		cisco:   ciscoTime{"GMT-05:00", true, "start=3/8/7/2:0:0;end=11/1/7/2:0:0;save=1:0:0"},
		posix:   "EST+5EDT,M3.2.0/02:00:00,M11.1.0/02:00:00",
		snom:    snomTime{"USA-5", -18000, "3600 03.02.7 02:00:00 11.01.7 02:00:00"},
		fanvil:  fanvilTime{-20, "UTC-05", true, 60, fanvilDST{3, 2, 0, 2}, fanvilDST{11, 1, 0, 2}},
		obihai:  obihaiTime{"GMT-05:00", true, "3,2,7,2", "11,1,7,2"}},
	{zone: "Europe/Berlin", std: 3600, save: 3600,
		start:   tzChange{Month: 3, Week: 5, Weekday: time.Sunday, Day: 30, Hour: 2},
		end:     tzChange{Month: 10, Week: 5, Weekday: time.Sunday, Day: 26, Hour: 3},
		poly:    polyTime{GMTOffset: 3600, DST: true, Start: polyDST{3, 0, 1, true, 2}, Stop: polyDST{10, 0, 1, true, 3}},
		yealink: yealinkTime{"+1", "Germany(Berlin)", 1, "3/5/7/2", "10/5/7/3", 60},
		cisco:   ciscoTime{"GMT+01:00", true, "start=3/-1/7/2:0:0;end=10/-1/7/3:0:0;save=1:0:0"},
		posix:   "CET-1CEST,M3.5.0/02:00:00,M10.5.0/03:00:00",
		snom:    snomTime{"GER+1", 3600, "3600 03.05.7 02:00:00 10.05.7 03:00:00"},
		fanvil:  fanvilTime{4, "UTC+01", true, 60, fanvilDST{3, -1, 0, 2}, fanvilDST{10, -1, 0, 3}},
		obihai:  obihaiTime{"GMT+01:00", true, "3,-1,7,2", "10,-1,7,3"}},
	{zone: "Australia/Sydney", std: 36000, save: 3600, // southern hemisphere: DST over new year
		start:   tzChange{Month: 10, Week: 1, Weekday: time.Sunday, Day: 5, Hour: 2},
		end:     tzChange{Month: 4, Week: 1, Weekday: time.Sunday, Day: 6, Hour: 3},
		poly:    polyTime{GMTOffset: 36000, DST: true, Start: polyDST{10, 1, 1, false, 2}, Stop: polyDST{4, 1, 1, false, 3}},
		yealink: yealinkTime{"+10", "Australia(Sydney,Melbourne,Canberra)", 1, "10/1/7/2", "4/1/7/3", 60},
		cisco:   ciscoTime{"GMT+10:00", true, "start=10/1/7/2:0:0;end=4/1/7/3:0:0;save=1:0:0"},
		posix:   "AEST-10AEDT,M10.1.0/02:00:00,M4.1.0/03:00:00",
		snom:    snomTime{"AUS+10", 36000, "3600 10.01.7 02:00:00 04.01.7 03:00:00"},
		fanvil:  fanvilTime{40, "UTC+10", true, 60, fanvilDST{10, 1, 0, 2}, fanvilDST{4, 1, 0, 3}},
		obihai:  obihaiTime{"GMT+10:00", true, "10,1,7,2", "4,1,7,3"}},
	{zone: "Asia/Kolkata", std: 19800, // half-hour offset, no DST
		yealink: yealinkTime{Zone: "+5:30", ZoneName: "India(Calcutta)"},
		poly:    polyTime{GMTOffset: 19800},
		cisco:   ciscoTime{Zone: "GMT+05:30"},
		posix:   "IST-5:30",
		snom:    snomTime{"IND+5.5", 19800, ""},
		fanvil:  fanvilTime{Zone: 22, ZoneName: "UTC+5:30"},
		obihai:  obihaiTime{Zone: "GMT+05:30"}},
	{zone: "America/St_Johns", std: -12600, save: 3600, // negative half-hour offset with DST
		start:   tzChange{Month: 3, Week: 2, Weekday: time.Sunday, Day: 9, Hour: 2},
		end:     tzChange{Month: 11, Week: 1, Weekday: time.Sunday, Day: 2, Hour: 2},
		poly:    polyTime{GMTOffset: -12600, DST: true, Start: polyDST{3, 8, 1, false, 2}, Stop: polyDST{11, 1, 1, false, 2}},
		yealink: yealinkTime{"-3:30", "Canada-New Foundland(St.Johns)", 1, "3/2/7/2", "11/1/7/2", 60},
		cisco:   ciscoTime{"GMT-03:30", true, "start=3/8/7/2:0:0;end=11/1/7/2:0:0;save=1:0:0"},
		posix:   "NST+3:30NDT,M3.2.0/02:00:00,M11.1.0/02:00:00",
		snom:    snomTime{"CAN-3.5", -12600, "3600 03.02.7 02:00:00 11.01.7 02:00:00"},
		fanvil:  fanvilTime{-14, "UTC-3:30", true, 60, fanvilDST{3, 2, 0, 2}, fanvilDST{11, 1, 0, 2}},
		obihai:  obihaiTime{"GMT-03:30", true, "3,2,7,2", "11,1,7,2"}},
	{zone: "", std: 0, // empty zone name: UTC
		yealink: yealinkTime{Zone: "+0"}, poly: polyTime{}, cisco: ciscoTime{Zone: "GMT+00:00"},
		posix: "UTC+0", snom: snomTime{"GMT+0", 0, ""}, fanvil: fanvilTime{Zone: 0, ZoneName: "UTC"},
		obihai: obihaiTime{Zone: "GMT+00:00"}},
	{zone: "America/Sao_Paulo", std: -10800, // no DST since 2019; abbreviation is numeric
		yealink: yealinkTime{Zone: "-3"}, poly: polyTime{GMTOffset: -10800}, cisco: ciscoTime{Zone: "GMT-03:00"},
		posix: "STD+3", snom: snomTime{"BRA-3", -10800, ""}, fanvil: fanvilTime{Zone: -12, ZoneName: "UTC-03"},
		obihai: obihaiTime{Zone: "GMT-03:00"}},
}

// TestZoneRules checks the rules read off the zone data for 2025 and
// their conversion into every vendor format.
func TestZoneRules(t *testing.T) {
	for _, c := range tzCases {
		t.Run(c.zone, func(t *testing.T) {
			z, err := zoneRules(c.zone, 2025)
			if err != nil {
				t.Fatal(err)
			}
			if z.StdOffset != c.std || z.DSTSave() != c.save || z.Start != c.start || z.End != c.end {
				t.Errorf("rules = std %d save %d start %+v end %+v, want std %d save %d start %+v end %+v",
					z.StdOffset, z.DSTSave(), z.Start, z.End, c.std, c.save, c.start, c.end)
			}
			check := func(name string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %+v, want %+v", name, got, want)
				}
			}
			check("poly", polycomTime(z), c.poly)
			check("yealink", yealinkTimeOf(z), c.yealink)
			check("cisco", ciscoTimeOf(z), c.cisco)
			check("posix", posixTZ(z), c.posix)
			check("snom", snomTimeOf(z), c.snom)
			check("fanvil", fanvilTimeOf(z), c.fanvil)
			check("obihai", obihaiTimeOf(z), c.obihai)
		})
	}
}

// TestZoneRulesStableAcrossYears: a week-of-month rule read off another
// year's dates is the same rule.
func TestZoneRulesStableAcrossYears(t *testing.T) {
	for _, zone := range []string{"America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Chicago"} {
		base, err := zoneRules(zone, 2025)
		if err != nil {
			t.Fatal(err)
		}
		for year := 2026; year <= 2032; year++ {
			z, err := zoneRules(zone, year)
			if err != nil {
				t.Fatal(err)
			}
			if posixTZ(z) != posixTZ(base) {
				t.Errorf("%s %d: %s, 2025: %s", zone, year, posixTZ(z), posixTZ(base))
			}
		}
	}
}

func TestZoneRulesErrors(t *testing.T) {
	for _, zone := range []string{"Mars/Olympus_Mons", "Local", "../../etc/passwd", "America/New_York\x00"} {
		if _, err := zoneRules(zone, 2025); err == nil {
			t.Errorf("zoneRules(%q) succeeded", zone)
		}
		cfg := goldenConfig("snom")
		cfg.TimeZone = zone
		if _, err := newTestRenderer(t, "").Render(discardWriter{}, KindDevice, cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Render with zone %q: %v, want ErrInvalidConfig", zone, err)
		}
	}
}
