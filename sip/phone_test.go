package sip

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	sipmsg "github.com/emiago/sipgo/sip"
)

// phone is a SIP user agent on loopback acting as a phone: a sipgo client
// (REGISTER) and server (NOTIFY).
type phone struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	srv    *sipgo.Server
	addr   string // local UDP address, "" over TCP/TLS
}

// newPhone makes a phone sending from a UDP socket on 127.0.0.1 when
// transport is "udp", or dialing for "tcp"/"tls".
func newPhone(t testing.TB, transport string, opts ...sipgo.UserAgentOption) *phone {
	t.Helper()
	ua, err := sipgo.NewUA(append([]sipgo.UserAgentOption{sipgo.WithUserAgent("Yealink SIP-T46S 66.86.0.15")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	p := &phone{ua: ua}
	if p.srv, err = sipgo.NewServer(ua); err != nil {
		t.Fatal(err)
	}
	var copts []sipgo.ClientOption
	if transport == "udp" {
		// Send from, and take NOTIFYs on, one listening socket.
		pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p.addr = pc.LocalAddr().String()
		done := make(chan struct{})
		go func() { defer close(done); _ = p.srv.ServeUDP(pc) }()
		t.Cleanup(func() { pc.Close(); <-done })
		for i := 0; ; i++ { // wait until the socket serves
			if c, _ := ua.TransportLayer().GetConnection("udp", p.addr); c != nil {
				break
			}
			if i == 500 {
				t.Fatal("phone socket not served")
			}
			time.Sleep(2 * time.Millisecond)
		}
		copts = append(copts, sipgo.WithClientConnectionAddr(p.addr))
	}
	if p.client, err = sipgo.NewClient(ua, copts...); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ua.Close() })
	return p
}

// reg describes a REGISTER a phone sends.
type reg struct {
	line      line
	transport string // "udp" (default), "tcp", "tls"
	server    string // host:port
	toUser    string // default line.ext
	toHost    string // default testDomain
	contacts  []string
	expires   string // Expires header value; "" for none
	callID    string
	cseq      uint32
	headers   []sipmsg.Header
	password  string // default line.password
}

// request builds the REGISTER of g.
func (g reg) request() *sipmsg.Request {
	host, port, _ := net.SplitHostPort(g.server)
	ruri := sipmsg.Uri{Scheme: "sip", Host: host}
	fmt.Sscan(port, &ruri.Port)
	if g.transport != "" && g.transport != "udp" {
		ruri.UriParams = sipmsg.HeaderParams{{K: "transport", V: g.transport}}
	}
	req := sipmsg.NewRequest(sipmsg.REGISTER, ruri)
	toUser, toHost := g.toUser, g.toHost
	if toUser == "" {
		toUser = g.line.ext
	}
	if toHost == "" {
		toHost = testDomain
	}
	to := &sipmsg.ToHeader{Address: sipmsg.Uri{Scheme: "sip", User: toUser, Host: toHost}}
	from := &sipmsg.FromHeader{Address: to.Address}
	from.Params.Add("tag", sipmsg.GenerateTagN(8))
	req.AppendHeader(to)
	req.AppendHeader(from)
	if g.callID != "" {
		cid := sipmsg.CallIDHeader(g.callID)
		req.AppendHeader(&cid)
	}
	if g.cseq != 0 {
		req.AppendHeader(&sipmsg.CSeqHeader{SeqNo: g.cseq, MethodName: sipmsg.REGISTER})
	}
	for _, c := range g.contacts {
		req.AppendHeader(sipmsg.NewHeader("Contact", c))
	}
	if g.expires != "" {
		req.AppendHeader(sipmsg.NewHeader("Expires", g.expires))
	}
	for _, h := range g.headers {
		req.AppendHeader(h)
	}
	req.AppendHeader(sipmsg.NewHeader("User-Agent", "Yealink SIP-T46S 66.86.0.15"))
	return req
}

// register sends g, answers a 401 with the line's credentials and returns
// the first and the final response.
func (p *phone) register(t testing.TB, g reg) (first, final *sipmsg.Response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	req := g.request()
	first, err := p.client.Do(ctx, req)
	if err != nil {
		t.Fatalf("REGISTER: %v", err)
	}
	if first.StatusCode != 401 {
		return first, first
	}
	pw := g.password
	if pw == "" {
		pw = g.line.password
	}
	final, err = p.client.DoDigestAuth(ctx, req, first, sipgo.DigestAuth{Username: g.line.authUser, Password: pw})
	if err != nil {
		t.Fatalf("REGISTER with digest: %v", err)
	}
	return first, final
}

// challenge sends g without credentials and returns the 401.
func (p *phone) challenge(t testing.TB, g reg) *sipmsg.Response {
	t.Helper()
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, g.request())
	if err != nil || res.StatusCode != 401 {
		t.Fatalf("REGISTER without credentials: %v %v, want 401", res, err)
	}
	return res
}

// contactsOf returns the Contact values of res.
func contactsOf(res *sipmsg.Response) []string {
	var out []string
	for _, h := range res.GetHeaders("Contact") {
		out = append(out, h.Value())
	}
	return out
}

// header returns the value of the named header of res, "" when absent.
func header(m interface{ GetHeader(string) sipmsg.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}

// contactURI is a contact a test phone registers, unique per n.
func contactURI(ext string, n int) string {
	return fmt.Sprintf("<sip:%s@192.0.2.%d:5060>", ext, n)
}
