package console

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// maxJobs bounds the uploads and runs kept in memory (oldest dropped).
const maxJobs = 8

// importJob is an uploaded export: dry-run, then maybe run for real.
type importJob struct {
	id       string
	exp      devicedb.ClassicExport
	name     string
	created  time.Time
	dry      *devicedb.ImportReport
	mu       sync.Mutex
	running  bool
	done     bool
	progress [2]int
	report   *devicedb.ImportReport
	err      error
}

// importJobs keeps the last maxJobs uploads.
type importJobs = recent[*importJob]

// evictable: an import running for real is never forgotten.
func (j *importJob) evictable() bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return !j.running || j.done
}

func (c *Console) importRoutes(r chi.Router) {
	r.Get("/ui/import", c.handle(c.importPage))
	r.Post("/ui/import", c.handle(c.uploadImport))
	r.Get("/ui/import/{job}", c.handle(c.jobPage))
	r.Post("/ui/import/{job}/run", c.handle(c.runImport))
	r.Get("/ui/imports/{id}", c.handle(c.pastImport))
}

func (c *Console) importPage(w http.ResponseWriter, r *http.Request) error {
	runs, _, err := c.store.ListImports(r.Context(), devicedb.Page{Limit: 20})
	if err != nil {
		return err
	}
	c.render(w, r, "import", "Import from Classic", map[string]any{"Runs": runs})
	return nil
}

// uploadImport reads the export and answers its dry-run report.
func (c *Console) uploadImport(w http.ResponseWriter, r *http.Request) error {
	fail := func(msg string) error {
		return c.act(w, r, "/ui/import", func(context.Context) (string, error) {
			return "", &pageError{status: http.StatusUnprocessableEntity, msg: msg}
		})
	}
	f, hdr, err := r.FormFile("export")
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(fmt.Sprintf("the export is over %d MiB", maxUpload>>20))
		}
		return fail("choose the Classic export file (JSON) to upload")
	}
	defer f.Close()
	exp, err := devicedb.DecodeClassicJSON(f)
	if err != nil {
		return fail("the file is not a Classic export: " + err.Error())
	}
	job := &importJob{id: randomToken()[:16], exp: exp, name: hdr.Filename, created: time.Now()}
	rep, err := c.store.ImportClassic(r.Context(), exp, devicedb.ImportOptions{DryRun: true, Freeze: c.cfg.Freeze,
		WelcomeLinkBase: c.cfg.WelcomeLinkBase})
	if err != nil {
		return c.renderImportError(w, r, err)
	}
	job.dry = rep
	c.jobs.add(job.id, job)
	http.Redirect(w, r, "/ui/import/"+job.id, http.StatusSeeOther)
	return nil
}

func (c *Console) renderImportError(w http.ResponseWriter, r *http.Request, err error) error {
	var ie *devicedb.ImportError
	if !errors.As(err, &ie) {
		return err
	}
	w.WriteHeader(errStatus(err))
	c.render(w, r, "import", "Import from Classic", map[string]any{"Flash": flash{Kind: "error",
		Msg: fmt.Sprintf("nothing imported: %d problem(s) in the export", len(ie.Problems))}, "Problems": ie.Problems})
	return nil
}

func (c *Console) job(r *http.Request) (*importJob, error) {
	job, ok := c.jobs.get(chi.URLParam(r, "job"))
	if !ok {
		return nil, &pageError{status: http.StatusNotFound, msg: "this upload is gone (the server restarted or newer uploads replaced it); upload the export again"}
	}
	return job, nil
}

func (c *Console) jobPage(w http.ResponseWriter, r *http.Request) error {
	job, err := c.job(r)
	if err != nil {
		return err
	}
	job.mu.Lock()
	data := map[string]any{"Job": job.id, "Name": job.name, "Dry": job.dry, "Running": job.running && !job.done,
		"Done": job.done, "Progress": job.progress, "Report": job.report, "Estimate": devicedb.EstimateImport(job.exp).Round(time.Second)}
	if job.err != nil {
		data["Flash"] = flash{Kind: "error", Msg: userMessage(job.err)}
		var ie *devicedb.ImportError
		if errors.As(job.err, &ie) {
			data["Problems"] = ie.Problems
		}
	} else if job.done {
		data["Flash"] = flash{Kind: "ok", Msg: fmt.Sprintf("import run %d finished", job.report.ID)}
	}
	running := job.running && !job.done
	job.mu.Unlock()
	if running {
		w.Header().Set("Refresh", "1")
	}
	c.render(w, r, "importjob", "Import from Classic", data)
	return nil
}

func (c *Console) runImport(w http.ResponseWriter, r *http.Request) error {
	job, err := c.job(r)
	if err != nil {
		return err
	}
	job.mu.Lock()
	started := job.running
	job.running = true
	job.mu.Unlock()
	if !started {
		// The run completes as one transaction even if the browser goes;
		// a shutdown cancels it (rolled back whole) before the store closes.
		c.cfg.Jobs.GoFrom(r.Context(), func(ctx context.Context) {
			rep, err := c.store.ImportClassic(ctx, job.exp, devicedb.ImportOptions{Freeze: c.cfg.Freeze, WelcomeLinkBase: c.cfg.WelcomeLinkBase,
				OnProgress: func(done, total int) {
					job.mu.Lock()
					job.progress = [2]int{done, total}
					job.mu.Unlock()
				}})
			if err != nil && errStatus(err) == http.StatusInternalServerError {
				c.log.Error("console import failed", "err", err)
			}
			job.mu.Lock()
			job.report, job.err, job.done = rep, err, true
			job.mu.Unlock()
		})
	}
	http.Redirect(w, r, "/ui/import/"+job.id, http.StatusSeeOther)
	return nil
}

func (c *Console) pastImport(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil {
		return &pageError{status: http.StatusNotFound, msg: "no such import run"}
	}
	rep, err := c.store.GetImport(r.Context(), id)
	if err != nil {
		return err
	}
	c.render(w, r, "importjob", "Import run "+strconv.FormatInt(id, 10), map[string]any{"Report": rep, "Done": true})
	return nil
}
