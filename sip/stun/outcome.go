package stun

// Outcome says what happened to one datagram.
type Outcome uint8

// Outcomes of [Handle] (all but OutcomeThrottled) and of [Server] (all).
const (
	// OutcomeMalformed: not a well-formed STUN message; dropped.
	OutcomeMalformed Outcome = iota
	// OutcomeBinding: RFC 5389 Binding request answered with success.
	OutcomeBinding
	// OutcomeClassic: RFC 3489 classic Binding request answered.
	OutcomeClassic
	// OutcomeUnknownAttribute: Binding request answered with error 420.
	OutcomeUnknownAttribute
	// OutcomeIgnored: a well-formed message that gets no answer
	// (indication, response, method other than Binding); dropped.
	OutcomeIgnored
	// OutcomeBadFingerprint: FINGERPRINT did not match; dropped.
	OutcomeBadFingerprint
	// OutcomeThrottled: an answer was due but the source exceeded its
	// rate; dropped. Only [Server] reports it.
	OutcomeThrottled
	// OutcomeChangeRefused: an RFC 3489 Binding request whose
	// CHANGE-REQUEST asks for another IP or port, which the responder
	// (one address) cannot answer from; dropped, so the client's NAT test
	// comes out right.
	OutcomeChangeRefused
)

// Outcome names passed to Config.OnRequest: the String values of the
// Outcome constants, usable as metric labels.
const (
	OutcomeNameMalformed        = "malformed"
	OutcomeNameBinding          = "binding"
	OutcomeNameClassic          = "classic"
	OutcomeNameUnknownAttribute = "unknown_attribute"
	OutcomeNameIgnored          = "ignored"
	OutcomeNameBadFingerprint   = "bad_fingerprint"
	OutcomeNameThrottled        = "throttled"
	OutcomeNameChangeRefused    = "change_refused"
)

var outcomeNames = [...]string{
	OutcomeMalformed:        OutcomeNameMalformed,
	OutcomeBinding:          OutcomeNameBinding,
	OutcomeClassic:          OutcomeNameClassic,
	OutcomeUnknownAttribute: OutcomeNameUnknownAttribute,
	OutcomeIgnored:          OutcomeNameIgnored,
	OutcomeBadFingerprint:   OutcomeNameBadFingerprint,
	OutcomeThrottled:        OutcomeNameThrottled,
	OutcomeChangeRefused:    OutcomeNameChangeRefused,
}

// String returns the outcome's name, e.g. "binding".
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "unknown"
}
