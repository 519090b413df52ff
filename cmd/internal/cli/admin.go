package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/phoneprov/phoneprov/devicedb"
)

// adminCmd runs "phoneprov admin add NAME": an admin console account. The
// password is asked twice on a terminal (not echoed) or read as the first
// line of stdin otherwise.
func adminCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	const use = "usage: phoneprov admin add [--data DIR] [--database URL] NAME   (password from the terminal, or the first line of stdin)"
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fs := flag.NewFlagSet("phoneprov admin add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	database := databaseFlag(fs)
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, use)
		return 2
	}
	pw, err := readPassword(stdin, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov admin add: %v\n", err)
		return 1
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		fmt.Fprintf(stderr, "phoneprov admin add: %v\n", err)
		return 1
	}
	s, err := devicedb.Open(context.Background(), storeOptions(*data, *database))
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov admin add: %v\n", err)
		return 1
	}
	defer s.Close()
	ctx := devicedb.WithActor(context.Background(), "cli")
	a, err := s.CreateAdmin(ctx, fs.Arg(0), pw)
	if err != nil {
		fmt.Fprintf(stderr, "phoneprov admin add: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "admin %s added; sign in at the server's / page\n", a.Name)
	return 0
}

// readPassword asks twice without echo when stdin is a terminal, or reads
// the first line of stdin.
func readPassword(stdin io.Reader, prompt io.Writer) (string, error) {
	f, isFile := stdin.(*os.File)
	tty := false
	if isFile {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	br := bufio.NewReader(io.LimitReader(stdin, 4096))
	line := func() (string, error) {
		s, err := br.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && s != "") {
			return "", errors.New("no password on stdin: type it on a terminal or pipe it as the first line")
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	if !tty {
		return line()
	}
	echo := func(on bool) {
		arg := "-echo"
		if on {
			arg = "echo"
		}
		cmd := exec.Command("stty", arg)
		cmd.Stdin = f
		cmd.Run()
	}
	echo(false)
	defer func() { echo(true); fmt.Fprintln(prompt) }()
	fmt.Fprint(prompt, "Password: ")
	a, err := line()
	if err != nil {
		return "", err
	}
	fmt.Fprint(prompt, "\nAgain: ")
	b, err := line()
	if err != nil {
		return "", err
	}
	if a != b {
		return "", errors.New("the two passwords differ")
	}
	return a, nil
}
