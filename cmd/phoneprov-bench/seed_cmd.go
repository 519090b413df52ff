package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// SeedConfig is one "seed" run: make the account of Devices phones (as
// storm does, so that storm --reuse and soak --reuse can use it), check it
// and write what the benchmark scripts feed their load generators.
type SeedConfig struct {
	Server   string        // phoneprov base URL on loopback, http://127.0.0.1:PORT (required)
	Token    string        // admin API bearer token (required; the CLI reads it from --token-file)
	Devices  int           // phones, 1..1,000,000; default 1000
	Base     int           // offset of the MACs, user names and extensions; default 0
	Via      string        // "api" or "import"; default import above 1,000 phones, else api
	Chunk    int           // users per import, 1..50,000; default 10,000
	Workers  int           // concurrent admin API clients; default 32
	NoSeed   bool          // the account exists: only check it and write the outputs; default false
	NoVerify bool          // skip the identify check of every phone's config; default false
	SeedTime time.Duration // bound on the whole run; default 30m

	Targets string // write "path<TAB>User-Agent" of every phone's own config here (wrk's targets.lua)
	WWW     string // write every phone's own config here, named as its path (a static server's root)
	SippCSV string // write a SIPp injection file here: user;auth user;password;[authentication ...]
	Creds   string // write "auth user<TAB>password<TAB>user" lines here (Kamailio's htables)
}

func (c *SeedConfig) applyDefaults() {
	if c.Devices == 0 {
		c.Devices = 1000
	}
	if c.Chunk == 0 {
		c.Chunk = defaultChunk
	}
	if c.Workers == 0 {
		c.Workers = 32
	}
	if c.SeedTime == 0 {
		c.SeedTime = 30 * time.Minute
	}
	c.Via = seedVia(c.Via, c.Devices)
	c.Server = strings.TrimRight(c.Server, "/")
}

func (c *SeedConfig) validate() error {
	if c.Server == "" || c.Token == "" {
		return fmt.Errorf("%w: --server and --token-file", ErrMissingFlag)
	}
	if err := checkServer("--server", c.Server); err != nil {
		return err
	}
	switch {
	case c.Devices < 1 || c.Devices > 1000000:
		return fmt.Errorf("--devices %d: %w (1..1000000)", c.Devices, ErrBadValue)
	case c.Base < 0 || c.Base+c.Devices > 0xffffff:
		return fmt.Errorf("--base %d: %w", c.Base, ErrBadValue)
	case c.Via != viaAPI && c.Via != viaImport:
		return fmt.Errorf("--via %q: %w (api, import)", c.Via, ErrBadValue)
	case c.Chunk < 1 || c.Chunk > 50000 || c.Workers < 1 || c.Workers > 256 || c.SeedTime < 0:
		return fmt.Errorf("--chunk 1..50000, --workers 1..256, --seed-timeout: %w", ErrBadValue)
	}
	return nil
}

func (c *SeedConfig) flags(fs *flag.FlagSet, tokenFile *string) {
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.Server, "server", "", "phoneprov base URL on loopback, http://127.0.0.1:PORT (required)")
	fs.StringVar(tokenFile, "token-file", "", "admin token file, DATA/admin.token (required)")
	fs.IntVar(&c.Devices, "devices", 1000, "phones to seed (storm's mix, users storm0000001…)")
	fs.IntVar(&c.Base, "base", 0, "offset of MACs, user names and extensions (distinct accounts)")
	fs.StringVar(&c.Via, "via", "", "api (5 requests per phone) or import (Classic exports); default import above 1000 phones")
	fs.IntVar(&c.Chunk, "chunk", defaultChunk, "users per import")
	fs.IntVar(&c.Workers, "workers", 32, "concurrent admin API clients")
	fs.BoolVar(&c.NoSeed, "no-seed", false, "the account exists: only check it and write the outputs")
	fs.BoolVar(&c.NoVerify, "no-verify", false, "skip the identify check of every phone's config")
	fs.DurationVar(&c.SeedTime, "seed-timeout", 30*time.Minute, "bound on the whole run")
	fs.StringVar(&c.Targets, "out-targets", "", "write \"path<TAB>User-Agent<TAB>basic<TAB>ETag\" of every phone's own config here (basic: base64 of its HTTP credential)")
	fs.StringVar(&c.WWW, "out-www", "", "write every phone's own config into this folder, named as its path")
	fs.StringVar(&c.SippCSV, "out-sipp-csv", "", "write a SIPp injection file (user;auth user;password;[authentication …]) here")
	fs.StringVar(&c.Creds, "out-creds", "", "write \"auth user<TAB>password<TAB>user\" lines here")
}

// seedCmd is "phoneprov-bench seed".
func seedCmd(args []string, stdout, stderr io.Writer) int {
	var c SeedConfig
	flags := func(fs *flag.FlagSet, tokenFile, _ *string) { c.flags(fs, tokenFile) }
	return runCommand("seed", args, stdout, stderr, flags, func(ctx context.Context, token string) (report, bool, error) {
		c.Token = token
		return nil, false, Seed(ctx, c, stdout)
	})
}

// Seed makes the account (unless NoSeed), checks with identify that every
// phone's own config would be served, then fetches each once as the phone
// would when an output needs it, and writes the outputs. progress gets one
// line per phase.
func Seed(ctx context.Context, c SeedConfig, progress io.Writer) error {
	c.applyDefaults()
	if err := c.validate(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.SeedTime)
	defer cancel()
	ds := devices(c.Devices, c.Base, vendors)
	a := newAdmin(c.Server, c.Token, c.Workers)
	if !c.NoSeed {
		if err := seedDevices(ctx, a, ds, c.Via, c.Chunk, c.Workers, progress); err != nil {
			return fmt.Errorf("seeding: %w", err)
		}
	}
	if err := a.credentials(ctx, ds, c.Workers); err != nil {
		return fmt.Errorf("reading the phones' provisioning credentials: %w", err)
	}
	if !c.NoVerify {
		t0 := time.Now()
		if err := phase(ctx, ds, c.Workers, a.verifyMain); err != nil {
			return fmt.Errorf("verifying: %w", err)
		}
		fmt.Fprintf(progress, "identify checked %d devices in %.1f s\n", len(ds), time.Since(t0).Seconds())
	}
	return writeOutputs(ctx, a, c, ds, progress)
}

// parseFlags parses a sub-command's flags; ok is false when the command
// must stop with code (2, after printing the flags).
func parseFlags(fs *flag.FlagSet, args []string, name string, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		fs.SetOutput(stderr)
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(stderr, "phoneprov-bench %s: %v\n", name, err)
		}
		fs.PrintDefaults()
		return 2, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "phoneprov-bench %s: unexpected argument %q\n", name, fs.Arg(0))
		return 2, false
	}
	return 0, true
}

// readToken reads the admin token file; an empty name gives an empty
// token, which validation reports as a missing flag.
func readToken(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// usageError is true for errors of the command line (exit code 2).
func usageError(err error) bool {
	return errors.Is(err, ErrMissingFlag) || errors.Is(err, ErrBadValue) || errors.Is(err, ErrNotLoopback)
}
