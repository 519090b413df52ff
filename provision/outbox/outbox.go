package outbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"strings"
	"sync"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// Sender delivers the store's queued messages.
type Sender struct {
	cfg   Config
	srv   *server
	store Store
}

// New checks the config; Run then delivers.
func New(store Store, cfg Config) (*Sender, error) {
	if store == nil {
		return nil, ErrNoStore
	}
	cfg.defaults()
	srv, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	return &Sender{cfg: cfg, srv: srv, store: store}, nil
}

// Run delivers due messages at start and every Interval until ctx ends,
// then returns after the delivery in progress (bounded by Timeout).
func (d *Sender) Run(ctx context.Context) {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		d.deliverDue(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Start is New, then Run in the background until ctx ends or stop is
// called; stop waits for the delivery in progress.
func Start(ctx context.Context, store Store, cfg Config) (stop func(), err error) {
	d, err := New(store, cfg)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); d.Run(ctx) }()
	return func() { cancel(); wg.Wait() }, nil
}

// deliverDue sends each due message once.
func (d *Sender) deliverDue(ctx context.Context) {
	msgs, err := d.store.DueMessages(ctx, d.cfg.Now(), d.cfg.Batch)
	if err != nil {
		if ctx.Err() == nil {
			d.cfg.Logger.Error("outbox: reading due messages", "err", err)
		}
		return
	}
	for _, m := range msgs {
		if ctx.Err() != nil {
			return
		}
		if err := d.send(ctx, m); err != nil {
			next := d.cfg.Now().Add(d.backoff(m.Attempts))
			d.cfg.Logger.Warn("outbox: delivery failed; will retry", "id", m.ID, "to", m.To, "attempt", m.Attempts+1,
				"next_attempt_at", next.UTC().Format(time.RFC3339), "err", err)
			if err := d.store.MarkFailed(context.WithoutCancel(ctx), m.ID, err.Error(), next); err != nil {
				d.cfg.Logger.Error("outbox: recording a failed attempt", "id", m.ID, "err", err)
			}
			continue
		}
		if err := d.store.MarkSent(context.WithoutCancel(ctx), m.ID, d.cfg.Now()); err != nil {
			// Accepted but not recorded: it will be sent again (at least
			// once, never lost).
			d.cfg.Logger.Error("outbox: recording a sent message", "id", m.ID, "err", err)
		}
	}
}

// backoff is the wait after the attempts-th failure (0 for the first).
func (d *Sender) backoff(attempts int) time.Duration {
	b := d.cfg.MinBackoff
	for i := 0; i < attempts && b < d.cfg.MaxBackoff; i++ {
		b *= 2
	}
	return min(b, d.cfg.MaxBackoff)
}

// send runs one SMTP session for m.
func (d *Sender) send(ctx context.Context, m devicedb.OutboxMessage) error {
	dl := &net.Dialer{Timeout: d.cfg.Timeout}
	dctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	conn, err := dl.DialContext(dctx, "tcp", d.srv.addr)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", d.srv.addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(d.cfg.Timeout))
	tc := d.tlsConfig()
	if d.srv.implicit {
		tconn := tls.Client(conn, tc)
		if err := tconn.HandshakeContext(dctx); err != nil {
			return fmt.Errorf("tls with %s: %w", d.srv.addr, err)
		}
		conn = tconn
	}
	c, err := smtp.NewClient(conn, d.srv.host)
	if err != nil {
		return fmt.Errorf("smtp greeting from %s: %w", d.srv.addr, err)
	}
	defer c.Close()
	if err := c.Hello("phoneprov"); err != nil {
		return fmt.Errorf("smtp EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !d.srv.implicit {
		if err := c.StartTLS(tc); err != nil {
			return fmt.Errorf("smtp STARTTLS: %w", err)
		}
	}
	if d.srv.user != "" {
		if err := c.Auth(smtp.PlainAuth("", d.srv.user, d.srv.pass, d.srv.host)); err != nil {
			return fmt.Errorf("smtp AUTH: %w", err)
		}
	}
	if err := c.Mail(d.srv.from.Address); err != nil {
		return fmt.Errorf("smtp MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return fmt.Errorf("smtp RCPT TO %s: %w", m.To, err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(d.message(m)); err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp server refused the message: %w", err)
	}
	// Accepted: a failing QUIT does not undo that.
	_ = c.Quit()
	return nil
}

func (d *Sender) tlsConfig() *tls.Config {
	if d.cfg.TLSConfig != nil {
		tc := d.cfg.TLSConfig.Clone()
		if tc.ServerName == "" {
			tc.ServerName = d.srv.host
		}
		return tc
	}
	return &tls.Config{ServerName: d.srv.host, MinVersion: tls.VersionTLS12}
}

// message is the RFC 5322 message of m: UTF-8 text, quoted-printable.
func (d *Sender) message(m devicedb.OutboxMessage) []byte {
	var b strings.Builder
	to := mail.Address{Name: oneLine(m.ToName), Address: m.To}
	from := d.srv.from
	if from.Name == "" {
		from.Name = "phoneprov"
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\n", from.String(), to.String(), mime.QEncoding.Encode("utf-8", oneLine(m.Subject)))
	fmt.Fprintf(&b, "Date: %s\r\nMessage-ID: <outbox-%d-%d@phoneprov>\r\n", d.cfg.Now().Format(time.RFC1123Z), m.ID, m.Created.Unix())
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	qp.Write([]byte(strings.ReplaceAll(m.Body, "\n", "\r\n")))
	qp.Close()
	b.WriteString("\r\n")
	return []byte(b.String())
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}
