package sip

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"time"

	sipmsg "github.com/emiago/sipgo/sip"
)

// udpFast answers REGISTERs arriving over UDP statelessly, as Kamailio's
// sl_send_reply does: the datagram is taken from sipgo's read loop by its
// read filter, queued, parsed and answered by a fixed pool of workers,
// with no server transaction and no goroutine per message. sipgo's
// transactions keep every UDP request 32 s (Timer J) to absorb
// retransmissions; here a retransmission gets the final answer remembered
// for it for 4-8 s (see answered) and, past that, is a new request (its
// nonce count is spent: 401 stale=true, and the phone retries with a fresh
// nonce). Every other message (OPTIONS, answers to NOTIFYs) and REGISTERs
// over TCP and TLS go through sipgo as before.
type udpFast struct {
	r     *Registrar
	queue chan udpJob
	done  chan struct{}
	wg    sync.WaitGroup

	mu    sync.RWMutex
	conns map[string]net.PacketConn // by local address

	dropped atomic.Uint64 // queue full
	answers *answered     // final answers, for retransmissions
	shed    shedState     // overload: see udpshed.go
}

// udpJob is one datagram waiting for a worker.
type udpJob struct {
	data []byte
	src  *net.UDPAddr
	pc   net.PacketConn
	at   time.Time // when the kernel received it (else when it was queued)
}

func newUDPFast(r *Registrar) *udpFast {
	return &udpFast{
		r:     r,
		queue: make(chan udpJob, r.cfg.UDPQueue),
		done:  make(chan struct{}),
		conns: make(map[string]net.PacketConn),
		// Retransmissions come 0.5, 1.5, 3.5 and 7.5 s after the request (T1
		// doubling); a server queueing under a storm answers late.
		answers: newAnswered(4*time.Second, 65536),
	}
}

// start runs the workers; stop ends them.
func (u *udpFast) start() {
	for i := 0; i < u.r.cfg.UDPWorkers; i++ {
		u.wg.Add(1)
		go u.work()
	}
}

// stop ends the workers after the message each is answering; queued
// datagrams are dropped (their senders retransmit to the next server).
func (u *udpFast) stop() {
	select {
	case <-u.done:
	default:
		close(u.done)
	}
	u.wg.Wait()
}

// add makes pc's REGISTERs go through the fast path.
func (u *udpFast) add(pc net.PacketConn) {
	u.mu.Lock()
	u.conns[pc.LocalAddr().String()] = pc
	u.mu.Unlock()
}

var registerPrefix = []byte("REGISTER ")

// registerHeaderParsers are the headers the UDP fast path parses into
// typed headers, those a REGISTER needs; any other header is kept as its
// raw name and value (Authorization, Expires, User-Agent and Require are
// read from those), so Content-Type, Route, Record-Route, Refer-To and
// Referred-By cost no parse.
var registerHeaderParsers = func() map[string]sipmsg.HeaderParser {
	all := sipmsg.DefaultHeadersParser()
	m := make(map[string]sipmsg.HeaderParser)
	for _, k := range []string{"via", "v", "from", "f", "to", "t", "call-id", "i", "cseq", "contact", "m",
		"max-forwards", "content-length", "l"} {
		m[k] = all[k]
	}
	return m
}()

// filter is sipgo's transport read filter: it takes UDP REGISTERs (and
// returns nil so sipgo skips them) and passes everything else on.
func (u *udpFast) filter(p sipmsg.TransportReadProps, data []byte) ([]byte, error) {
	if p.Transport != "UDP" || !bytes.HasPrefix(data, registerPrefix) {
		return data, nil
	}
	src, ok := p.RemoteAddr.(*net.UDPAddr)
	if !ok {
		return data, nil
	}
	u.mu.RLock()
	pc := u.conns[p.LocalAddr.String()]
	u.mu.RUnlock()
	if pc == nil {
		return data, nil
	}
	if len(data) > u.r.cfg.MaxMessageSize {
		return nil, nil
	}
	now := time.Now()
	at := now
	if sc, ok := pc.(*stampedConn); ok {
		at = sc.received(now)
	}
	waited := now.Sub(at) // in the socket's receive buffer
	if waited > dropAfter {
		u.shed.late.Add(1) // its sender has retransmitted it
		return nil, nil
	}
	if waited+u.shed.backlog(len(u.queue), u.r.cfg.UDPWorkers) > shedNewAfter && !hasAuthorization(data) {
		u.shedNew(data, src, pc)
		return nil, nil
	}
	// sipgo reuses its read buffer: the worker needs its own copy.
	job := udpJob{data: append([]byte(nil), data...), src: src, pc: pc, at: at}
	select {
	case u.queue <- job:
	default:
		u.dropped.Add(1)
	}
	return nil, nil
}

