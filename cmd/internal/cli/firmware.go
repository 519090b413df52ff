package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/firmware"
	"github.com/phoneprov/phoneprov/templates"
)

const firmwareUsage = `usage: phoneprov firmware add FILE --model MODEL --version VERSION [--filename NAME] [--target]
           [--data DIR | --server URL [--token-file FILE]]

Adds a firmware image to the store. With --server it uploads through the
running server's admin API; without, it writes DATA/firmware directly (stop
the server first, or it will not see the change until it restarts).`

func firmwareCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, firmwareUsage)
		return 2
	}
	fs := flag.NewFlagSet("phoneprov firmware add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	model := fs.String("model", "", "catalog model, e.g. \"VVX 410\" (required)")
	version := fs.String("version", "", "firmware version, e.g. 6.4.6.2734 (required)")
	filename := fs.String("filename", "", "name the phone asks for; default: the catalog's firmware file for the model")
	target := fs.Bool("target", false, "make it the model's target version")
	data := dataFlag(fs)
	server := fs.String("server", "", "base URL of a running phoneprov, e.g. http://127.0.0.1:8080")
	tokenFile := fs.String("token-file", "", "admin token file for --server; default DATA/admin.token")
	// Accept the file before or after the flags.
	rest := args[1:]
	var file string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || *model == "" || *version == "" {
		fmt.Fprintln(stderr, firmwareUsage)
		return 2
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov firmware add: %v\n", err)
		return 1
	}
	defer f.Close()
	var out any
	if *server != "" {
		tf := *tokenFile
		if tf == "" {
			tf = filepath.Join(*data, "admin.token")
		}
		out, err = uploadFirmware(*server, tf, f, *model, *version, *filename, *target)
	} else {
		out, err = addFirmwareLocal(filepath.Join(*data, "firmware"), f, *model, *version, *filename, *target)
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov firmware add: %v\n", err)
		return 1
	}
	b, _ := json.MarshalIndent(out, "", "  ")
	fmt.Fprintf(stdout, "%s\n", b)
	return 0
}

func addFirmwareLocal(dir string, r io.Reader, model, version, filename string, target bool) (any, error) {
	m, ok := templates.Default().Lookup(model)
	if !ok {
		return nil, fmt.Errorf("model %q is not in the catalog", model)
	}
	if filename == "" {
		filename = m.FirmwareFile
	}
	s, err := firmware.Open(firmware.Config{Dir: dir})
	if err != nil {
		return nil, err
	}
	e, err := s.Add(r, m.Model, version, filename)
	if err != nil {
		return nil, err
	}
	if target {
		if err := s.SetTarget(m.Model, version); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func uploadFirmware(server, tokenFile string, r io.Reader, model, version, filename string, target bool) (any, error) {
	tok, err := os.ReadFile(tokenFile)
	if err != nil {
		return nil, fmt.Errorf("reading the admin token: %w (use --token-file)", err)
	}
	q := url.Values{"model": {model}, "version": {version}}
	if filename != "" {
		q.Set("filename", filename)
	}
	if target {
		q.Set("target", "true")
	}
	req, err := http.NewRequest("POST", strings.TrimSuffix(server, "/")+"/api/v1/firmware?"+q.Encode(), r)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
	req.Header.Set("Content-Type", "application/octet-stream")
	res, err := (&http.Client{Timeout: 30 * time.Minute}).Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("server answered %s", res.Status)
	}
	if res.StatusCode != http.StatusCreated {
		return nil, fmt.Errorf("server answered %s: %v", res.Status, out["error"])
	}
	return out, nil
}
