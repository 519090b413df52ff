package templates

import (
	"fmt"
	"sync"
	"time"
	_ "time/tzdata" // rendered configs must not depend on the host's zoneinfo
)

// Time zones. Phones do not know IANA zone names: each vendor wants a
// standard UTC offset plus, at best, a yearly DST rule ("second Sunday of
// March at 02:00"). zoneRules derives both from Go's zone data for one
// year:
//
//   - the standard offset is the offset in force on 1 July, or on 1 January
//     when July is in DST (southern hemisphere); a zone with negative DST
//     (Europe/Dublin in the vanguard data) is flipped so that the standard
//     offset is the smaller one;
//   - the DST start and end are the two transitions of that year, written
//     as month, week of month (5 = last) and weekday at the wall-clock time
//     in force just before the change, the way POSIX TZ rules are written.
//
// The approximation: a rule read off one year's dates is exact for the
// usual "Nth or last weekday of the month" zones and can be a week off for
// zones that use other rules (fixed dates, "Friday before the last
// Sunday"); zones that change their offset for good during the year keep
// the offset of July. Phones re-fetch their config at least at every boot,
// so the rule of the current year is what they need.

// tzChange is one DST transition written as a yearly rule.
type tzChange struct {
	Month   int          // 1..12
	Week    int          // 1..4, 5 = last week of the month
	Weekday time.Weekday // Sunday = 0
	Day     int          // the day of month of the change in the rule's year
	Hour    int          // wall-clock time just before the change
	Minute  int
}

// tzRules is what the vendor formats are built from.
type tzRules struct {
	Name      string // IANA name, "UTC" when none was given
	StdOffset int    // seconds east of UTC outside DST
	StdAbbr   string
	DST       bool // false: no DST in the rule's year
	DSTOffset int  // seconds east of UTC during DST
	DSTAbbr   string
	Start     tzChange // entering DST
	End       tzChange // leaving DST
}

// DSTSave is the DST shift in seconds (0 without DST).
func (z tzRules) DSTSave() int {
	if !z.DST {
		return 0
	}
	return z.DSTOffset - z.StdOffset
}

// zoneCache holds tzRules by "name/year". Only names time.LoadLocation
// accepted are stored, so it is bounded by the zone database size.
var zoneCache sync.Map

// zoneRules returns the rules of an IANA zone for a year.
func zoneRules(name string, year int) (tzRules, error) {
	if name == "" {
		name = "UTC"
	}
	key := fmt.Sprintf("%s/%d", name, year)
	if z, ok := zoneCache.Load(key); ok {
		return z.(tzRules), nil
	}
	if name == "Local" {
		return tzRules{}, fmt.Errorf("time zone %q: not an IANA zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return tzRules{}, fmt.Errorf("time zone %q: %w", name, err)
	}
	z := computeRules(name, loc, year)
	zoneCache.Store(key, z)
	return z, nil
}

func computeRules(name string, loc *time.Location, year int) tzRules {
	jan := time.Date(year, time.January, 1, 0, 0, 0, 0, loc)
	std := time.Date(year, time.July, 1, 0, 0, 0, 0, loc)
	if std.IsDST() {
		std = jan
	}
	z := tzRules{Name: name}
	z.StdAbbr, z.StdOffset = std.Zone()

	var gotStart, gotEnd bool
	yearEnd := time.Date(year+1, time.January, 1, 0, 0, 0, 0, loc)
	t := jan
	for i := 0; i < 8; i++ { // real zones change at most 2-4 times a year
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(yearEnd) {
			break
		}
		before := next.Add(-time.Second)
		_, offBefore := before.Zone()
		change := changeAt(next.In(time.FixedZone("", offBefore)))
		switch {
		case !before.IsDST() && next.IsDST() && !gotStart:
			z.Start, gotStart = change, true
			z.DSTAbbr, z.DSTOffset = next.Zone()
		case before.IsDST() && !next.IsDST() && !gotEnd:
			z.End, gotEnd = change, true
		}
		t = next
	}
	z.DST = gotStart && gotEnd && z.DSTOffset != z.StdOffset
	if !z.DST {
		z.DSTOffset, z.DSTAbbr, z.Start, z.End = z.StdOffset, "", tzChange{}, tzChange{}
		return z
	}
	if z.DSTOffset < z.StdOffset { // negative DST: the smaller offset is standard
		z.StdOffset, z.DSTOffset = z.DSTOffset, z.StdOffset
		z.StdAbbr, z.DSTAbbr = z.DSTAbbr, z.StdAbbr
		z.Start, z.End = z.End, z.Start
	}
	return z
}

// changeAt writes a wall-clock instant as a yearly rule.
func changeAt(w time.Time) tzChange {
	days := time.Date(w.Year(), w.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	week := (w.Day()-1)/7 + 1
	if w.Day()+7 > days {
		week = 5
	}
	return tzChange{
		Month: int(w.Month()), Week: week, Weekday: w.Weekday(), Day: w.Day(),
		Hour: w.Hour(), Minute: w.Minute(),
	}
}

// isoWeekday is the weekday numbered Monday = 1 .. Sunday = 7.
func isoWeekday(d time.Weekday) int {
	if d == time.Sunday {
		return 7
	}
	return int(d)
}

// firstDayOfWeek is the first day of month a week-of-month rule can fall
// on (1, 8, 15, 22), the way "weekday on or after day" formats want it.
func firstDayOfWeek(week int) int { return (week-1)*7 + 1 }

// offsetHM formats seconds east of UTC as [+-]H[:MM], minutes only when
// not zero ("+1", "-5", "+5:30").
func offsetHM(sec int, plus string) string {
	sign := plus
	if sec < 0 {
		sign, sec = "-", -sec
	}
	h, m := sec/3600, sec%3600/60
	if m == 0 {
		return fmt.Sprintf("%s%d", sign, h)
	}
	return fmt.Sprintf("%s%d:%02d", sign, h, m)
}

// gmtOffset formats seconds east of UTC as GMT+HH:MM ("GMT-05:00").
func gmtOffset(sec int) string {
	sign := "+"
	if sec < 0 {
		sign, sec = "-", -sec
	}
	return fmt.Sprintf("GMT%s%02d:%02d", sign, sec/3600, sec%3600/60)
}
