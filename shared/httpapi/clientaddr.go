package httpapi

import (
	"net/http"
	"net/netip"
	"strings"

	"cosgate/shared/reqlog"
)

// ClientAddr is the client's IP address as far as this deployment can vouch
// for it, for keying limits on callers without a uid:
//
//   - SCF event functions and AWS Lambda: the address the gateway reports in
//     the event (requestContext.sourceIp, requestContext.http.sourceIp), which
//     the adapters put in r.RemoteAddr; no header is read.
//   - SCF web functions: SCF's own proxy connects to the function over the
//     instance's network, so r.RemoteAddr is that proxy. The client is the
//     right-most X-Forwarded-For entry, which the gateway wrote (a client
//     can only add entries to the left of it), skipping entries in
//     TRUSTED_PROXIES and addresses no internet client has (private,
//     loopback, link-local, shared 100.64.0.0/10): SCF does not document
//     its internal hops, and if one appended itself, counting it would put
//     every caller behind one address.
//   - a plain HTTP server: r.RemoteAddr, unless that peer is in
//     TRUSTED_PROXIES; then the right-most X-Forwarded-For entry that is
//     not. Without TRUSTED_PROXIES no header is believed: anyone can send one.
//
// X-Forwarded-For is read across every header line, as one list. An entry
// that is not an address ends the walk at the last address trusted so far.
// Outside the middleware it is r.RemoteAddr's address.
func ClientAddr(r *http.Request) string {
	if rec := reqlog.From(r.Context()); rec != nil && rec.ClientAddr != "" {
		return rec.ClientAddr
	}
	return clientAddr(r, false, nil)
}

// clientAddr implements ClientAddr; peerIsProxy is true where the direct
// peer is the platform's own proxy (an SCF web function).
func clientAddr(r *http.Request, peerIsProxy bool, trusted []netip.Prefix) string {
	peer := clientIP(r)
	addr, err := netip.ParseAddr(peer)
	if err != nil {
		return peer // "" for an event without sourceIp; kept as the platform gave it
	}
	addr = addr.Unmap().WithZone("")
	if !peerIsProxy && !inPrefixes(addr, trusted) {
		return addr.String()
	}
	lines := r.Header.Values("X-Forwarded-For")
	for i := len(lines) - 1; i >= 0; i-- {
		line := lines[i]
		for line != "" {
			var entry string
			if j := strings.LastIndexByte(line, ','); j >= 0 {
				line, entry = line[:j], line[j+1:]
			} else {
				line, entry = "", line
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, ok := parseForwarded(entry)
			if !ok {
				return addr.String()
			}
			addr = a
			if !inPrefixes(a, trusted) && !(peerIsProxy && internal(a)) {
				return a.String()
			}
		}
	}
	return addr.String() // every hop trusted: the left-most is the client
}

// parseForwarded reads an X-Forwarded-For entry: an address, with a port
// or not (IPv6 with a port in brackets).
func parseForwarded(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// sharedSpace is RFC 6598's carrier-grade NAT range, used inside clouds.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// internal reports an address that only a platform's own network uses.
func internal(a netip.Addr) bool {
	return a.IsPrivate() || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || sharedSpace.Contains(a)
}

func inPrefixes(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor is every X-Forwarded-For line of r, joined as one list, for
// the audit line: a proxy may add its own line rather than append to the
// client's, and the first line alone would hide the later hops.
func forwardedFor(r *http.Request) string {
	return strings.Join(r.Header.Values("X-Forwarded-For"), ", ")
}