func (u *udpFast) work() {
	defer u.wg.Done()
	parser := sipmsg.NewParser(sipmsg.WithHeadersParsers(registerHeaderParsers))
	parser.MaxMessageLength = u.r.cfg.MaxMessageSize
	for {
		select {
		case <-u.done:
			return
		case job := <-u.queue:
			start := time.Now()
			if start.Sub(job.at) > dropAfter {
				u.shed.late.Add(1) // its sender has retransmitted it
				continue
			}
			u.handle(parser, job)
			u.shed.observe(time.Since(start))
		}
	}
}

func (u *udpFast) handle(parser *sipmsg.Parser, job udpJob) {
	reply := &udpReply{pc: job.pc, src: job.src, fast: u}
	req := (*sipmsg.Request)(nil)
	if parsed, ok := parseRegister(job.data); ok {
		req, reply.direct, reply.clean = parsed, true, true
	} else {
		msg, err := parser.ParseSIP(job.data)
		if err != nil {
			return // junk: no answer, as sipgo does
		}
		var ok bool
		if req, ok = msg.(*sipmsg.Request); !ok || req.Method != sipmsg.REGISTER {
			return
		}
		reply.clean = rawHeadersClean(job.data)
	}
	r := u.r
	if !r.enter() {
		return
	}
	defer r.leave()
	req.SetTransport("UDP")
	req.SetSource(job.src.String())
	reply.req = req
	// Only an answered challenge can earn an answer worth remembering: a
	// first REGISTER gets a fresh 401 each time, at no cost.
	if req.GetHeader("authorization") != nil {
		reply.key = txKey(req)
	}
	if reply.key != "" {
		if b, ok := u.answers.get(reply.key, r.cfg.Now()); ok {
			_, _ = job.pc.WriteTo(b, reply.dest())
			return
		}
	}
	r.handleRegister(r.work, req, reply)
}

// udpReply sends a response to a UDP request from the socket it came in
// on: to the source address, and to the source port when the Via asks for
// rport (RFC 3581), else to the Via's port (RFC 3261 section 18.2.2), as
// sipgo's transactions do.
type udpReply struct {
	pc   net.PacketConn
	req  *sipmsg.Request
	src  *net.UDPAddr
	fast *udpFast
	// key, when set, has final answers other than challenges remembered
	// in fast.answers, for retransmissions of req.
	key   string
	clean bool // the raw header section passed rawHeadersClean
	// direct reports that parseRegister read req: answers are then
	// written from it directly (writeAnswer), not built with sipgo.
	direct bool
}

func (u *udpReply) headersClean() bool { return u.clean }

// rawHeadersClean reports whether the header section of a raw message
// (up to the first blank line) holds only CRLF line ends and no
// percent-encoded CR or LF: then no parsed header can carry one.
func rawHeadersClean(b []byte) bool {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		b = b[:i+2]
	}
	if bareCRLF(b) {
		return false
	}
	for i := bytes.IndexByte(b, '%'); i >= 0 && i+2 < len(b); {
		if b[i+1] == '0' && (b[i+2]|0x20 == 'a' || b[i+2]|0x20 == 'd') {
			return false
		}
		j := bytes.IndexByte(b[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// answer writes the answer into a pooled buffer — straight from the raw
// request when parseRegister read it, else with sipgo's Response — and
// sends it with one WriteTo.
func (u *udpReply) answer(r *Registrar, req *sipmsg.Request, code int, reason string, extra []hdr) error {
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	if !u.direct || !writeAnswer(buf, req, code, reason, r.cfg.UserAgent, extra) {
		r.toResponse(req, code, reason, extra).StringWrite(buf)
	}
	if u.key != "" && code >= 200 && code != 401 {
		u.fast.answers.put(u.key, bytes.Clone(buf.Bytes()), u.fast.r.cfg.Now())
	}
	_, err := u.pc.WriteTo(buf.Bytes(), u.dest())
	return err
}

// dest is where answers to req go.
func (u *udpReply) dest() *net.UDPAddr {
	dst := *u.src
	if via := u.req.Via(); via != nil {
		if v, ok := via.Params.Get("rport"); !ok || v != "" {
			dst.Port = via.Port
			if dst.Port == 0 {
				dst.Port = 5060
			}
		}
	}
	return &dst
}

// shedNew answers a REGISTER without credentials 503 with Retry-After
// while the workers are overloaded (see udpshed.go).
func (u *udpFast) shedNew(data []byte, src *net.UDPAddr, pc net.PacketConn) {
	u.shed.shed.Add(1)
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	buf.Reset()
	buf.Grow(1024)
	out, dst, ok := serviceUnavailable(buf.AvailableBuffer(), data, src, u.r.cfg.UserAgent)
	if ok {
		_, _ = pc.WriteTo(out, dst)
	}
}

// UDPDropped returns how many UDP REGISTERs were dropped because the
// queue in front of the workers was full (Config.UDPQueue) or because
// they waited past T1 in it.
func (r *Registrar) UDPDropped() uint64 { return r.udp.dropped.Load() + r.udp.shed.late.Load() }

// UDPShed returns how many UDP REGISTERs without credentials were answered
// 503 with Retry-After because the workers were overloaded.
func (r *Registrar) UDPShed() uint64 { return r.udp.shed.shed.Load() }
