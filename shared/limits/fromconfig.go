package limits

import (
	"strings"
	"time"

	"cosgate/shared/config"
)

// FromConfig builds the Guard the configuration describes: the Redis store
// when LIMITS_REDIS_URL is set, else an in-process one. With no store and
// no limit it is nil (every check passes at no cost): nothing could revoke
// in an instance's own memory, so there is nothing to read per request.
func FromConfig(c config.Limits) (*Guard, error) {
	if c.RedisURL == "" && c.RequestsPerMinute == 0 && c.UploadsPerDay == 0 && c.UploadBytesPerDay == 0 &&
		c.STSPerHour == 0 {
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
		Store: store,
		Limits: Limits{
			RequestsPerMinute: c.RequestsPerMinute,
			UploadsPerDay:     c.UploadsPerDay,
			UploadBytesPerDay: c.UploadBytesPerDay,
			STSPerHour:        c.STSPerHour,
		},
		FailClosed: FailPolicy(c.Fail),
		Timeout:    c.Timeout.D(),
		Now:        time.Now,
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
