package sip

import (
	"bytes"
	"hash/maphash"
	"strconv"
	"strings"

	sipmsg "github.com/emiago/sipgo/sip"
)

// hdr is a header an answer adds after the ones it copies.
type hdr struct{ name, value string }

// toTagSeed makes the To tags of the fast path's answers.
var toTagSeed = maphash.MakeSeed()

// writeAnswer writes the answer to a REGISTER read by parseRegister
// straight into buf, with the headers, in the order and form, sipgo's
// NewResponseFromRequest plus Registrar.response give: the Via (with
// rport and received filled in when the Via asks for rport, RFC 3581),
// From, To (with a tag when it has none), Call-ID and CSeq, Content-Length
// 0, Server, then extra. The To tag is a hash of the Call-ID, the From tag
// and the CSeq, so a retransmission gets the same tag (RFC 3261 section
// 8.2.6.2). It writes nothing and returns false when the Via names an
// IPv6 host or the source is IPv6 (the caller then builds the answer with
// sipgo).
func writeAnswer(buf *bytes.Buffer, req *sipmsg.Request, code int, reason, server string, extra []hdr) bool {
	via, source := req.Via(), req.Source()
	if strings.IndexByte(via.Host, ':') >= 0 || strings.IndexByte(source, '[') >= 0 {
		return false
	}
	out := buf.AvailableBuffer()
	out = append(out, "SIP/2.0 "...)
	out = strconv.AppendInt(out, int64(code), 10)
	out = append(out, ' ')
	out = append(out, reason...)
	out = append(out, "\r\nVia: "...)
	out = append(out, via.ProtocolName...)
	out = append(out, '/')
	out = append(out, via.ProtocolVersion...)
	out = append(out, '/')
	out = append(out, via.Transport...)
	out = append(out, ' ')
	out = append(out, via.Host...)
	if via.Port > 0 {
		out = append(out, ':')
		out = strconv.AppendInt(out, int64(via.Port), 10)
	}
	rport, hasRport := via.Params.Get("rport")
	fill := hasRport && rport == ""
	host, port := source, ""
	if c := strings.LastIndexByte(source, ':'); c >= 0 {
		host, port = source[:c], source[c+1:]
	}
	// sipgo's HeaderParams.Add sets the first parameter of the name, or
	// appends one.
	rportSet, receivedSet := false, false
	for _, kv := range via.Params {
		out = append(out, ';')
		out = append(out, kv.K...)
		v := kv.V
		switch {
		case fill && !rportSet && kv.K == "rport":
			v, rportSet = port, true
		case fill && !receivedSet && kv.K == "received":
			v, receivedSet = host, true
		}
		out = appendParamValue(out, v)
	}
	if fill && !receivedSet {
		out = append(out, ";received"...)
		out = appendParamValue(out, host)
	}
	out = append(out, "\r\n"...)
	buf.Write(out)
	from, to := req.From(), req.To()
	from.StringWrite(buf)
	buf.WriteString("\r\n")
	to.StringWrite(buf)
	out = buf.AvailableBuffer()
	if !to.Params.Has("tag") {
		var h maphash.Hash
		h.SetSeed(toTagSeed)
		_, _ = h.WriteString(req.CallID().Value())
		tag, _ := from.Params.Get("tag")
		_, _ = h.WriteString(tag)
		out = append(out, ";tag="...)
		out = strconv.AppendUint(out, h.Sum64()^uint64(req.CSeq().SeqNo), 16)
	}
	out = append(out, "\r\nCall-ID: "...)
	out = append(out, req.CallID().Value()...)
	out = append(out, "\r\nCSeq: "...)
	out = strconv.AppendUint(out, uint64(req.CSeq().SeqNo), 10)
	out = append(out, ' ')
	out = append(out, req.CSeq().MethodName...)
	out = append(out, "\r\nContent-Length: 0\r\nServer: "...)
	out = append(out, server...)
	out = append(out, "\r\n"...)
	for _, h := range extra {
		out = append(out, h.name...)
		out = append(out, ": "...)
		out = append(out, h.value...)
		out = append(out, "\r\n"...)
	}
	buf.Write(append(out, "\r\n"...))
	return true
}

// appendParamValue writes "=v" as sipgo's HeaderParams do (quoted when v
// holds a space or tab), or nothing for an empty v.
func appendParamValue(out []byte, v string) []byte {
	if v == "" {
		return out
	}
	if strings.ContainsAny(v, " \t") {
		out = append(out, `="`...)
		out = append(out, v...)
		return append(out, '"')
	}
	out = append(out, '=')
	return append(out, v...)
}

// toResponse builds the same answer with sipgo, for the paths without a
// raw request (TCP, TLS, a UDP REGISTER parseRegister refused).
func (r *Registrar) toResponse(req *sipmsg.Request, code int, reason string, extra []hdr) *sipmsg.Response {
	res := r.response(req, code, reason)
	for _, h := range extra {
		res.AppendHeader(sipmsg.NewHeader(h.name, h.value))
	}
	return res
}
