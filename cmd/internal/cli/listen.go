package cli

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/phoneprov/phoneprov/provision/tlsca"
)

// listenPair opens UDP and TCP on the same port (SIP and DNS use both).
// With port 0 the UDP port is chosen first and TCP takes the same one,
// trying again a few times if another process holds it on TCP.
func listenPair(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	for try := 0; try < 10; try++ {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		tcpAddr := net.JoinHostPort(host, fmt.Sprint(pc.LocalAddr().(*net.UDPAddr).Port))
		l, err := net.Listen("tcp", tcpAddr)
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if port != "0" || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
	}
	return nil, nil, fmt.Errorf("no port free for both UDP and TCP on %s after 10 tries", host)
}

// listeners are the sockets phoneprov serves on.
type listeners struct {
	http, https net.Listener
	caPEM       []byte
	caCert      tls.Certificate
	sipUDP      net.PacketConn
	sipTCP      net.Listener
	sips        net.Listener
	dnsUDP      net.PacketConn
	dnsTCP      net.Listener
	stun        net.PacketConn
	tftp        net.PacketConn
}

// close closes what was not handed to a server that closes it.
func (l *listeners) close() {
	for _, c := range []io.Closer{l.http, l.https, l.sipUDP, l.sipTCP, l.sips, l.dnsUDP, l.dnsTCP, l.stun, l.tftp} {
		if c != nil {
			c.Close()
		}
	}
}

// provisionURL is the base URL phones fetch from: plain HTTP when it is on
// (phones that have not yet got the CA), else HTTPS.
func (l *listeners) provisionURL(host string) string {
	if l.http != nil {
		return "http://" + net.JoinHostPort(host, fmt.Sprint(l.http.Addr().(*net.TCPAddr).Port)) + "/"
	}
	return "https://" + net.JoinHostPort(host, fmt.Sprint(l.https.Addr().(*net.TCPAddr).Port)) + "/"
}

// phoneURL is the base URL rendered into configs and handed to phones
// with their credential, and the base of the set-password links people
// open: HTTPS when it is on.
func (l *listeners) phoneURL(host string) string {
	if l.https != nil {
		return "https://" + net.JoinHostPort(host, fmt.Sprint(l.https.Addr().(*net.TCPAddr).Port)) + "/"
	}
	return l.provisionURL(host)
}

// caURL is where phones download the local CA: over plain HTTP when it is
// on (a phone that lacks the CA cannot check the HTTPS server); "" when
// there is no CA.
func (l *listeners) caURL(host string) string {
	if l.caPEM == nil {
		return ""
	}
	return l.provisionURL(host) + "ca.crt"
}

func (l *listeners) sipPort() int {
	if l.sipUDP == nil {
		return 0
	}
	return l.sipUDP.LocalAddr().(*net.UDPAddr).Port
}

func (l *listeners) sipsPort() int {
	if l.sips == nil {
		return 0
	}
	return l.sips.Addr().(*net.TCPAddr).Port
}

func (l *listeners) stunPort() int {
	if l.stun == nil {
		return 0
	}
	return l.stun.LocalAddr().(*net.UDPAddr).Port
}

// portOf is the port of a host:port flag, or def when it is empty or 0.
func portOf(addr string, def int) int {
	_, p, err := net.SplitHostPort(addr)
	if n, _ := strconv.Atoi(p); err == nil && n > 0 {
		return n
	}
	return def
}

func (l *listeners) ports() map[string]string {
	m := map[string]string{}
	if l.http != nil {
		m["http"] = l.http.Addr().String()
	}
	if l.https != nil {
		m["https"] = l.https.Addr().String()
	}
	if l.dnsUDP != nil {
		m["dns"] = l.dnsUDP.LocalAddr().String()
	}
	if l.sipUDP != nil {
		m["sip"] = l.sipUDP.LocalAddr().String()
	}
	if l.sips != nil {
		m["sips"] = l.sips.Addr().String()
	}
	if l.stun != nil {
		m["stun"] = l.stun.LocalAddr().String()
	}
	if l.tftp != nil {
		m["tftp"] = l.tftp.LocalAddr().String()
	}
	return m
}

func listen(c *serveConfig, log *slog.Logger, hosts []string) (*listeners, error) {
	ls := &listeners{}
	var err error
	if c.HTTPAddr != "" {
		if ls.http, err = net.Listen("tcp", c.HTTPAddr); err != nil {
			return nil, fmt.Errorf("--http-addr: %w", err)
		}
	}
	tlsMin, _ := tlsMinVersion(c.TLSMinVersion)
	if c.HTTPSAddr != "" || c.SIPSAddr != "" {
		ca, err := tlsca.Load(c.Data, hosts, time.Now())
		if err != nil {
			return nil, err
		}
		ls.caPEM, ls.caCert = ca.CertPEM, ca.Server
		if len(ca.Uncovered) > 0 {
			log.Warn("the local CA's name constraints leave out these hosts; the server certificate does not name them (to cover them, make a new CA: see README, Security)",
				"hosts", strings.Join(ca.Uncovered, ","))
		}
		if tlsMin < tls.VersionTLS12 {
			log.Warn("TLS older than 1.2 accepted on HTTPS and SIPS (--tls-min-version), with SHA-1 CBC cipher suites; use it only for phones that cannot do TLS 1.2",
				"tls_min_version", c.TLSMinVersion)
		}
	}
	if c.SIPAddr != "" {
		if ls.sipUDP, ls.sipTCP, err = listenPair(c.SIPAddr); err != nil {
			return nil, fmt.Errorf("--sip-addr: %w", err)
		}
	}
	if c.SIPSAddr != "" {
		l, err := net.Listen("tcp", c.SIPSAddr)
		if err != nil {
			return nil, fmt.Errorf("--sips-addr: %w", err)
		}
		ls.sips = tls.NewListener(l, serverTLS(ls.caCert, tlsMin))
	}
	if c.HTTPSAddr != "" {
		l, err := net.Listen("tcp", c.HTTPSAddr)
		if err != nil {
			return nil, fmt.Errorf("--https-addr: %w", err)
		}
		tc := serverTLS(ls.caCert, tlsMin)
		if c.DeviceCA != "" {
			pem, err := os.ReadFile(c.DeviceCA)
			if err != nil {
				return nil, fmt.Errorf("--device-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--device-ca %s: no PEM certificate in it", c.DeviceCA)
			}
			tc.ClientCAs, tc.ClientAuth = pool, tls.VerifyClientCertIfGiven
		}
		ls.https = tls.NewListener(l, tc)
	}
	if c.STUNAddr != "" {
		if ls.stun, err = net.ListenPacket("udp", c.STUNAddr); err != nil {
			return nil, fmt.Errorf("--stun-addr: %w", err)
		}
	}
	if c.DNSAddr != "" {
		if ls.dnsUDP, ls.dnsTCP, err = listenPair(c.DNSAddr); err != nil {
			return nil, fmt.Errorf("--dns-addr: %w", err)
		}
	}
	if c.TFTPAddr != "" {
		if ls.tftp, err = net.ListenPacket("udp", c.TFTPAddr); err != nil {
			return nil, fmt.Errorf("--tftp-addr: %w", err)
		}
	}
	return ls, nil
}
