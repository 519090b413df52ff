package console

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/api"
)

// figure is one number of the overview with the list behind it. Key is its
// field in GET /api/v1/overview.
type figure struct {
	Key, Label, Link, Class string
	N                       int
}

// chart is a 24-hour stacked bar chart drawn by the server as SVG.
type chart struct {
	ID, Title string
	W, H      int
	Bars      []bar
	Legend    []legendItem
	Max       int
	Ticks     []tick
}

type bar struct {
	X, W  int
	Segs  []seg
	Label string // hour, shown every few bars
	LX    int
}

type seg struct {
	Y, H  int
	Fill  string
	Title string
	Link  string // the list behind the segment; "" for none
}

type legendItem struct {
	Outcome, Fill, Link string
	N                   int
}

type tick struct {
	Y     int
	Label string
}

// outcomeFills are the colours of the outcomes, readable by the
// colour-blind in the order ok / warning / error / other.
var outcomeFills = map[string]string{
	devicedb.FetchServed: "#2e7d32", devicedb.FetchNotModified: "#81c784", devicedb.FetchRefused: "#c62828",
	"ok": "#2e7d32", "unauthorized": "#ef6c00", "forbidden": "#c62828", "throttled": "#6d4c41", "dropped": "#9e9e9e",
}

func fillOf(outcome string) string {
	if f, ok := outcomeFills[outcome]; ok {
		return f
	}
	return "#7e57c2"
}

// Chart geometry (SVG user units; the SVG scales to its box).
const (
	chartW, chartH = 720, 200
	chartLeft      = 40
	chartBottom    = 20
	chartTop       = 8
)

// buildChart lays out 24 hourly stacked bars from since. link, when not
// nil, gives the list behind an outcome in an hour (zero hour: all 24).
func buildChart(id, title string, since time.Time, counts []devicedb.HourCount, link func(outcome string, hour time.Time) string) chart {
	if link == nil {
		link = func(string, time.Time) string { return "" }
	}
	c := chart{ID: id, Title: title, W: chartW, H: chartH}
	per := map[int]map[string]int{}
	totals := map[string]int{}
	for _, hc := range counts {
		i := int(hc.Hour.Sub(since) / time.Hour)
		if i < 0 || i >= 24 {
			continue
		}
		if per[i] == nil {
			per[i] = map[string]int{}
		}
		per[i][hc.Outcome] += hc.N
		totals[hc.Outcome] += hc.N
	}
	var outcomes []string
	for o := range totals {
		outcomes = append(outcomes, o)
	}
	sort.Strings(outcomes)
	for _, o := range outcomes {
		c.Legend = append(c.Legend, legendItem{Outcome: o, Fill: fillOf(o), N: totals[o], Link: link(o, time.Time{})})
	}
	for i := 0; i < 24; i++ {
		sum := 0
		for _, n := range per[i] {
			sum += n
		}
		c.Max = max(c.Max, sum)
	}
	scale := max(c.Max, 1)
	plotH := chartH - chartBottom - chartTop
	slot := (chartW - chartLeft) / 24
	for i := 0; i < 24; i++ {
		h := since.Add(time.Duration(i) * time.Hour)
		b := bar{X: chartLeft + i*slot + 2, W: slot - 4, LX: chartLeft + i*slot + slot/2}
		if i%3 == 0 {
			b.Label = h.UTC().Format("15h")
		}
		y := chartH - chartBottom
		for _, o := range outcomes {
			n := per[i][o]
			if n == 0 {
				continue
			}
			sh := max(n*plotH/scale, 1)
			y -= sh
			b.Segs = append(b.Segs, seg{Y: y, H: sh, Fill: fillOf(o), Link: link(o, h),
				Title: fmt.Sprintf("%s–%s UTC: %d %s", h.UTC().Format("15:04"), h.Add(time.Hour).UTC().Format("15:04"), n, o)})
		}
		c.Bars = append(c.Bars, b)
	}
	c.Ticks = []tick{{Y: chartH - chartBottom, Label: "0"}, {Y: chartTop, Label: fmt.Sprint(c.Max)}}
	return c
}

