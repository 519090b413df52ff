package tftp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needTool returns the path of a Debian tool; without it the test skips,
// or fails under CI=true (CI installs the tools).
func needTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not installed (apt-get install %s)", name, pkg)
		}
		t.Skipf("%s not installed (apt-get install %s)", name, pkg)
	}
	return path
}

// run runs a client for at most 30 s and returns its combined output.
func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish: %s", name, out)
	}
	return string(out), err
}

// TestTFTPHPA fetches files with Debian's tftp-hpa client: binary files
// byte for byte (one over 2048 blocks), a text file in its default
// netascii mode, and a refused name as "File not found".
func TestTFTPHPA(t *testing.T) {
	bin := needTool(t, "tftp", "tftp-hpa")
	big := make([]byte, 1<<20+77)
	for i := range big {
		big[i] = byte(i ^ i>>8)
	}
	src := &files{m: map[string][]byte{
		"SEP0011223344AA.cnf.xml": []byte("<device>\n</device>\n"),
		"fw.loads":                big,
	}}
	srv := start(t, Config{Source: src})
	host, port := srv.Addr().String(), strconv.Itoa(int(srv.Port()))
	dir := t.TempDir()
	for _, tc := range []struct{ name, mode string }{
		{"SEP0011223344AA.cnf.xml", "binary"},
		{"fw.loads", "binary"},
		{"SEP0011223344AA.cnf.xml", "ascii"},
	} {
		out := filepath.Join(dir, tc.name+"."+tc.mode)
		if msg, err := run(t, bin, "-m", tc.mode, host, port, "-c", "get", tc.name, out); err != nil || msg != "" {
			t.Fatalf("tftp get %s (%s): %v %s", tc.name, tc.mode, err, msg)
		}
		got, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, src.m[tc.name]) {
			t.Errorf("%s (%s): got %d bytes, want %d identical", tc.name, tc.mode, len(got), len(src.m[tc.name]))
		}
	}
	for _, name := range []string{"SEP0011223344BB.cnf.xml", "../fw.loads"} {
		msg, _ := run(t, bin, "-m", "binary", host, port, "-c", "get", name, filepath.Join(dir, "refused"))
		if !strings.Contains(msg, "Error code 1") {
			t.Errorf("tftp get %s: %q, want Error code 1", name, msg)
		}
	}
	msg, _ := run(t, bin, "-m", "binary", host, port, "-c", "put", filepath.Join(dir, "fw.loads.binary"), "upload.bin")
	if !strings.Contains(msg, "Error code 2") {
		t.Errorf("tftp put: %q, want Error code 2", msg)
	}
}

// TestCurlTFTP fetches with curl's TFTP client, which negotiates blksize
// and tsize (RFC 2348, 2349) through an OACK.
func TestCurlTFTP(t *testing.T) {
	bin := needTool(t, "curl", "curl")
	big := bytes.Repeat([]byte("0123456789abcdef"), 20000)
	src := &files{m: map[string][]byte{"fw.bin": big}}
	srv := start(t, Config{Source: src, BlockSize: 1428})
	out := filepath.Join(t.TempDir(), "fw.bin")
	for _, blksize := range []string{"1428", "8192", "512"} {
		msg, err := run(t, bin, "-sS", "--tftp-blksize", blksize, "-o", out, "tftp://"+srv.String()+"/fw.bin")
		if err != nil {
			t.Fatalf("curl --tftp-blksize %s: %v %s", blksize, err, msg)
		}
		got, _ := os.ReadFile(out)
		if !bytes.Equal(got, big) {
			t.Errorf("curl --tftp-blksize %s: got %d bytes, want %d identical", blksize, len(got), len(big))
		}
	}
	// curl's exit code 68 is "TFTP server: file not found".
	msg, err := run(t, bin, "-sS", "-o", out, "tftp://"+srv.String()+"/nope.bin")
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 68 {
		t.Errorf("curl of a refused file: %v %q, want exit code 68", err, msg)
	}
}
