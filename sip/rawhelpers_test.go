package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// quiet is how long a test waits to be sure no answer comes; answerWait
// how long it waits for one that must come (a loaded machine, the store
// on PostgreSQL).
const (
	quiet      = 300 * time.Millisecond
	answerWait = 10 * time.Second
)

var branchSeq atomic.Int64

// rawRegister is a REGISTER for ext, as text, with extra header lines
// (each ending in CRLF) before the blank line.
func rawRegister(ext, extra string) string {
	return rawRequest("REGISTER", "sip:"+testDomain, ext, extra)
}

// rawRequest is a request as text from a phone of extension ext.
func rawRequest(method, ruri, ext, extra string) string {
	n := branchSeq.Add(1)
	return fmt.Sprintf("%s %s SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK-raw-%d;rport\r\n"+
		"Max-Forwards: 70\r\n"+
		"From: <sip:%s@%s>;tag=raw%d\r\n"+
		"To: <sip:%s@%s>\r\n"+
		"Call-ID: raw-%d@127.0.0.1\r\n"+
		"CSeq: 1 %s\r\n"+
		"Contact: <sip:%s@127.0.0.1:5099>\r\n"+
		"%s"+
		"Content-Length: 0\r\n\r\n", method, ruri, n, ext, testDomain, n, ext, testDomain, n, method, ext, extra)
}

// rawExchange sends msg from a fresh socket and returns the first answer,
// or "" when none comes within quiet.
func rawExchange(t testing.TB, network, addr, msg string) string {
	t.Helper()
	return rawExchangeWithin(t, network, addr, msg, quiet)
}

// rawExchangeWithin is rawExchange waiting up to wait for the answer.
func rawExchangeWithin(t testing.TB, network, addr, msg string, wait time.Duration) string {
	t.Helper()
	c, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return rawSendWithin(t, c, msg, wait)
}

// rawSend writes msg on c and reads one answer, "" after quiet.
func rawSend(t testing.TB, c net.Conn, msg string) string {
	t.Helper()
	return rawSendWithin(t, c, msg, quiet)
}

func rawSendWithin(t testing.TB, c net.Conn, msg string, wait time.Duration) string {
	t.Helper()
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 65536)
	n, err := c.Read(buf)
	if err != nil {
		return ""
	}
	return string(buf[:n])
}

// firstLine returns the first line of a SIP message.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// authorization answers the first challenge of res for user/pass with
// nonce count nc.
func authorization(t testing.TB, res *sipmsg.Response, user, pass, method, uri string, nc int) string {
	t.Helper()
	h := res.GetHeader("WWW-Authenticate")
	if h == nil {
		t.Fatalf("no challenge in %d answer", res.StatusCode)
	}
	chal, err := digest.ParseChallenge(h.Value())
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(chal, digest.Options{Method: method, URI: uri, Username: user, Password: pass,
		Count: nc, Cnonce: "0a4f113b"})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

// doWithAuth sends req with the Authorization value authz and returns the
// final answer.
func doWithAuth(t testing.TB, p *phone, req *sipmsg.Request, authz string) *sipmsg.Response {
	t.Helper()
	req.AppendHeader(sipmsg.NewHeader("Authorization", authz))
	ctx, cancel := context.WithTimeout(bg, 10*time.Second)
	defer cancel()
	res, err := p.client.Do(ctx, req)
	if err != nil {
		t.Fatalf("REGISTER: %v", err)
	}
	return res
}
