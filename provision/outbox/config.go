package outbox

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"time"

	"github.com/phoneprov/phoneprov/devicedb"
)

// Store is what delivery needs of the database.
type Store interface {
	// DueMessages returns up to limit queued messages due at now.
	DueMessages(ctx context.Context, now time.Time, limit int) ([]devicedb.OutboxMessage, error)
	// MarkSent records that the SMTP server accepted message id.
	MarkSent(ctx context.Context, id int64, at time.Time) error
	// MarkFailed records a failed attempt and when to try again.
	MarkFailed(ctx context.Context, id int64, cause string, next time.Time) error
}

var _ Store = (*devicedb.Store)(nil)

// Config configures Start.
type Config struct {
	// SMTPURL says where to send (the --smtp-url flag):
	// smtp://[user:pass@]host[:port]?from=sender@example.com uses STARTTLS
	// when the server offers it (port default 587); smtps://… speaks TLS
	// from the first byte (port default 465). Credentials, when given, are
	// sent with AUTH PLAIN, which Go only allows over TLS or to localhost.
	// Required.
	SMTPURL string
	// Logger receives a line per failed attempt. Default: slog.Default().
	Logger *slog.Logger
	// Interval is how often the outbox is polled. Default: 30s.
	Interval time.Duration
	// MinBackoff is the wait after a first failure; it doubles with each
	// failed attempt up to MaxBackoff. Defaults: 1m and 6h.
	MinBackoff, MaxBackoff time.Duration
	// Timeout bounds one SMTP session. Default: 30s.
	Timeout time.Duration
	// Batch is the most messages sent per poll. Default: 50.
	Batch int
	// TLSConfig is used for STARTTLS and smtps; nil: the system roots and
	// the URL's host name.
	TLSConfig *tls.Config
	// Now is the clock. Default: time.Now.
	Now func() time.Time
}

// server is a parsed SMTPURL.
type server struct {
	addr, host string
	implicit   bool // smtps
	user, pass string
	from       mail.Address
}

// defaults fills the zero fields; validate checks the rest.
func (c *Config) defaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Interval <= 0 {
		c.Interval = 30 * time.Second
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = time.Minute
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 6 * time.Hour
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Batch <= 0 {
		c.Batch = 50
	}
	if c.Now == nil {
		c.Now = time.Now
	}
}

func (c *Config) validate() (*server, error) {
	u, err := url.Parse(c.SMTPURL)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, ErrSMTPURL
	}
	s := &server{host: u.Hostname(), implicit: u.Scheme == "smtps"}
	port := u.Port()
	if port == "" {
		port = "587"
		if s.implicit {
			port = "465"
		}
	}
	s.addr = net.JoinHostPort(s.host, port)
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	from, err := mail.ParseAddress(u.Query().Get("from"))
	if err != nil {
		return nil, fmt.Errorf("%w (%q)", ErrFrom, u.Query().Get("from"))
	}
	s.from = *from
	return s, nil
}
