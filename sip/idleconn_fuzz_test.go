package sip

import (
	"errors"
	"testing"

	sipmsg "github.com/emiago/sipgo/sip"
)

// FuzzFramer checks the TCP message framer against sipgo's stream parser.
// The framer must not panic; fed byte by byte it must end in the same
// state as fed in one piece; and where sipgo parses the input into
// complete messages, the framer must count as many and end between
// messages (else a phone's connection could be closed by the message
// timeout), or, where sipgo waits for more, have completed as many.
func FuzzFramer(f *testing.F) {
	for _, s := range []string{
		framedMsg, "\r\n\r\n" + framedMsg + framedMsg, withBody("Content-Length: 5", "hello"),
		withBody("l: 3", "abc") + framedMsg[:10], withBody("Content-Length: 5x", ""),
		rawRegister("1001", "Expires: 600\r\n"), "OPTIONS sip:x SIP/2.0\n\n", "R",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var whole, bytewise framer
		whole.feed(data)
		for i := range data {
			bytewise.feed(data[i : i+1])
		}
		if whole != bytewise {
			t.Fatalf("whole %+v, byte by byte %+v", whole, bytewise)
		}
		n := 0
		ps := sipmsg.NewParser().NewSIPStream()
		defer ps.Close()
		err := ps.ParseSIPStream(data, func(sipmsg.Message) { n++ })
		switch {
		case err == nil && (whole.inMessage() || whole.done != uint64(n)):
			t.Fatalf("sipgo parsed %d whole messages; framer completed %d, in a message: %v", n, whole.done, whole.inMessage())
		case errors.Is(err, sipmsg.ErrParseSipPartial) && whole.done != uint64(n):
			t.Fatalf("sipgo parsed %d messages and waits; framer completed %d", n, whole.done)
		}
	})
}
