package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/provision"
	"github.com/phoneprov/phoneprov/templates"
)

const importUsage = `usage: phoneprov import classic FILE.json|DIR [--dry-run] [--report FILE]
           [--data DIR | --server URL [--token-file FILE]]

Imports a Classic export (a JSON file, or a folder of CSV files: users.csv,
extensions.csv, licenses.csv, devices.csv, account.csv, and for the account
features contacts.csv, auto_attendants.csv, receptionists.csv, sites.csv)
in one transaction.
--dry-run shows what the import would do and changes nothing. With --server
it goes through a running phoneprov's admin API (admin writes answer 503
while it runs; phones keep working); without, it opens DATA directly: stop
the server first. Frozen configs of unsupported devices are rendered with
--domain, --public-host and --templates-dir as serve would.`

// importFlags are the settings of phoneprov import classic.
type importFlags struct {
	dryRun                        bool
	report, data, server, token   string
	database                      string
	domain, publicHost, templates string
}

func importCmd(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 || args[0] != "classic" {
		fmt.Fprintln(stderr, importUsage)
		return 2
	}
	f := importFlags{}
	fs := flag.NewFlagSet("phoneprov import classic", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what the import would do; change nothing")
	fs.StringVar(&f.report, "report", "", "write the full report (JSON) to this file")
	fs.StringVar(&f.data, "data", envOr("PHONEPROV_DATA", defaultData), "data directory of a stopped server (env PHONEPROV_DATA)")
	fs.StringVar(&f.database, "database", envOr("PHONEPROV_DATABASE", ""), "database URL, as serve's (env PHONEPROV_DATABASE)")
	fs.StringVar(&f.server, "server", "", "base URL of a running phoneprov, e.g. http://127.0.0.1:8080")
	fs.StringVar(&f.token, "token-file", "", "admin token file for --server; default DATA/admin.token")
	fs.StringVar(&f.domain, "domain", envOr("PHONEPROV_DOMAIN", "phoneprov.test"), "SIP domain rendered into frozen configs (env PHONEPROV_DOMAIN)")
	fs.StringVar(&f.publicHost, "public-host", envOr("PHONEPROV_PUBLIC_HOST", ""), "host rendered into frozen configs; default: first non-loopback IP (env PHONEPROV_PUBLIC_HOST)")
	fs.StringVar(&f.templates, "templates-dir", envOr("PHONEPROV_TEMPLATES_DIR", ""), "override templates, as serve's (env PHONEPROV_TEMPLATES_DIR)")
	src, rest := args[1], args[2:]
	if strings.HasPrefix(src, "-") {
		src, rest = "", args[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	// The file may come between flags: parse what follows it too.
	if src == "" && fs.NArg() > 0 {
		src = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return 2
		}
	}
	if src == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, importUsage)
		return 2
	}
	prog := newProgress(stderr)
	var rep *devicedb.ImportReport
	var err error
	if f.server != "" {
		rep, err = importViaServer(f, src, prog)
	} else {
		rep, err = importDirect(f, src, prog)
	}
	prog.done()
	var ie *devicedb.ImportError
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "phoneprov import: nothing imported: %d problem(s):\n", len(ie.Problems))
		for _, p := range ie.Problems {
			fmt.Fprintf(stderr, "  %s\n", p)
		}
		return 1
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov import: %v\n", err)
		return 1
	}
	if f.report != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(f.report, append(b, '\n'), 0o600); err != nil {
			fmt.Fprintf(stderr, "phoneprov import: writing the report: %v\n", err)
			return 1
		}
	}
	printSummary(stdout, rep, f.report)
	return 0
}

