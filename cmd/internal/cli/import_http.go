package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// importViaServer posts the export to a running server's admin API.
func importViaServer(f importFlags, src string, prog *progress) (*devicedb.ImportReport, error) {
	tf := f.token
	if tf == "" {
		tf = filepath.Join(f.data, "admin.token")
	}
	tok, err := os.ReadFile(tf)
	if err != nil {
		return nil, fmt.Errorf("reading the admin token: %w (use --token-file)", err)
	}
	body, ctype, size, err := exportBody(src)
	if err != nil {
		return nil, err
	}
	u := strings.TrimSuffix(f.server, "/") + "/api/v1/imports/classic"
	if f.dryRun {
		u += "?dry_run=true"
	}
	prog.label, prog.unit = "uploading", "bytes"
	req, err := http.NewRequest("POST", u, &countingReader{r: body, n: func(n int) { prog.update(n, int(size)) }})
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", ctype)
	res, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		rep := &devicedb.ImportReport{}
		if err := json.NewDecoder(res.Body).Decode(rep); err != nil {
			return nil, fmt.Errorf("server answered %s with an unreadable report: %w", res.Status, err)
		}
		return rep, nil
	}
	var e struct {
		Error    string   `json:"error"`
		Problems []string `json:"problems"`
	}
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		return nil, fmt.Errorf("server answered %s", res.Status)
	}
	if len(e.Problems) > 0 {
		return nil, &devicedb.ImportError{Kind: devicedb.ErrInvalid, Problems: e.Problems}
	}
	return nil, fmt.Errorf("server answered %s: %s", res.Status, e.Error)
}

// exportBody is the request body: the JSON file, or the CSV files of a
// folder as multipart/form-data (streamed).
func exportBody(src string) (io.Reader, string, int64, error) {
	st, err := os.Stat(src)
	if err != nil {
		return nil, "", 0, err
	}
	if !st.IsDir() {
		fh, err := os.Open(src)
		return fh, "application/json", st.Size(), err
	}
	files, err := csvFiles(src)
	if err != nil {
		return nil, "", 0, err
	}
	var size int64
	for _, p := range files {
		if fi, err := os.Stat(p); err == nil {
			size += fi.Size()
		}
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, p := range files {
			w, err := mw.CreateFormFile("files", filepath.Base(p))
			if err == nil {
				var fh *os.File
				if fh, err = os.Open(p); err == nil {
					_, err = io.Copy(w, fh)
					fh.Close()
				}
			}
			if err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	return pr, mw.FormDataContentType(), size, nil
}

type countingReader struct {
	r     io.Reader
	total int
	n     func(int)
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.total += k
	c.n(c.total)
	return k, err
}
