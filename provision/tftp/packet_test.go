package tftp

import (
	"bytes"
	"reflect"
	"strings"
	"testing"
)

func TestParsePacket(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want Packet
		ok   bool
	}{
		{"rrq", "\x00\x01SEP001122334455.cnf.xml\x00octet\x00", Packet{Op: opRRQ, Name: "SEP001122334455.cnf.xml", Mode: "octet"}, true},
		{"rrq netascii upper", "\x00\x01a\x00NetASCII\x00", Packet{Op: opRRQ, Name: "a", Mode: "netascii"}, true},
		{"rrq options", "\x00\x01a\x00octet\x00BLKSIZE\x001428\x00tsize\x000\x00blksize\x00512\x00",
			Packet{Op: opRRQ, Name: "a", Mode: "octet", Options: []Option{{"blksize", "1428"}, {"tsize", "0"}}}, true},
		{"wrq", "\x00\x02a\x00octet\x00", Packet{Op: opWRQ, Name: "a", Mode: "octet"}, true},
		{"data", "\x00\x03\x01\x02hi", Packet{Op: opDATA, Block: 0x102, Data: []byte("hi")}, true},
		{"data empty", "\x00\x03\x00\x07", Packet{Op: opDATA, Block: 7, Data: []byte{}}, true},
		{"ack", "\x00\x04\xff\xff", Packet{Op: opACK, Block: 65535}, true},
		{"error", "\x00\x05\x00\x01File not found\x00", Packet{Op: opERROR, Code: 1, Message: "File not found"}, true},
		{"oack", "\x00\x06blksize\x001024\x00", Packet{Op: opOACK, Options: []Option{{"blksize", "1024"}}}, true},
		{"empty", "", Packet{}, false},
		{"one byte", "\x00", Packet{}, false},
		{"unknown opcode", "\x00\x07a\x00", Packet{}, false},
		{"rrq no mode", "\x00\x01a\x00", Packet{}, false},
		{"rrq unterminated", "\x00\x01a\x00octet", Packet{}, false},
		{"rrq empty name", "\x00\x01\x00octet\x00", Packet{}, false},
		{"rrq control byte in name", "\x00\x01a\nb\x00octet\x00", Packet{}, false},
		{"rrq non-ASCII name", "\x00\x01caf\xc3\xa9\x00octet\x00", Packet{}, false},
		{"rrq NUL inside the name", "\x00\x01a\x00b\x00octet\x00", Packet{}, false},
		{"rrq mail mode", "\x00\x01a\x00mail\x00", Packet{}, false},
		{"rrq non-ASCII mode", "\x00\x01a\x00OCTET\xe2\x84\xaa\x00", Packet{}, false},
		{"rrq option without value", "\x00\x01a\x00octet\x00blksize\x00", Packet{}, false},
		{"rrq long name", "\x00\x01" + string(bytes.Repeat([]byte{'a'}, 256)) + "\x00octet\x00", Packet{}, false},
		{"ack too long", "\x00\x04\x00\x01\x00", Packet{}, false},
		{"error unterminated", "\x00\x05\x00\x01x", Packet{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParsePacket([]byte(tc.in))
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if tc.ok && !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"SEP001122334455.cnf.xml": "SEP001122334455.cnf.xml",
		"/spa508G.cfg":            "spa508G.cfg",
		"cisco/SEP1.cnf.xml":      "cisco/SEP1.cnf.xml",
		"/etc/passwd":             "",
		"//x":                     "",
		"../x":                    "",
		"a/../x":                  "",
		"a/./x":                   "",
		"a//x":                    "",
		"a/":                      "",
		`a\x`:                     "",
		"C:x":                     "",
		"/":                       "",
		".":                       "",
	} {
		got, ok := cleanName(in)
		if got != want || ok != (want != "") {
			t.Errorf("cleanName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

// FuzzParsePacket: no input panics, a parsed packet encodes back to a
// packet that parses equal, and a request's name and mode stay printable
// and short.
func FuzzParsePacket(f *testing.F) {
	for _, s := range []string{
		"\x00\x01SEP001122334455.cnf.xml\x00octet\x00",
		"\x00\x01a\x00octet\x00blksize\x001428\x00tsize\x000\x00timeout\x003\x00",
		"\x00\x02a\x00netascii\x00",
		"\x00\x03\x00\x01data",
		"\x00\x04\x00\x01",
		"\x00\x05\x00\x01File not found\x00",
		"\x00\x06blksize\x00512\x00",
		"\x00\x01../../etc/passwd\x00OCTET\x00",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePacket(b)
		if err != nil {
			return
		}
		if p.Op == opRRQ || p.Op == opWRQ {
			if len(p.Name) == 0 || len(p.Name) > maxNameLen || !printable(p.Name) || (p.Mode != "octet" && p.Mode != "netascii") {
				t.Fatalf("accepted request %+v", p)
			}
			if n, ok := cleanName(p.Name); ok {
				for _, seg := range strings.Split(n, "/") {
					if seg == "" || seg == "." || seg == ".." || strings.Contains(seg, `\`) {
						t.Fatalf("cleanName(%q) = %q", p.Name, n)
					}
				}
			}
		}
		q, err := ParsePacket(p.Encode())
		if err != nil {
			t.Fatalf("re-parsing %+v: %v", p, err)
		}
		if p.Op == opDATA && len(p.Data) == 0 {
			p.Data, q.Data = nil, nil
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip: %+v became %+v", p, q)
		}
	})
}
