// Package sip is phoneprov's SIP registrar: it authenticates REGISTERs
// against the device lines of the database, keeps the bindings, and pushes
// re-sync NOTIFYs to registered phones.
//
// # Serving
//
// One sipgo user agent carries a server and a client, so that NOTIFYs leave
// from the listening sockets: over UDP from the listening port, over TCP
// and TLS through the connection the phone registered on. The caller makes
// the listeners ([Registrar.ServeUDP], [Registrar.ServeTCP],
// [Registrar.ServeTLS]) and stops them with [Registrar.Shutdown].
//
// # Request paths
//
// A REGISTER over UDP: sipgo's read loop hands the datagram to the read
// filter (udpfast.go), which queues it; a worker parses it, takes
// [Registrar]'s enter/leave guard, answers a remembered retransmission
// itself, else calls handleRegister. A REGISTER over TCP or TLS: sipgo's
// transaction layer calls OnRegister, wrapped in the same guard
// (registrar.go), then handleRegister. From there one path
// (registrar_register.go): register drops scanners and unsafe headers,
// checks To/From/Call-ID/CSeq, authenticate challenges or verifies the
// digest (package sip/digest; the credential lookup runs under the
// registrar's context, which Shutdown cancels when it stops waiting; a
// refused digest is logged at debug with its reason), refusal checks the
// line, the bindings table takes the change, the 200 lists the live
// contacts, and Config.OnRegister gets the outcome. OPTIONS and other
// methods come through sipgo with the same guard; re-sync NOTIFYs leave
// through sipgo's client (notify.go).
//
// # Registration (RFC 3261 section 10.3)
//
// A REGISTER is authenticated with digest (package sip/digest: MD5 and
// SHA-256 challenges, in that order by default, qop=auth, stale nonces, no
// replay). The digest username
// is a line's auth user; its To URI must be the line's extension at
// Config.Domain, and the line must be allowed (licensed, active user,
// regular extension, device not retired), else 403. Unknown auth users get
// the same 401 as wrong passwords. The digest uri must name the
// Request-URI (else 400) and qop=auth is required. An auth user that keeps
// failing from one source gets 403, then silence, over that transport class
// (UDP, or TCP/TLS); a source failing for many auth users gets the same for
// every auth user not registered from it lately (sip/digest's throttle).
// Credential-less REGISTERs are always challenged, over UDP at most
// Config.ChallengeLimit times a second per source. Credentials are cached
// in memory by auth user and dropped when the Directory's Generation
// changes.
//
// Each contact's expiry is its expires parameter, else the Expires header,
// else Config.DefaultExpires; a non-zero expiry below Config.MinExpires gets
// 423 with Min-Expires, one above Config.MaxExpires is capped. Expiry 0
// removes the contact. "Contact: *" with "Expires: 0" removes the bindings
// of the AOR registered by the same line (auth user) — not those of other
// devices sharing the extension; "*" with other contacts or a non-zero
// expiry gets 400. A binding with the request's Call-ID and a CSeq not below
// the request's makes the whole request fail with 500 and change nothing.
// A contact carrying +sip.instance (and reg-id) replaces the bindings with
// the same instance and reg-id (RFC 5626). Past Config.MaxContactsPerAOR,
// the bindings nearest to expiry are evicted, never the ones the request
// writes; a request with more contacts than the cap gets 403. The 200 lists
// every live contact of the AOR with its remaining expires and carries a
// Date header. A REGISTER without Contact is a query.
//
// # Bindings
//
// Bindings live in a sharded in-memory table keyed by AOR, each with the
// source address and transport it came from (where NOTIFYs go, through
// NAT). Changes are written to the Directory behind the hot path, every
// Config.FlushInterval or Config.FlushBatch changes, coalesced per binding,
// and on Shutdown; a sweeper removes expired ones; New loads the live ones.
//
// # UDP without transactions
//
// REGISTERs arriving over UDP are taken from sipgo's read loop (its read
// filter), queued (Config.UDPQueue; past it dropped, the phone
// retransmits) and answered statelessly by Config.UDPWorkers goroutines,
// as Kamailio's sl_send_reply does: no sipgo server transaction is kept
// for 32 s (Timer J), no goroutine is started per message. An exact
// retransmission (same Via branch and sent-by, CSeq and source) within
// 4-8 s gets the final answer sent the first time; later it is a new
// request: its nonce count is spent, so it gets 401 stale=true and changes
// nothing. Each UDP socket asks for a
// Config.UDPReadBuffer receive buffer and, on 64-bit Linux, the kernel's
// receive timestamp of each datagram: a REGISTER that waited in that
// buffer past T1 is dropped unparsed, as its sender has retransmitted it.
// The fast path reads a REGISTER with a parser of its own (parseRegister:
// only the headers the registrar reads, falling back to sipgo's parser
// for anything unusual) and writes the answer into a pooled buffer
// without building sipgo's Response. Everything else, and REGISTERs over
// TCP and TLS, go through sipgo's transaction layer.
//
// # Hygiene
//
// Requests from scanners (User-Agent fragments in Config.ScannerUserAgents)
// get no answer. A CR or LF inside a header gets 400, or no answer when it
// sits in a header the answer would copy. Messages above
// Config.MaxMessageSize are dropped. OPTIONS gets 200; other methods 405.
// Idle TCP/TLS connections are closed after Config.IdleTimeout; CRLF
// keepalives on them are answered by sipgo.
package sip
