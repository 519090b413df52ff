package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/phoneprov/phoneprov/devicedb"
)

// MaxImportBody is the largest Classic export POST /imports/classic reads
// (JSON, or all CSV files together); other routes keep MaxBody.
const MaxImportBody = 64 << 20

// maxImportParts bounds the parts of a multipart CSV upload.
const maxImportParts = 10

// upgradeHooks are the Config fields the upgrade routes use.
type upgradeHooks struct {
	freeze     devicedb.FreezeFunc
	linkBase   string
	onReplaced func(ctx context.Context, oldMAC, newMAC string)
}

func (a *API) upgradeRoutes(r chi.Router) {
	r.Post("/imports/classic", a.handle(a.importClassic))
	r.Get("/imports", a.handle(a.listImports))
	r.Get("/imports/{id}", a.handle(a.getImport))
	r.Get("/imports/scheduled", a.handle(a.listScheduledImports))
	r.Get("/imports/scheduled/{id}", a.handle(a.getScheduledImport))
	r.Delete("/imports/scheduled/{id}", a.handle(a.cancelScheduledImport))
	r.Get("/outbox", a.handle(a.listOutbox))
	r.Post("/devices/{mac}/replace", a.handle(a.replaceDevice))
}

// importErrorBody is the answer to an export with problems: all of them.
type importErrorBody struct {
	Error    string   `json:"error"`
	Problems []string `json:"problems"`
}

func (a *API) importClassic(w http.ResponseWriter, r *http.Request) error {
	if at := r.URL.Query().Get("at"); at != "" {
		if r.URL.Query().Has("dry_run") {
			return errorf(http.StatusBadRequest, "at and dry_run together: run the dry run first, then schedule the real one with at")
		}
		return a.scheduleImport(w, r, at)
	}
	dry := false
	if v := r.URL.Query().Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errorf(http.StatusBadRequest, "dry_run %q: use true or false", v)
		}
		dry = b
	}
	exp, err := readImportBody(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if !dry {
		// A real run completes (or not) as one transaction even if the
		// client goes away; its report stays at GET /imports/{id}.
		ctx = context.WithoutCancel(ctx)
	}
	rep, err := a.store.ImportClassic(ctx, exp, devicedb.ImportOptions{DryRun: dry, Freeze: a.upgrade.freeze,
		WelcomeLinkBase: a.upgrade.linkBase})
	if err != nil {
		return a.importErr(w, err)
	}
	if dry {
		writeJSON(w, http.StatusOK, rep)
		return nil
	}
	w.Header().Set("Location", "/api/v1/imports/"+strconv.FormatInt(rep.ID, 10))
	writeJSON(w, http.StatusCreated, rep)
	return nil
}

// readImportBody reads the export of a request, within MaxImportBody.
func readImportBody(w http.ResponseWriter, r *http.Request) (devicedb.ClassicExport, error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxImportBody)
	exp, err := readExport(r)
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return exp, errorf(http.StatusRequestEntityTooLarge, "export over %d bytes", MaxImportBody)
	}
	return exp, err
}

// readExport reads the export: JSON, or a multipart upload of CSV files
// named after their tables (users.csv …).
func readExport(r *http.Request) (devicedb.ClassicExport, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct != "" && err != nil {
		return devicedb.ClassicExport{}, errorf(http.StatusUnsupportedMediaType, "Content-Type %q: send application/json or multipart/form-data", ct)
	}
	switch mt {
	case "", "application/json":
		return devicedb.DecodeClassicJSON(r.Body)
	case "multipart/form-data":
	default:
		return devicedb.ClassicExport{}, errorf(http.StatusUnsupportedMediaType,
			"Content-Type %q: send the export as application/json, or its CSV files as multipart/form-data", mt)
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return devicedb.ClassicExport{}, errorf(http.StatusBadRequest, "multipart body: %v", err)
	}
	files := map[string]io.Reader{}
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return devicedb.ClassicExport{}, multipartErr(err)
		}
		if i == maxImportParts {
			return devicedb.ClassicExport{}, errorf(http.StatusBadRequest, "more than %d parts: send the CSV files only", maxImportParts)
		}
		name := p.FileName()
		if name == "" {
			name = p.FormName()
		}
		name = strings.ToLower(path.Base(strings.ReplaceAll(name, `\`, "/")))
		b, err := io.ReadAll(p)
		if err != nil {
			return devicedb.ClassicExport{}, multipartErr(err)
		}
		files[name] = bytes.NewReader(b)
	}
	if len(files) == 0 {
		return devicedb.ClassicExport{}, errorf(http.StatusBadRequest, "no files in the upload: send users.csv and the other tables")
	}
	return devicedb.DecodeClassicCSV(files)
}

func multipartErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	return errorf(http.StatusBadRequest, "multipart body: %v", err)
}

func (a *API) listImports(w http.ResponseWriter, r *http.Request) error {
	p, err := page(r)
	if err != nil {
		return err
	}
	runs, next, err := a.store.ListImports(r.Context(), p)
	if err != nil {
		return err
	}
	return writeList(w, r, runs, next)
}

func (a *API) getImport(w http.ResponseWriter, r *http.Request) error {
	v := chi.URLParam(r, "id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		return errorf(http.StatusNotFound, "import %q: not an import run id (a positive whole number)", v)
	}
	if a.runningImport(w, id) {
		return nil
	}
	rep, err := a.store.GetImport(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
