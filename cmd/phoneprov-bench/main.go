// Command phoneprov-bench is the load harness of phoneprov: "storm" seeds an
// account of phones of a vendor mix through the admin API and simulates
// their boot (each fetches its vendor's files in order with its real
// User-Agent, then registers over SIP with the credentials from its config),
// reporting latency per step, failures by kind and the server's CPU and RSS.
//
// It talks to loopback addresses only and every run is bounded in count and
// time. A run against a server started on an empty data directory:
//
//	phoneprov serve --data /tmp/d --http-addr 127.0.0.1:0 --sip-addr 127.0.0.1:0 ...
//	phoneprov-bench storm --server http://127.0.0.1:HTTP --token-file /tmp/d/admin.token \
//	    --sip 127.0.0.1:SIP --devices 10000 --arrival poisson --window 10s \
//	    --transport udp --sources 200 --timeout 120s --json storm.json
//
// The mix is Yealink T46U, Poly VVX 410, Fanvil X4U, Cisco CP-8841-3PCC,
// Grandstream GRP2614 and Snom D735 in turn. Seeding makes one licensed user
// (storm0000001…, extension 3000001…) per phone; --reuse skips it for an
// account seeded by an earlier run with the same --devices and --base.
// Before the storm every phone is checked with GET /api/v1/identify, and
// the file list of one phone per vendor is fetched once: a file the server
// answers 404 (a firmware image it does not hold) is expected to be 404.
// The exit code is 0 when every phone registered, 1 otherwise, 2 on bad
// usage.
package main

import (
	"fmt"
	"os"
)

func main() {
	os.Exit(cli(os.Args[1:]))
}

// cli runs a sub-command and returns the process exit code: 0 when the run
// had no failure, 1 when it failed or saw failures, 2 on bad usage.
func cli(args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(os.Stderr, "usage: phoneprov-bench storm --server URL --token-file F --sip HOST:PORT [flags]\n"+
			"       phoneprov-bench storm -h   (lists the flags)")
		return 2
	}
	switch args[0] {
	case "storm":
		return stormCmd(args[1:], os.Stdout, os.Stderr)
	default:
		fmt.Fprintf(os.Stderr, "phoneprov-bench: unknown command %q (try storm)\n", args[0])
		return 2
	}
}
