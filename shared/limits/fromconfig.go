package limits

import (
	"strings"
	"time"

	"cosgate/shared/config"
)

// Use is what a Guard serves: the function, and its AUTH_MODE ("" for
// login, which verifies no tokens).
type Use struct {
	Function string
	AuthMode string
}

// FromConfig builds the Guard the configuration describes for use: the
// Redis store when LIMITS_REDIS_URL is set, else an in-process one. With
// no store and no limit that use applies it is nil (every check passes at
// no cost): nothing could revoke in an instance's own memory, so there is
// nothing to read per request. The sign function always gets a Guard: it
// keeps multipart records (Initiate, Part), which a nil Guard cannot. In
// process, those hold on one instance only (a part signed by another
// instance finds no record and is refused), so a sign function that scales
// out needs LIMITS_REDIS_URL.
func FromConfig(c config.Limits, use Use) (*Guard, error) {
	l := Limits{LoginsPerMinute: c.LoginsPerMinute, WeChatCallsPerMinute: c.WeChatCallsPerMinute}
	if use.Function != "login" {
		l = Limits{
			RequestsPerMinute: c.RequestsPerMinute,
			UploadsPerDay:     c.UploadsPerDay,
			UploadBytesPerDay: c.UploadBytesPerDay,
			STSPerHour:        c.STSPerHour,
		}
	}
	if c.RedisURL == "" && l == (Limits{}) && use.Function != "sign" {
		return nil, nil
	}
	var store Store = NewMemory(nil)
	if u := c.RedisURL.Reveal(); u != "" {
		r, err := NewRedis(u, c.Timeout.D())
		if err != nil {
			return nil, config.Problemf("LIMITS_REDIS_URL", "is not usable: %v", err)
		}
		store = r
	}
	return &Guard{
		Store:      store,
		Limits:     l,
		FailClosed: FailPolicy(c.Fail),
		Timeout:    c.Timeout.D(),
		Now:        time.Now,
		// Only a shared store can be revoked in (cosgate-admin writes to
		// Redis), and only a JWT carries an iat to compare.
		RequireIssued: c.RedisURL != "" && use.AuthMode == "jwt",
	}, nil
}

// FailPolicy reads LIMITS_FAIL over the defaults (uploads and sts closed,
// requests and revocation open): "closed" or "open" sets every kind,
// "kind:mode" one (config has checked the entries).
func FailPolicy(entries []string) map[Kind]bool {
	p := defaultFailClosed()
	for _, e := range entries {
		kind, mode, pair := strings.Cut(e, ":")
		if !pair {
			for k := range p {
				p[k] = kind == "closed"
			}
			continue
		}
		p[Kind(kind)] = mode == "closed"
	}
	return p
}
