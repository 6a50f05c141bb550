package config

import (
	"fmt"
	"testing"
)

// TestTrustedProxies: addresses and CIDRs, IPv4 in IPv6 form unmapped;
// anything else is a configuration error naming the variable.
func TestTrustedProxies(t *testing.T) {
	h := HTTP{MaxBodyBytes: 65536, TrustedProxies: List{"10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::ffff:198.51.100.0/120"}}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(h.Proxies()); got != "[10.0.0.0/8 192.0.2.7/32 2001:db8::/32 198.51.100.0/24]" {
		t.Errorf("Proxies: %s", got)
	}
	if len((HTTP{MaxBodyBytes: 65536}).Proxies()) != 0 {
		t.Error("the default trusts a proxy")
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "10.0.0.1:80", "fe80::1%eth0"} {
		err := HTTP{MaxBodyBytes: 65536, TrustedProxies: List{bad}}.Validate()
		if err == nil || !containsVar(err.Error(), "TRUSTED_PROXIES") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func containsVar(s, v string) bool {
	for i := 0; i+len(v) <= len(s); i++ {
		if s[i:i+len(v)] == v {
			return true
		}
	}
	return false
}
