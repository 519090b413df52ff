// Package cli is the phoneprov command line: flags, environment, wiring of
// the servers and signal handling. It holds no domain logic.
package cli

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X .../cli.Version=v1.2.3".
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

const usage = `phoneprov: provisioning server for SIP desk phones and ATAs

Usage:
  phoneprov serve [flags]        run the servers (phoneprov serve -h lists the flags)
  phoneprov firmware add FILE --model M --version V [--target] [--server URL]
                                 add a firmware image
  phoneprov backup DEST.db       write a consistent copy of the database (also while serve runs)
  phoneprov check [--data DIR] [--database URL]
                                 check the database for damage (integrity, foreign keys): ok or the problems
  phoneprov db copy --from URL --to URL
                                 copy the account between databases (sqlite:PATH, postgres://…); the target must be new
  phoneprov import classic FILE.json|DIR [--dry-run] [--server URL]
                                 import a Classic export (JSON, or a folder of CSV files)
  phoneprov admin add NAME       add an admin console account (password from the terminal or stdin)
  phoneprov version              print the version
  phoneprov help                 print this help

Start with:  phoneprov serve --demo
`

// Main runs the command line and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "firmware":
		return firmwareCmd(args[1:], stdout, stderr)
	case "backup":
		return backup(args[1:], stdout, stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "import":
		return importCmd(args[1:], stdout, stderr)
	case "admin":
		return adminCmd(args[1:], os.Stdin, stdout, stderr)
	case "db":
		return dbCmd(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "phoneprov %s\n", version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "phoneprov: unknown command %q\n\n%s", args[0], usage)
	return 2
}
