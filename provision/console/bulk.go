package console

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision/api"
)

// maxBulk bounds the devices one bulk action takes.
const maxBulk = 1000

// task is a bulk action running in the background; its page polls its
// progress (GET /ui/progress/{id}).
type task struct {
	id, title string
	mu        sync.Mutex
	done      int
	total     int
	finished  bool
	lines     []string // what happened, one line per device or model
}

func (t *task) step(line string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done++
	if line != "" {
		t.lines = append(t.lines, line)
	}
}

// tasks keeps the last maxJobs bulk actions.
type tasks = recent[*task]

// evictable: a bulk action may be forgotten once newer ones push it out,
// finished or not (its NOTIFYs go on; only its page is gone).
func (t *task) evictable() bool { return true }

func (c *Console) bulkRoutes(r chi.Router) {
	r.Post("/ui/devices/bulk", c.handle(c.bulkDevices))
	r.Get("/ui/bulk/{id}", c.handle(c.bulkPage))
	r.Get("/ui/progress/{id}", c.handle(c.progress))
	r.Get("/ui/fetches", c.handle(c.fetchesPage))
	r.Get("/ui/export/{kind}.csv", c.handle(func(w http.ResponseWriter, r *http.Request) error {
		return api.ExportCSV(r.Context(), w, c.store, chi.URLParam(r, "kind"))
	}))
}

// bulkDevices runs an action on the selected devices: export them as CSV,
// re-sync them, or set the firmware target of their models.
func (c *Console) bulkDevices(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &pageError{status: http.StatusBadRequest, msg: "unreadable form"}
	}
	macs := r.PostForm["mac"]
	back := "/ui/devices"
	if v := r.PostFormValue("back"); strings.HasPrefix(v, "/ui/devices") {
		back = v
	}
	fail := func(msg string) error {
		return c.act(w, r, back, func(context.Context) (string, error) {
			return "", &pageError{status: http.StatusUnprocessableEntity, msg: msg}
		})
	}
	if len(macs) == 0 {
		return fail("select at least one device (the boxes in the first column)")
	}
	if len(macs) > maxBulk {
		return fail(fmt.Sprintf("select at most %d devices at once", maxBulk))
	}
	var ds []devicedb.Device
	for _, m := range macs {
		d, err := c.store.GetDevice(r.Context(), m)
		if err != nil {
			return fail(userMessage(err))
		}
		ds = append(ds, *d)
	}
	switch action := r.PostFormValue("action"); action {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="devices.csv"`)
		cw := csv.NewWriter(w)
		cw.Write(api.DeviceCSVHeader())
		for _, d := range ds {
			cw.Write(api.DeviceCSVRow(d))
		}
		cw.Flush()
		return nil
	case "resync":
		if c.cfg.Registrar == nil {
			return fail("the SIP registrar is off: there is nothing to send a re-sync with")
		}
		t := &task{id: randomToken()[:16], title: fmt.Sprintf("Re-sync of %d devices", len(ds)), total: len(ds)}
		c.tasks.add(t.id, t)
		c.cfg.Jobs.GoFrom(r.Context(), func(ctx context.Context) { c.bulkResync(ctx, t, ds) })
		http.Redirect(w, r, "/ui/bulk/"+t.id, http.StatusSeeOther)
		return nil
	case "firmware":
		return c.act(w, r, back, func(ctx context.Context) (string, error) {
			return c.bulkFirmware(ds, strings.TrimSpace(r.PostFormValue("version")))
		})
	default:
		return fail("choose an action: re-sync, firmware target or CSV export")
	}
}

// bulkResync sends each device's re-sync NOTIFY, a few at a time, and
// records each request in the audit log.
func (c *Console) bulkResync(ctx context.Context, t *task, ds []devicedb.Device) {
	defer func() {
		t.mu.Lock()
		t.finished = true
		t.mu.Unlock()
	}()
	sem := make(chan struct{}, 8)
	var wg sync.WaitGroup
	for _, d := range ds {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if len(c.cfg.Registrar.Bindings(d.MAC, 0)) == 0 {
				t.step(d.MAC + ": not registered, no re-sync sent (reboot the phone instead)")
				return
			}
			m, _ := c.store.Catalog().Lookup(d.Model)
			if err := c.store.RecordResyncRequest(ctx, d.MAC, m.ResyncEvent); err != nil {
				t.step(d.MAC + ": " + userMessage(err))
				return
			}
			rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if _, err := c.cfg.Registrar.Resync(rctx, d.MAC, m.ResyncEvent); err != nil && !errors.Is(err, context.Canceled) {
				t.step(d.MAC + ": re-sync failed: " + err.Error())
				return
			}
			t.step(d.MAC + ": re-sync NOTIFY (" + m.ResyncEvent + ") sent")
		}()
	}
	wg.Wait()
}

// bulkFirmware sets version as the firmware target of the selected
// devices' models (a target applies to every device of the model).
func (c *Console) bulkFirmware(ds []devicedb.Device, version string) (string, error) {
	if c.cfg.Firmware == nil {
		return "", &pageError{status: http.StatusNotFound, msg: "firmware serving is off"}
	}
	if version == "" {
		return "", &pageError{status: http.StatusUnprocessableEntity, msg: "type the firmware version to make the target"}
	}
	models := map[string]bool{}
	for _, d := range ds {
		models[d.Model] = true
	}
	var names []string
	for m := range models {
		names = append(names, m)
	}
	sort.Strings(names)
	for _, m := range names {
		if _, ok := c.cfg.Firmware.Lookup(m, version); !ok {
			return "", &pageError{status: http.StatusUnprocessableEntity, msg: fmt.Sprintf(
				"no firmware %s for %s: add the image first (phoneprov firmware add FILE --model %q --version %s)", version, m, m, version)}
		}
	}
	for _, m := range names {
		if err := c.cfg.Firmware.SetTarget(m, version); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("firmware target %s set for %s (every device of these models); phones below it get the firmware at their next fetch", version, strings.Join(names, ", ")), nil
}

func (c *Console) bulkPage(w http.ResponseWriter, r *http.Request) error {
	t, ok := c.tasks.get(chi.URLParam(r, "id"))
	if !ok {
		return &pageError{status: http.StatusNotFound, msg: "this bulk action is gone (the server restarted or newer ones replaced it)"}
	}
	t.mu.Lock()
	data := map[string]any{"ID": t.id, "Done": t.done, "Total": t.total, "Finished": t.finished, "Lines": append([]string(nil), t.lines...)}
	t.mu.Unlock()
	c.render(w, r, "bulk", t.title, data)
	return nil
}

// progress answers the progress of a bulk action or an import run as
// JSON: {"done", "total", "finished"}.
func (c *Console) progress(w http.ResponseWriter, r *http.Request) error {
	id := chi.URLParam(r, "id")
	var done, total int
	var finished bool
	if t, ok := c.tasks.get(id); ok {
		t.mu.Lock()
		done, total, finished = t.done, t.total, t.finished
		t.mu.Unlock()
	} else if j, ok := c.jobs.get(id); ok {
		j.mu.Lock()
		done, total, finished = j.progress[0], j.progress[1], j.done
		j.mu.Unlock()
	} else {
		return &pageError{status: http.StatusNotFound, msg: "no such job"}
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"done":%d,"total":%d,"finished":%t}`+"\n", done, total, finished)
	return nil
}
