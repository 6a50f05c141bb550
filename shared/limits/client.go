package limits

import (
	"context"
	"net"
	"net/http"
	"net/netip"

	"cosgate/shared/reqlog"
)

// A caller without a uid (AUTH_MODE=none, and everyone on /login before
// WeChat has named them) is counted by network address instead: without
// that, every limit would let anonymous callers through, and those are the
// deployments that need limits most.

type clientKey struct{}

// WithClient carries the caller's network address (an IP, as the platform
// reported it) for the Guard to key on when there is no uid.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// ByAddress hands next's requests the caller's address, for the Guard.
// Every function's Build wraps its handler in it.
func ByAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithClient(r.Context(), clientAddr(r))))
	})
}

// clientAddr is the address the platform reports for the caller, as the
// httpapi middleware worked it out once per request (reqlog's record:
// SCF's requestContext.sourceIp, Lambda's sourceIp, an SCF web function's
// gateway entry in X-Forwarded-For, a plain peer or its TRUSTED_PROXIES
// hop); the host of r.RemoteAddr outside that middleware.
func clientAddr(r *http.Request) string {
	if rec := reqlog.From(r.Context()); rec != nil && rec.ClientAddr != "" {
		return rec.ClientAddr
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// addressSubject names an address in counter keys: "addr:<ip>". An IPv6
// caller is counted by its /64, the smallest block a provider hands one
// subscriber: a host picks any address inside it, so counting single
// addresses would let one caller multiply its limits by 2^64. An address
// that is missing or unreadable is counted as one shared caller, so that
// the limits still hold (too tightly) rather than not at all. A uid never
// holds ':' (identity.ValidateUID), so no uid can name an address's
// counters.
func addressSubject(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return "addr:unknown"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is4() {
		return "addr:" + ip.String()
	}
	return "addr:" + netip.PrefixFrom(ip, 64).Masked().String()
}

// subject is whom a charge is counted against: the uid, or without one the
// caller's address.
func subject(ctx context.Context, uid string) string {
	if uid != "" {
		return uid
	}
	addr, _ := ctx.Value(clientKey{}).(string)
	return addressSubject(addr)
}