// readClassic reads a .json export or a folder of CSV files.
func readClassic(src string) (devicedb.ClassicExport, error) {
	st, err := os.Stat(src)
	if err != nil {
		return devicedb.ClassicExport{}, err
	}
	if !st.IsDir() {
		fh, err := os.Open(src)
		if err != nil {
			return devicedb.ClassicExport{}, err
		}
		defer fh.Close()
		return devicedb.DecodeClassicJSON(fh)
	}
	files, err := csvFiles(src)
	if err != nil {
		return devicedb.ClassicExport{}, err
	}
	readers := map[string]io.Reader{}
	for _, p := range files {
		fh, err := os.Open(p)
		if err != nil {
			return devicedb.ClassicExport{}, err
		}
		defer fh.Close()
		readers[filepath.Base(p)] = fh
	}
	return devicedb.DecodeClassicCSV(readers)
}

func csvFiles(dir string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.csv"))
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s holds no .csv file; it needs at least users.csv", dir)
	}
	return files, err
}

// importDirect opens the data directory's store and imports into it.
func importDirect(f importFlags, src string, prog *progress) (*devicedb.ImportReport, error) {
	exp, err := readClassic(src)
	if err != nil {
		return nil, err
	}
	ports := readPorts(filepath.Join(f.data, "ports.json"))
	if a := ports["http"]; a != "" {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", portStr(a)), 300*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("a phoneprov server is running on %s (port %s): import through it with --server http://127.0.0.1:%s, or stop it first",
				f.data, portStr(a), portStr(a))
		}
	}
	freeze, linkBase, err := directFreezer(f, ports)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(f.data, 0o700); err != nil {
		return nil, err
	}
	s, err := devicedb.Open(context.Background(), storeOptions(f.data, f.database))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	prog.label = "importing"
	return s.ImportClassic(devicedb.WithActor(context.Background(), "cli:"+currentUser()), exp, devicedb.ImportOptions{
		DryRun: f.dryRun, Freeze: freeze, WelcomeLinkBase: linkBase, OnProgress: prog.update})
}

// directFreezer renders frozen configs as the server on this data
// directory would: its ports from DATA/ports.json, else the defaults.
func directFreezer(f importFlags, ports map[string]string) (devicedb.FreezeFunc, string, error) {
	r, err := templates.NewRenderer(templates.RendererConfig{OverrideDir: f.templates})
	if err != nil {
		return nil, "", fmt.Errorf("--templates-dir: %w", err)
	}
	host := f.publicHost
	if host == "" {
		host = firstPublicIP()
	}
	httpPort := portOf(envOr("PHONEPROV_HTTP_ADDR", ":8080"), 8080)
	if p := ports["http"]; p != "" {
		httpPort = portOf(p, httpPort)
	}
	stun := 0
	if p := ports["stun"]; p != "" {
		stun = portOf(p, 0)
	}
	url := fmt.Sprintf("http://%s/", net.JoinHostPort(host, fmt.Sprint(httpPort)))
	freeze, err := provision.Freezer(r, provision.Settings{Domain: f.domain, PublicHost: host, ProvisionURL: url,
		SIPPort: portOf(envOr("PHONEPROV_SIP_ADDR", ":5060"), 5060), STUNPort: stun})
	link := url // the set-password link: over HTTPS when it is on
	if a := envOr("PHONEPROV_HTTPS_ADDR", ":8443"); a != "" {
		httpsPort := portOf(a, 8443)
		if p := ports["https"]; p != "" {
			httpsPort = portOf(p, httpsPort)
		}
		link = fmt.Sprintf("https://%s/", net.JoinHostPort(host, fmt.Sprint(httpsPort)))
	}
	return freeze, welcomeLinkBase(link), err
}

// welcomeLinkBase is the set-password link prefix for a server whose
// base URL is baseURL (ending in "/"); serve passes it to api.Config.
func welcomeLinkBase(baseURL string) string { return baseURL + "set-password?token=" }

