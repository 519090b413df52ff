package dns_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/phoneprov/phoneprov/sip/dns/dnstest"
)

// needDig returns the path of dig (Debian package bind9-dnsutils). Without
// it the test skips, except under CI=true where it fails.
func needDig(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("dig")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("dig not found (apt-get install bind9-dnsutils): %v", err)
		}
		t.Skipf("dig not found (apt-get install bind9-dnsutils): %v", err)
	}
	return p
}

// digOutput is what the test reads from dig's output.
type digOutput struct {
	raw      string
	status   string              // e.g. NOERROR
	flags    []string            // header flags, e.g. qr aa tc
	sections map[string][]string // ANSWER, AUTHORITY, ADDITIONAL: records, fields joined by one space
	size     int                 // MSG SIZE rcvd
}

var (
	digStatus = regexp.MustCompile(`status: ([A-Z]+),`)
	digFlags  = regexp.MustCompile(`(?m)^;; flags: ([a-z ]*);`)
	digSize   = regexp.MustCompile(`MSG SIZE\s+rcvd: (\d+)`)
	digHeader = regexp.MustCompile(`^;; ([A-Z]+) SECTION:$`)
)

// runDig queries addr with dig and parses the output.
func runDig(t *testing.T, dig, addr string, args ...string) digOutput {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args = append([]string{"@" + host, "-p", port, "+norec", "+time=2", "+tries=1"}, args...)
	out, err := exec.CommandContext(ctx, dig, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("dig %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	d := digOutput{raw: string(out), sections: map[string][]string{}}
	if m := digStatus.FindStringSubmatch(d.raw); m != nil {
		d.status = m[1]
	}
	if m := digFlags.FindAllStringSubmatch(d.raw, -1); m != nil {
		d.flags = strings.Fields(m[len(m)-1][1]) // the last answer when dig retried
	}
	if m := digSize.FindAllStringSubmatch(d.raw, -1); m != nil {
		d.size, _ = strconv.Atoi(m[len(m)-1][1])
	}
	section := ""
	for line := range strings.Lines(d.raw) {
		line = strings.TrimSpace(line)
		switch m := digHeader.FindStringSubmatch(line); {
		case m != nil:
			section = m[1]
			if section != "QUESTION" {
				d.sections[section] = nil // the last answer when dig retried
			}
		case line == "" || strings.HasPrefix(line, ";"):
			section = ""
		case section != "" && section != "QUESTION":
			d.sections[section] = append(d.sections[section], strings.Join(strings.Fields(line), " "))
		}
	}
	return d
}

// check compares dig's view of an answer with a case.
func (d digOutput) check(t *testing.T, c dnstest.Case) {
	t.Helper()
	if want := dns.RcodeToString[c.Rcode]; d.status != want {
		t.Errorf("status %q, want %q", d.status, want)
	}
	wantAA := c.Rcode == dns.RcodeSuccess || c.Rcode == dns.RcodeNameError
	if slices.Contains(d.flags, "aa") != wantAA || slices.Contains(d.flags, "tc") != c.Truncated {
		t.Errorf("flags %v, want aa %t tc %t", d.flags, wantAA, c.Truncated)
	}
	for name, want := range map[string][]string{"ANSWER": c.Answer, "AUTHORITY": c.Ns, "ADDITIONAL": c.Extra} {
		w := make([]string, 0, len(want))
		for _, s := range want {
			rr, err := dns.NewRR(s)
			if err != nil {
				t.Fatal(err)
			}
			w = append(w, strings.Join(strings.Fields(rr.String()), " "))
		}
		got := slices.Clone(d.sections[name])
		slices.Sort(got)
		slices.Sort(w)
		if !slices.Equal(got, w) {
			t.Errorf("%s section\n\t%s\nwant\n\t%s", name, strings.Join(got, "\n\t"), strings.Join(w, "\n\t"))
		}
	}
	if t.Failed() {
		t.Logf("dig output:\n%s", d.raw)
	}
}

// TestDig asks the real dig for every record type and refusal, over UDP
// and TCP.
func TestDig(t *testing.T) {
	dig := needDig(t)
	srv := dnstest.Start(t, testConfig())
	cases := zoneCases()
	names := []string{"soa", "ns", "srv sip udp", "srv sip tcp", "srv sips tcp", "srv stun udp", "naptr",
		"a sip", "aaaa sip", "a public host", "aaaa apex", "out of zone", "nxdomain", "nodata type", "any notimp"}
	for _, transport := range []string{"udp", "tcp"} {
		for _, name := range names {
			t.Run(transport+"/"+name, func(t *testing.T) {
				c := cases[name]
				args := []string{c.Qname, dns.TypeToString[c.Qtype]}
				if transport == "tcp" {
					args = append(args, "+tcp")
				} else {
					args = append(args, "+notcp") // dig asks ANY over TCP by default
				}
				d := runDig(t, dig, srv.Addr(transport), args...)
				if via := "(" + strings.ToUpper(transport) + ")"; !strings.Contains(d.raw, via) {
					t.Errorf("dig did not ask over %s\n%s", transport, d.raw)
				}
				d.check(t, c.Over(transport == "udp"))
			})
		}
	}
}

// TestDigTruncation checks with dig that an answer too big for UDP comes
// back with TC set and within the buffer, and complete over TCP, also when
// dig retries by itself.
func TestDigTruncation(t *testing.T) {
	dig := needDig(t)
	srv := dnstest.Start(t, bigConfig(100))
	tests := []struct {
		name    string
		addr    string
		args    []string
		wantTC  bool
		maxSize int
	}{
		{"udp no edns", srv.UDPAddr, []string{"+ignore", "+noedns"}, true, 512},
		{"udp bufsize 512", srv.UDPAddr, []string{"+ignore", "+bufsize=512"}, true, 512},
		{"udp bufsize 4096 capped", srv.UDPAddr, []string{"+ignore", "+bufsize=4096"}, true, 1232},
		{"tcp", srv.TCPAddr, []string{"+tcp", "+noedns"}, false, dns.MaxMsgSize},
		{"udp then tcp", srv.UDPAddr, []string{"+noedns"}, false, dns.MaxMsgSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := runDig(t, dig, tt.addr, append(tt.args, "sip.phoneprov.test", "A")...)
			n := len(d.sections["ANSWER"])
			if d.status != "NOERROR" || slices.Contains(d.flags, "tc") != tt.wantTC || d.size > tt.maxSize || d.size == 0 {
				t.Errorf("status %s flags %v size %d; want NOERROR, tc %t, size <= %d\n%s",
					d.status, d.flags, d.size, tt.wantTC, tt.maxSize, d.raw)
			}
			if tt.wantTC && (n == 0 || n >= 100) || !tt.wantTC && n != 100 {
				t.Errorf("%d answers, tc %t\n%s", n, tt.wantTC, d.raw)
			}
			if tt.name == "udp then tcp" && !strings.Contains(d.raw, "Truncated, retrying in TCP mode") {
				t.Errorf("dig did not retry over TCP\n%s", d.raw)
			}
		})
	}
}
