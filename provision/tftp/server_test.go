package tftp

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/provision/tftp/tftptest"
)

func testFiles() *files {
	big := make([]byte, 3000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	return &files{m: map[string][]byte{
		"spa508G.cfg":    []byte("<flat-profile/>\n"),
		"exact512.bin":   bytes.Repeat([]byte{'x'}, 512),
		"big.bin":        big,
		"text.cfg":       []byte("a=1\nb=2\rc\n"),
		"dir/nested.cfg": []byte("nested"),
	}}
}

func TestGet(t *testing.T) {
	src := testFiles()
	srv := start(t, Config{Source: src, BlockSize: 1468})
	cases := []struct {
		name, file, mode string
		opts             []Option
		want             []byte
		wantOACK         []Option
		wantErr          uint16 // 0: success
	}{
		{name: "small octet", file: "spa508G.cfg", mode: "octet", want: src.m["spa508G.cfg"]},
		{name: "mode in upper case", file: "spa508G.cfg", mode: "OCTET", want: src.m["spa508G.cfg"]},
		{name: "leading slash is the root", file: "/spa508G.cfg", mode: "octet", want: src.m["spa508G.cfg"]},
		{name: "relative sub-folder", file: "dir/nested.cfg", mode: "octet", want: []byte("nested")},
		{name: "multiple of 512 ends with an empty block", file: "exact512.bin", mode: "octet", want: src.m["exact512.bin"]},
		{name: "several blocks", file: "big.bin", mode: "octet", want: src.m["big.bin"]},
		{name: "netascii", file: "text.cfg", mode: "netascii", want: []byte("a=1\r\nb=2\r\x00c\r\n")},
		{name: "blksize", file: "big.bin", mode: "octet", opts: []Option{{"blksize", "1024"}},
			want: src.m["big.bin"], wantOACK: []Option{{"blksize", "1024"}}},
		{name: "blksize capped", file: "big.bin", mode: "octet", opts: []Option{{"BLKSIZE", "9000"}},
			want: src.m["big.bin"], wantOACK: []Option{{"blksize", "1468"}}},
		{name: "blksize out of range ignored", file: "big.bin", mode: "octet", opts: []Option{{"blksize", "7"}},
			want: src.m["big.bin"]},
		{name: "tsize and timeout", file: "big.bin", mode: "octet", opts: []Option{{"tsize", "0"}, {"timeout", "3"}, {"x-unknown", "1"}},
			want: src.m["big.bin"], wantOACK: []Option{{"tsize", "3000"}, {"timeout", "3"}}},
		{name: "timeout out of range ignored", file: "big.bin", mode: "octet", opts: []Option{{"timeout", "0"}, {"blksize", "600"}},
			want: src.m["big.bin"], wantOACK: []Option{{"blksize", "600"}}},
		{name: "no tsize in netascii", file: "text.cfg", mode: "netascii", opts: []Option{{"tsize", "0"}},
			want: []byte("a=1\r\nb=2\r\x00c\r\n")},
		{name: "unknown file", file: "nope.cfg", mode: "octet", wantErr: errNotFound},
		{name: "dot-dot", file: "../spa508G.cfg", mode: "octet", wantErr: errNotFound},
		{name: "dot-dot inside", file: "dir/../spa508G.cfg", mode: "octet", wantErr: errNotFound},
		{name: "absolute path", file: "/etc/passwd", mode: "octet", wantErr: errNotFound},
		{name: "double slash", file: "//spa508G.cfg", mode: "octet", wantErr: errNotFound},
		{name: "backslash", file: `..\spa508G.cfg`, mode: "octet", wantErr: errNotFound},
		{name: "drive letter", file: `C:spa508G.cfg`, mode: "octet", wantErr: errNotFound},
		{name: "bad mode", file: "spa508G.cfg", mode: "mail", wantErr: errIllegalOp},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var opts []string
			for _, o := range tc.opts {
				opts = append(opts, o.Name, o.Value)
			}
			data, oackList, err := tftptest.Get(context.Background(), srv, tc.file, tc.mode, opts...)
			var oack []Option
			for i := 0; i+1 < len(oackList); i += 2 {
				oack = append(oack, Option{oackList[i], oackList[i+1]})
			}
			if tc.wantErr != 0 {
				var te *tftptest.Error
				if !errors.As(err, &te) || te.Code != tc.wantErr {
					t.Fatalf("got %v, want TFTP error %d", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, tc.want) {
				t.Errorf("got %d bytes %q, want %d bytes", len(data), data[:min(len(data), 40)], len(tc.want))
			}
			if !reflect.DeepEqual(oack, tc.wantOACK) {
				t.Errorf("OACK %v, want %v", oack, tc.wantOACK)
			}
		})
	}
	// The refused names never reach the Source.
	for _, n := range src.names() {
		switch n {
		case "spa508G.cfg", "dir/nested.cfg", "exact512.bin", "big.bin", "text.cfg", "nope.cfg":
		default:
			t.Errorf("Source asked for %q", n)
		}
	}
}

func TestWriteRequestRefused(t *testing.T) {
	srv := start(t, Config{Source: testFiles()})
	c := newClient(t, srv)
	c.send(srv, Packet{Op: opWRQ, Name: "spa508G.cfg", Mode: "octet"})
	p := c.must()
	if p.Op != opERROR || p.Code != errAccess {
		t.Fatalf("got %+v, want ERROR 2", p)
	}
}

// TestRollover sends more than 65535 blocks (blksize 8): block numbers
// wrap to 0 and the file arrives whole.
func TestRollover(t *testing.T) {
	data := make([]byte, 65540*8+3)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	srv := start(t, Config{Source: &files{m: map[string][]byte{"fw.bin": data}}})
	c := newClient(t, srv)
	c.send(srv, Packet{Op: opRRQ, Name: "fw.bin", Mode: "octet", Options: []Option{{"blksize", "8"}}})
	if p := c.must(); p.Op != opOACK {
		t.Fatalf("got %+v, want OACK", p)
	}
	c.send(c.tid, Packet{Op: opACK, Block: 0})
	var got []byte
	wrapped := false
	for want := uint16(1); ; want++ {
		p := c.must()
		if p.Op != opDATA || p.Block != want {
			t.Fatalf("got op %d block %d, want DATA %d", p.Op, p.Block, want)
		}
		wrapped = wrapped || p.Block == 0
		got = append(got, p.Data...)
		c.send(c.tid, Packet{Op: opACK, Block: p.Block})
		if len(p.Data) < 8 {
			break
		}
	}
	if !wrapped || !bytes.Equal(got, data) {
		t.Fatalf("wrapped %v, got %d bytes, want %d identical", wrapped, len(got), len(data))
	}
}

// TestDuplicateACK: a duplicate ACK is never answered (no Sorcerer's
// Apprentice), and a packet from another port gets ERROR 5 without
// disturbing the transfer. The retransmission timeout is long, so every
// packet the client sees is an answer to what it sent.
func TestDuplicateACKAndWrongTID(t *testing.T) {
	srv := start(t, Config{Source: testFiles(), Timeout: time.Minute})
	c := newClient(t, srv)
	c.send(srv, Packet{Op: opRRQ, Name: "big.bin", Mode: "octet"})
	if p := c.must(); p.Op != opDATA || p.Block != 1 {
		t.Fatalf("got %+v, want DATA 1", p)
	}
	c.send(c.tid, Packet{Op: opACK, Block: 1})
	if p := c.must(); p.Op != opDATA || p.Block != 2 {
		t.Fatalf("got %+v, want DATA 2", p)
	}
	c.send(c.tid, Packet{Op: opACK, Block: 1}) // duplicate
	intruder := newClient(t, srv)
	intruder.send(c.tid, Packet{Op: opACK, Block: 2})
	if p := intruder.must(); p.Op != opERROR || p.Code != errUnknownTID {
		t.Fatalf("intruder got %+v, want ERROR 5", p)
	}
	c.send(c.tid, Packet{Op: opACK, Block: 2})
	if p := c.must(); p.Op != opDATA || p.Block != 3 {
		t.Fatalf("after a duplicate ACK got op %d block %d, want DATA 3 (no resent DATA 2)", p.Op, p.Block)
	}
}

// TestRetransmit: an unanswered DATA is sent again, and after Retries
// the transfer ends with an ERROR.
func TestRetransmit(t *testing.T) {
	srv := start(t, Config{Source: testFiles(), Timeout: 20 * time.Millisecond, Retries: 2})
	c := newClient(t, srv)
	c.send(srv, Packet{Op: opRRQ, Name: "big.bin", Mode: "octet"})
	var ops []uint16
	for range 4 {
		p := c.must()
		ops = append(ops, p.Op<<8|p.Block)
	}
	want := []uint16{opDATA<<8 | 1, opDATA<<8 | 1, opDATA<<8 | 1, opERROR << 8}
	if !reflect.DeepEqual(ops, want) {
		t.Fatalf("packets %04x, want %04x", ops, want)
	}
}

// TestCaps: a second transfer from the same address waits while the cap
// is taken, and a retransmitted RRQ does not start a second transfer.
func TestCaps(t *testing.T) {
	var dropped int
	s, err := New(Config{Source: testFiles(), MaxTransfers: 2, MaxPerSource: 1, OnDropped: func() { dropped++ }})
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddrPort("192.0.2.1:1000")
	steps := []struct {
		peer string
		want bool
	}{
		{"192.0.2.1:1000", true},
		{"192.0.2.1:1000", false}, // retransmitted RRQ
		{"192.0.2.1:1001", false}, // per-source cap
		{"192.0.2.2:1000", true},
		{"192.0.2.3:1000", false}, // global cap
	}
	for _, st := range steps {
		if got := s.admit(netip.MustParseAddrPort(st.peer)); got != st.want {
			t.Fatalf("admit(%s) = %v, want %v", st.peer, got, st.want)
		}
	}
	if dropped != 2 {
		t.Fatalf("dropped %d, want 2 (the retransmission is not a drop)", dropped)
	}
	s.leave(a)
	if !s.admit(netip.MustParseAddrPort("192.0.2.3:1000")) {
		t.Fatal("a slot freed by leave is not given again")
	}

	// The same on sockets: with one transfer per source running, a
	// second client on 127.0.0.1 gets nothing until it ends.
	srv := start(t, Config{Source: testFiles(), MaxPerSource: 1, Timeout: time.Minute})
	first := newClient(t, srv)
	first.send(srv, Packet{Op: opRRQ, Name: "big.bin", Mode: "octet"})
	if p := first.must(); p.Op != opDATA {
		t.Fatalf("got %+v", p)
	}
	second := newClient(t, srv)
	second.send(srv, Packet{Op: opRRQ, Name: "spa508G.cfg", Mode: "octet"})
	if p, _, ok := second.recv(300 * time.Millisecond); ok {
		t.Fatalf("second transfer from the same source answered: %+v", p)
	}
	first.send(first.tid, Packet{Op: opERROR, Code: errNotDefined, Message: "cancel"})
	// The first transfer ends on the ERROR; the second client's next
	// retransmission is served.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		second.send(srv, Packet{Op: opRRQ, Name: "spa508G.cfg", Mode: "octet"})
		if p, _, ok := second.recv(200 * time.Millisecond); ok {
			if p.Op != opDATA {
				t.Fatalf("got %+v", p)
			}
			return
		}
	}
	t.Fatal("the second transfer never started")
}