// overviewPage is the console's home: the upgrade readiness of the account
// and its last 24 hours, the figures of GET /api/v1/overview.
func (c *Console) overviewPage(w http.ResponseWriter, r *http.Request) error {
	o, err := api.BuildOverview(r.Context(), c.store, c.cfg.Registrar, c.cfg.Firmware, time.Now())
	if err != nil {
		return err
	}
	devices := []figure{
		{"devices_supported", "supported", "/ui/devices?view=supported", "st-active", o.DevicesActive},
		{"devices_unsupported", "unsupported (to replace)", "/ui/devices?view=unsupported", "st-unsupported", o.DevicesUnsupported},
		{"devices_pending", "pending (to adopt)", "/ui/devices?view=pending", "st-pending", o.DevicesPending},
		{"devices_retired", "retired", "/ui/devices?view=retired", "st-retired", o.DevicesRetired},
	}
	phones := []figure{
		{"lines_registered", "lines registered now", "/ui/devices?view=registered", "", o.LinesRegistered},
		{"lines_provisioned", "lines provisioned", "/ui/devices?view=supported", "", o.LinesProvisioned},
		{"devices_below_target", "phones below target firmware", "/ui/devices?view=below_target", "", o.DevicesBelowTarget},
	}
	licenses := []figure{
		{"licenses_assigned", "assigned", "/ui/licenses?status=assigned", "st-active", o.LicensesAssigned},
		{"licenses_unassigned", "unassigned", "/ui/licenses?status=unassigned", "st-pending", o.LicensesUnassigned},
		{"licenses_suspended", "suspended", "/ui/licenses?status=suspended", "st-unsupported", o.LicensesSuspended},
	}
	total := o.DevicesActive + o.DevicesUnsupported + o.DevicesPending
	ready := 0
	if total > 0 {
		ready = o.DevicesActive * 100 / total
	}
	c.render(w, r, "overview", "Overview", map[string]any{"O": o, "Devices": devices, "Phones": phones, "Licenses": licenses,
		"Ready": ready, "ReadyBar": readyBar(devices[:3]),
		"Charts": []chart{buildChart("chart-fetches", "Config fetches per hour", o.Since, o.Fetches, fetchesLink),
			buildChart("chart-registers", "REGISTERs per hour", o.Since, o.Registers, registersLink)}})
	return nil
}

// registersLink is the list behind a REGISTER figure: the registered
// devices for "ok", the devices whose correct credentials were refused
// for "forbidden"; other outcomes (wrong credentials, throttled sources)
// belong to no device.
func registersLink(outcome string, _ time.Time) string {
	switch outcome {
	case "ok":
		return "/ui/devices?view=registered"
	case "forbidden":
		return "/ui/devices?view=refused"
	}
	return ""
}

// fetchesLink is the fetch list behind a chart figure.
func fetchesLink(outcome string, hour time.Time) string {
	v := url.Values{"outcome": {outcome}}
	if !hour.IsZero() {
		v.Set("hour", strconv.FormatInt(hour.Unix(), 10))
	}
	return "/ui/fetches?" + v.Encode()
}

// fetchesPage lists the config fetches of the last 24 hours (or of one
// hour), of one outcome or all: the list behind the fetch chart, as GET
// /api/v1/fetches answers it.
func (c *Console) fetchesPage(w http.ResponseWriter, r *http.Request) error {
	fs, since, until, err := api.FetchList(r, c.store, fetchListMax)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("Config fetches %s–%s UTC", since.Format("2006-01-02 15:04"), until.UTC().Format("15:04"))
	if o := r.URL.Query().Get("outcome"); o != "" {
		title += " · " + o
	}
	c.render(w, r, "fetches", title, map[string]any{"Fetches": fs, "Max": fetchListMax, "Full": len(fs) == fetchListMax})
	return nil
}

// fetchListMax bounds the fetch list page.
const fetchListMax = 500

// readySeg is one part of the readiness bar (percent of its width).
type readySeg struct {
	X, W  float64
	Class string
	Title string
	Link  string
}

// readyBar splits 100 units among figs by their share.
func readyBar(figs []figure) []readySeg {
	total := 0
	for _, f := range figs {
		total += f.N
	}
	var out []readySeg
	x := 0.0
	for _, f := range figs {
		if f.N == 0 || total == 0 {
			continue
		}
		w := float64(f.N) * 100 / float64(total)
		out = append(out, readySeg{X: x, W: w, Class: f.Class, Title: fmt.Sprintf("%d %s", f.N, f.Label), Link: f.Link})
		x += w
	}
	return out
}
