// Command phoneprov-bench is the load harness of phoneprov: "seed" makes
// an account of phones of a vendor mix, "storm" simulates their boot (each
// fetches its vendor's files in order with its real User-Agent, then
// registers over SIP with the credentials from its config), reporting
// latency per step, failures by kind and the server's CPU and RSS, and
// "soak" runs a mixed load for a long time and says whether the server
// grows.
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
// (storm0000001…, extension 3000001…, license STORM-0000001…) per phone with
// the phone on its line 1, through the admin API (five requests a phone)
// or, by default above 1,000 phones, through Classic imports of 10,000
// users each (POST /api/v1/imports/classic: an import of 10,000 users takes
// seconds, where 100,000 phones took about 800 s through the API). "seed"
// does only that, then checks every phone's own config with GET
// /api/v1/identify and writes what the benchmark scripts need
// (--out-targets, --out-www, --out-sipp-csv, --out-creds):
//
//	phoneprov-bench seed --server http://127.0.0.1:HTTP --token-file /tmp/d/admin.token \
//	    --devices 100000 --out-sipp-csv users.csv
//
// storm --reuse and soak --reuse skip seeding for an account seeded before
// with the same --devices and --base. Before the storm every phone is
// checked with identify, and the file list of one phone per vendor is
// fetched once: a file the server answers 404 (a firmware image it does not
// hold) is expected to be 404.
//
// Soak: "soak" holds the phones under a mixed load for --duration (default
// 10m): each phone in turn re-fetches its own config with its User-Agent on
// a new connection (--fetch-rate 200/s), registers, refreshes or now and
// then unregisters with digest auth and a short --expires (--register-rate
// 100/s), and admin writes cycle users, licenses, devices, lines and
// re-sync requests (--admin-rate 5/s; the phones answer the NOTIFYs). Every
// --sample it records the server's RSS (/proc/PID/status), its goroutines
// (from --debug, the server's --debug-addr, found among its listeners when
// not given), heap and bindings (/metrics), and the harness's requests and
// errors. The verdict skips the first fifth as warm-up and compares the
// mean of the second fifth with that of the last: growth beyond
// --rss-tolerance (10%) or --goroutine-tolerance (+50), or more failed
// requests than --max-error-ratio, fails it:
//
//	phoneprov serve --data /tmp/d ... --debug-addr 127.0.0.1:6060
//	phoneprov-bench soak --server http://127.0.0.1:HTTP --token-file /tmp/d/admin.token \
//	    --sip 127.0.0.1:SIP --debug http://127.0.0.1:6060 --duration 10m --devices 2000 --json soak.json
//
// The exit code is 0 when every phone registered (storm), the account was
// made (seed) or the soak passed, 1 otherwise, 2 on bad usage.
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
		fmt.Fprintln(os.Stderr, "usage: phoneprov-bench seed --server URL --token-file F --devices N [--via api|import] [--out-… FILE]\n"+
			"       phoneprov-bench storm --server URL --token-file F --sip HOST:PORT [flags]\n"+
			"       phoneprov-bench soak --server URL --token-file F --sip HOST:PORT --duration 10m [flags]\n"+
			"       phoneprov-bench idle --addr HOST:PORT --conns N --pids PID[,PID] [flags]\n"+
			"       phoneprov-bench COMMAND -h   (lists the flags)")
		return 2
	}
	switch args[0] {
	case "seed":
		return seedCmd(args[1:], os.Stdout, os.Stderr)
	case "storm":
		return stormCmd(args[1:], os.Stdout, os.Stderr)
	case "soak":
		return soakCmd(args[1:], os.Stdout, os.Stderr)
	case "idle":
		return idleCmd(args[1:], os.Stdout, os.Stderr)
	default:
		fmt.Fprintf(os.Stderr, "phoneprov-bench: unknown command %q (try seed, storm, soak or idle)\n", args[0])
		return 2
	}
}
