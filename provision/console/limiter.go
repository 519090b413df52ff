package console

import (
	"net/netip"
	"time"

	"github.com/phoneprov/phoneprov/sip/srclimit"
)

// remoteSource is the address of a remote host:port (the zero Addr when
// it is not one: never counted). Sign-ins count per srclimit.SourceKey:
// the IPv4 address, or the /64 of an IPv6 address (one host holds a whole
// /64, so counting single addresses would let it make 2^64 attempts).
func remoteSource(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// newLimiter counts sign-in attempts per source in fixed windows of w,
// burst per window, for at most max sources. When the table is full, new
// sources are refused until the next window: an attacker spraying
// addresses cannot push out the counters of the others.
func newLimiter(burst int, w time.Duration, max int, now func() time.Time) *srclimit.Limiter {
	return srclimit.NewWindow(burst, max, w, now)
}
