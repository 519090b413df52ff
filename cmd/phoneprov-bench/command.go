package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
)

// report is what storm and soak print: as text, and as JSON with --json.
type report interface{ WriteText(w io.Writer) }

// runCommand is the life of one sub-command: declare its flags (flags
// fills the token file and the JSON output names; jsonOut may be ignored),
// parse args, read the token, run, print the report and write it as JSON
// when asked. run returns the report (nil when none), whether the run saw
// failures, and its error. The exit code is 0, 1 for a failed run or an
// error, 2 for bad usage.
func runCommand(name string, args []string, stdout, stderr io.Writer,
	flags func(fs *flag.FlagSet, tokenFile, jsonOut *string),
	run func(ctx context.Context, token string) (rep report, failed bool, err error)) int {
	var tokenFile, jsonOut string
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	flags(fs, &tokenFile, &jsonOut)
	if code, ok := parseFlags(fs, args, name, stderr); !ok {
		return code
	}
	tok, err := readToken(tokenFile)
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov-bench %s: %v\n", name, err)
		return 2
	}
	rep, failed, err := run(context.Background(), tok)
	if rep != nil {
		rep.WriteText(stdout)
		if jsonOut != "" {
			b, _ := json.MarshalIndent(rep, "", "  ")
			if werr := os.WriteFile(jsonOut, append(b, '\n'), 0o644); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov-bench %s: %v\n", name, err)
		if usageError(err) {
			return 2
		}
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// checkServer accepts a phoneprov base URL on loopback only.
func checkServer(flagName, v string) error {
	if u, err := url.Parse(v); err != nil || u.Scheme != "http" || !loopback(u.Hostname()) {
		return fmt.Errorf("%s %q: %w (http://127.0.0.1:PORT)", flagName, v, ErrNotLoopback)
	}
	return nil
}

// checkSIP accepts a registrar's (or DNS responder's) address on loopback
// only.
func checkSIP(flagName, addr string) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || !loopback(host) {
		return fmt.Errorf("%s %q: %w (127.0.0.1:PORT)", flagName, addr, ErrNotLoopback)
	}
	return nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
