package outbox

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
	"github.com/phoneprov/phoneprov/devicedb/dbtest"
)

// smtpServer is a small real SMTP server on 127.0.0.1: it refuses the
// first fail messages at the end of DATA (451) and accepts the rest.
type smtpServer struct {
	ln       net.Listener
	mu       sync.Mutex
	fail     int
	sessions int
	auth     []string
	accepted []string
	wg       sync.WaitGroup
}

func startSMTP(t *testing.T, ln net.Listener, fail int) *smtpServer {
	s := &smtpServer{ln: ln, fail: fail}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.wg.Add(1)
			go func() { defer s.wg.Done(); s.session(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	tp := textproto.NewConn(c)
	tp.PrintfLine("220 test.local ESMTP")
	for i := 0; i < 100; i++ {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch verb {
		case "EHLO":
			tp.PrintfLine("250-test.local")
			tp.PrintfLine("250 AUTH PLAIN")
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			tp.PrintfLine("250 ok")
		case "AUTH":
			s.mu.Lock()
			s.auth = append(s.auth, line)
			s.mu.Unlock()
			tp.PrintfLine("235 2.7.0 authenticated")
		case "DATA":
			tp.PrintfLine("354 go ahead")
			body, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			s.mu.Lock()
			refuse := s.fail > 0
			if refuse {
				s.fail--
			} else {
				s.accepted = append(s.accepted, string(body))
			}
			s.mu.Unlock()
			if refuse {
				tp.PrintfLine("451 4.3.0 try again later")
			} else {
				tp.PrintfLine("250 2.0.0 queued")
			}
		case "QUIT":
			tp.PrintfLine("221 bye")
			return
		default:
			tp.PrintfLine("502 unknown command")
		}
	}
}

func (s *smtpServer) got() (sessions int, accepted []string, auth []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions, append([]string(nil), s.accepted...), append([]string(nil), s.auth...)
}

// storeWithWelcome imports a user with two extensions: one welcome
// message is queued.
func storeWithWelcome(t *testing.T) *devicedb.Store {
	t.Helper()
	s, err := devicedb.Open(context.Background(), dbtest.Options(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	exp := devicedb.ClassicExport{Users: []devicedb.ClassicUser{{Username: "joe8x8", FirstName: "Jöe", LastName: "Smith",
		Email: "joe@acme.example", Extensions: []devicedb.ClassicExtension{
			{Number: "1003", DesktopLoginAt: "2020-05-12T00:00:00Z"}, {Number: "1001"}}}}}
	if _, err := s.ImportClassic(context.Background(), exp, devicedb.ImportOptions{WelcomeLinkBase: "https://pbx.example/p?t="}); err != nil {
		t.Fatal(err)
	}
	return s
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// TestDeliveryRetriesUntilAccepted: the first attempt is refused (451),
// the message stays queued with the error and a later next attempt, and
// the retry delivers it; it is marked sent only then.
func TestDeliveryRetriesUntilAccepted(t *testing.T) {
	store := storeWithWelcome(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := startSMTP(t, ln, 1)
	var failed sync.Once
	firstFail := make(chan devicedb.OutboxMessage, 1)
	spy := &spyStore{Store: store, onFailed: func(id int64) {
		failed.Do(func() {
			ms, _, _ := store.ListOutbox(context.Background(), "", devicedb.Page{})
			firstFail <- ms[0]
		})
	}}
	stop, err := Start(context.Background(), spy, Config{SMTPURL: "smtp://admin:secret@" + ln.Addr().String() + "?from=pbx@acme.example",
		Interval: 20 * time.Millisecond, MinBackoff: 100 * time.Millisecond, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	m := <-firstFail
	if m.Status != devicedb.OutboxQueued || m.Attempts != 1 || !strings.Contains(m.LastError, "451") || m.NextAttempt.Before(m.Created) {
		t.Fatalf("after the refused attempt: %+v", m)
	}
	var sent devicedb.OutboxMessage
	waitFor(t, "the message to be sent", func() bool {
		ms, _, _ := store.ListOutbox(context.Background(), "", devicedb.Page{})
		sent = ms[0]
		return sent.Status == devicedb.OutboxSent
	})
	if sent.Attempts != 2 || sent.SentAt == nil {
		t.Fatalf("sent message: %+v", sent)
	}
	sessions, accepted, auth := srv.got()
	if sessions < 2 || len(accepted) != 1 || len(auth) < 1 {
		t.Fatalf("server saw %d sessions, %d messages, auth %v", sessions, len(accepted), auth)
	}
	body := accepted[0]
	for _, want := range []string{"To: =?utf-8?q?J=C3=B6e_Smith?= <joe@acme.example>", "Subject: Your username for extension 1001: joe8x8.1001",
		"From: \"phoneprov\" <pbx@acme.example>", "https://pbx.example/p?t=3D"} {
		if !strings.Contains(body, want) {
			t.Errorf("message lacks %q:\n%s", want, body)
		}
	}
}

// spyStore tells the test of failed attempts.
type spyStore struct {
	*devicedb.Store
	onFailed func(id int64)
}

func (s *spyStore) MarkFailed(ctx context.Context, id int64, cause string, next time.Time) error {
	err := s.Store.MarkFailed(ctx, id, cause, next)
	s.onFailed(id)
	return err
}

// TestDeliveryServerDown: with nothing listening the message is kept,
// each attempt recorded, with exponential backoff.
func TestDeliveryServerDown(t *testing.T) {
	store := storeWithWelcome(t)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	now := time.Now()
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	d := &Sender{store: store, cfg: Config{SMTPURL: "smtp://" + addr + "?from=pbx@acme.example", Now: clock, Logger: quiet()}}
	d.cfg.defaults()
	var err error
	if d.srv, err = d.cfg.validate(); err != nil {
		t.Fatal(err)
	}
	var prev time.Time
	for i := 1; i <= 3; i++ {
		d.deliverDue(context.Background())
		ms, _, _ := store.ListOutbox(context.Background(), "", devicedb.Page{})
		m := ms[0]
		wait := m.NextAttempt.Sub(now.Truncate(time.Second))
		if m.Status != devicedb.OutboxQueued || m.Attempts != i || !strings.Contains(m.LastError, "connect") || wait < time.Duration(1<<(i-1))*time.Minute-time.Second {
			t.Fatalf("attempt %d: %+v (wait %v)", i, m, wait)
		}
		if !m.NextAttempt.After(prev) {
			t.Fatalf("attempt %d: next attempt %v not after %v", i, m.NextAttempt, prev)
		}
		prev = m.NextAttempt
		mu.Lock()
		now = m.NextAttempt
		mu.Unlock()
	}
}

// TestDeliverySMTPS: smtps:// speaks TLS from the first byte.
func TestDeliverySMTPS(t *testing.T) {
	store := storeWithWelcome(t)
	cert, pool := selfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := startSMTP(t, ln, 0)
	stop, err := Start(context.Background(), store, Config{SMTPURL: "smtps://" + ln.Addr().String() + "?from=pbx@acme.example",
		Interval: 20 * time.Millisecond, TLSConfig: &tls.Config{RootCAs: pool}, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	waitFor(t, "delivery over TLS", func() bool { _, acc, _ := srv.got(); return len(acc) == 1 })
}

func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(c)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestConfigValidation(t *testing.T) {
	cases := map[string]error{
		"":                                  ErrSMTPURL,
		"http://host?from=a@b.c":            ErrSMTPURL,
		"smtp://host":                       ErrFrom,
		"smtp://host?from=not-an-address":   ErrFrom,
		"smtp://host:25?from=a@b.example":   nil,
		"smtps://u:p@host?from=a@b.example": nil,
	}
	for u, want := range cases {
		c := Config{SMTPURL: u}
		c.defaults()
		_, err := c.validate()
		if !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", u, err, want)
		}
	}
	if _, err := Start(context.Background(), nil, Config{}); !errors.Is(err, ErrNoStore) {
		t.Errorf("nil store: %v", err)
	}
	c := Config{SMTPURL: "smtps://host?from=a@b.example"}
	c.defaults()
	s, _ := c.validate()
	if s.addr != "host:465" || !s.implicit {
		t.Errorf("smtps default port: %+v", s)
	}
}
