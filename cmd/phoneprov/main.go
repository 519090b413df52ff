// Command phoneprov is a provisioning server for SIP desk phones and ATAs:
// config server, SIP registrar, admin API, STUN and DNS in one binary.
package main

import (
	"os"

	"github.com/phoneprov/phoneprov/cmd/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
