package smoke

import (
	"errors"
	"maps"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"syscall"
)

// hidden stands for every value the output must not show.
const hidden = "***"

// redactor is the last safety net before a line is printed: every secret
// seen during the run (the token, temporary credentials, the values of
// signed query parameters) is replaced, wherever a line came to hold it.
// The checks already avoid printing them; this covers what they did not
// foresee, such as an error message quoting a header.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

func (r *redactor) add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		// Very short values would blank out ordinary words; no real
		// credential or signature is that short.
		if len(s) >= 6 {
			r.secrets = append(r.secrets, s)
		}
	}
}

// addURL notes the secret values of a signed URL's query: a COS URL
// carries its SecretId (q-ak), signature and session token there. The
// others (times, the signed response type) are useful to see.
func (r *redactor) addURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		return
	}
	for name, vs := range u.Query() {
		if secretParam(name) {
			r.add(vs...)
		}
	}
}

// secretParam reports whether a query parameter holds a credential or a
// signature, by COS's names and, for other signers, by the usual words.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	if n == "q-ak" || n == "sign" {
		return true
	}
	for _, w := range []string{"signature", "token", "secret", "credential", "accesskey"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

func (r *redactor) clean(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, hidden)
		if esc := url.QueryEscape(secret); esc != secret {
			s = strings.ReplaceAll(s, esc, hidden)
		}
	}
	return s
}

// showURL is a URL as the output shows it: scheme, host and path; a query
// is summarized, since a signed URL's holds the signature and, with a
// temporary key, the session token.
func showURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(an unparsable URL)"
	}
	q := u.Query()
	u.RawQuery, u.Fragment, u.User = "", "", nil
	s := u.String()
	switch {
	case len(q) == 0:
		return s
	case slices.ContainsFunc(slices.Collect(maps.Keys(q)), secretParam):
		return s + "?<signed query, not shown>"
	default:
		return s + "?<query, not shown>"
	}
}

// netError is what a failed request says, without the URL that Go's
// *url.Error quotes (a signed URL's query is secret).
func netError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "no answer within the timeout (" + ue.Err.Error() + ")"
		}
		err = ue.Err
	}
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return err.Error() + "; nothing answers there: check the URL"
	case errors.As(err, &dns) && dns.IsNotFound:
		return err.Error() + "; no such host: check the URL"
	}
	return err.Error()
}