func readPorts(path string) map[string]string {
	m := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

func portStr(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// progress shows how far the import is: a bar redrawn in place on a
// terminal, a plain line every 10% otherwise.
type progress struct {
	w           io.Writer
	tty         bool
	label, unit string
	last        time.Time
	lastStep    int
	drawn       bool
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w, unit: "records", lastStep: -1}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	if total <= 0 {
		return
	}
	pct := min(done*100/total, 100)
	if !p.tty {
		if step := pct / 10; step > p.lastStep {
			p.lastStep = step
			fmt.Fprintf(p.w, "%s: %d/%d %s (%d%%)\n", p.label, done, total, p.unit, pct)
		}
		return
	}
	if now := time.Now(); now.Sub(p.last) >= 100*time.Millisecond || done == total {
		p.last, p.drawn = now, true
		fmt.Fprintf(p.w, "\r%-9s [%-30s] %3d%% %d/%d %s", p.label, strings.Repeat("#", pct*30/100), pct, done, total, p.unit)
	}
}

// done ends the bar's line.
func (p *progress) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func printSummary(w io.Writer, rep *devicedb.ImportReport, reportFile string) {
	t := rep.Totals
	switch {
	case rep.DryRun:
		fmt.Fprintln(w, "dry run: nothing was changed; a real run would do this:")
	case !t.Changed:
		fmt.Fprintf(w, "import run %d: nothing to change (this export was imported already)\n", rep.ID)
	default:
		fmt.Fprintf(w, "import run %d: done\n", rep.ID)
	}
	fmt.Fprintf(w, "  users:    %d Classic users → %d created, %d unchanged, %d skipped (%d split, %d profile-only)\n",
		t.ClassicUsers, t.UsersCreated, t.UsersUnchanged, t.UsersSkipped, t.UsersSplit, t.ProfileOnly)
	fmt.Fprintf(w, "  welcome:  %d messages queued (GET /api/v1/outbox)\n", t.WelcomeMessages)
	fmt.Fprintf(w, "  extensions: %d reserved ones never assigned, %d virtual; %d phone numbers\n", t.ReservedExtensions, t.VirtualExtensions, t.PhoneNumbers)
	fmt.Fprintf(w, "  licenses: %d created, %d unchanged, %d skipped\n", t.LicensesCreated, t.LicensesUnchanged, t.LicensesSkipped)
	fmt.Fprintf(w, "  devices:  %d activated, %d unsupported (frozen config), %d unchanged, %d skipped; %d lines not activated\n",
		t.DevicesActivated, t.DevicesUnsupported, t.DevicesUnchanged, t.DevicesSkipped, t.LinesSkipped)
	if len(rep.AutoAttendants)+len(rep.Receptionists)+len(rep.Sites) > 0 || t.ContactsCarried+t.ProfilePictures > 0 {
		fmt.Fprintf(w, "  features: %d auto attendants created (%d inactive), %d receptionists, %d sites; %d contacts and %d profile pictures carried; %d users with SMS\n",
			t.AutoAttendantsCreated, t.AutoAttendantsInactive, t.ReceptionistsCreated, t.SitesCreated, t.ContactsCarried, t.ProfilePictures, t.SMSUsers)
	}
	where := "--report FILE"
	if reportFile != "" {
		where = reportFile
	}
	if rep.ID != 0 {
		where += fmt.Sprintf(" or GET /api/v1/imports/%d", rep.ID)
	}
	fmt.Fprintf(w, "  warnings: %d (the full report: %s)\n", t.Warnings, where)
	printWarnings(w, rep)
}

// maxWarnings is how many warnings the CLI prints; the report has them all.
const maxWarnings = 50

// printWarnings prints the report's warnings, each named by the user or
// device it is about, up to maxWarnings.
func printWarnings(w io.Writer, rep *devicedb.ImportReport) {
	var all []string
	for _, u := range rep.Users {
		for _, m := range u.Warnings {
			all = append(all, "user "+u.ClassicUsername+": "+m)
		}
	}
	for _, d := range rep.Devices {
		for _, m := range d.Warnings {
			all = append(all, "device "+d.MAC+": "+m)
		}
	}
	for i, m := range all {
		if i == maxWarnings {
			fmt.Fprintf(w, "    … and %d more in the full report\n", len(all)-maxWarnings)
			break
		}
		fmt.Fprintf(w, "    - %s\n", m)
	}
}