func TestConfigErrors(t *testing.T) {
	for _, cfg := range []Config{{}, {Source: testFiles(), BlockSize: 7}, {Source: testFiles(), BlockSize: 65465}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
}

// TestWildcardListener: on a wildcard address (":69" in production) the
// transfer socket answers an IPv4 client too.
func TestWildcardListener(t *testing.T) {
	s, err := New(Config{Source: testFiles()})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, conn); close(done) }()
	defer func() { cancel(); <-done }()
	srv := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), uint16(conn.LocalAddr().(*net.UDPAddr).Port))
	got, _, err := tftptest.Get(ctx, srv, "big.bin", "octet", "tsize", "0")
	if err != nil || !bytes.Equal(got, testFiles().m["big.bin"]) {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
}

// closingFile records that the server closed it.
type closingFile struct {
	*bytes.Reader
	closed *atomic.Int32
}

func (f closingFile) Close() error { f.closed.Add(1); return nil }

// TestFileClosed: a File that is an io.Closer is closed once its transfer
// ends, whether it was sent or refused by the client.
func TestFileClosed(t *testing.T) {
	var closed atomic.Int32
	src := SourceFunc(func(context.Context, netip.AddrPort, string) (File, error) {
		return closingFile{bytes.NewReader([]byte("abc")), &closed}, nil
	})
	s, err := New(Config{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Serve(ctx, conn); close(done) }()
	srv := conn.LocalAddr().(*net.UDPAddr).AddrPort()
	for range 2 {
		if got, _, err := tftptest.Get(ctx, srv, "a.cfg", "octet"); err != nil || string(got) != "abc" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	cancel()
	<-done // Serve waits for the transfers
	if n := closed.Load(); n != 2 {
		t.Fatalf("closed %d times, want 2", n)
	}
}
