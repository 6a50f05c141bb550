package config

import (
	"errors"
	"net/netip"
	"strings"
)

// HTTP configures the shared middleware.
type HTTP struct {
	// AllowOrigins are the browser origins allowed by CORS ("*" for any).
	AllowOrigins List  `env:"CORS_ALLOW_ORIGINS"`
	MaxBodyBytes int64 `env:"HTTP_MAX_BODY_BYTES" envDefault:"65536"`
	// TrustedProxies are the proxies (addresses or CIDRs) whose
	// X-Forwarded-For entries name the client (httpapi.ClientAddr). Empty,
	// the default, believes no header on a plain HTTP server.
	TrustedProxies List `env:"TRUSTED_PROXIES"`
}

// Validate checks the origins, the body limit and the proxies.
func (h HTTP) Validate() error {
	var errs []error
	for _, o := range h.AllowOrigins {
		if o != "*" && !strings.HasPrefix(o, "https://") && !strings.HasPrefix(o, "http://") {
			errs = append(
				errs,
				Problemf("CORS_ALLOW_ORIGINS", "entries must be * or origins such as https://app.example.com"),
			)
			break
		}
	}
	if h.MaxBodyBytes < 1024 || h.MaxBodyBytes > 6<<20 {
		errs = append(errs, Problemf("HTTP_MAX_BODY_BYTES", "must be between 1024 and 6291456"))
	}
	for _, p := range h.TrustedProxies {
		if _, ok := parseProxy(p); !ok {
			errs = append(errs, Problemf("TRUSTED_PROXIES", "entries must be IP addresses or CIDRs such as 10.0.0.0/8"))
			break
		}
	}
	return errors.Join(errs...)
}

// Proxies is TrustedProxies parsed; entries Validate refuses are left out.
func (h HTTP) Proxies() []netip.Prefix {
	var out []netip.Prefix
	for _, p := range h.TrustedProxies {
		if pfx, ok := parseProxy(p); ok {
			out = append(out, pfx)
		}
	}
	return out
}

// parseProxy reads an address (a one-address prefix) or a CIDR. IPv4 in
// IPv6 form is unmapped, as httpapi unmaps the addresses it compares.
func parseProxy(s string) (netip.Prefix, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() {
		if p.Bits() < 96 {
			return netip.Prefix{}, false
		}
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}
