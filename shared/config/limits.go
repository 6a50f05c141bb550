package config

import (
	"errors"
	"strings"
	"time"

	"cosgate/shared/logging"
)

// Limits configures per-caller limits, quotas and revocation. Each limit
// is off when zero; the store is in-process unless LIMITS_REDIS_URL is set.
type Limits struct {
	// RedisURL is redis:// or rediss://; it may hold a password.
	RedisURL logging.Secret `env:"LIMITS_REDIS_URL"`
	Timeout  Duration       `env:"LIMITS_TIMEOUT"             envDefault:"200ms"`
	// Fail is closed or open for every kind, or kind:mode entries
	// (requests, uploads, sts, revocation) over the defaults.
	Fail              List  `env:"LIMITS_FAIL"`
	RequestsPerMinute int64 `env:"LIMIT_REQUESTS_PER_MINUTE"  envDefault:"0"`
	UploadsPerDay     int64 `env:"LIMIT_UPLOADS_PER_DAY"      envDefault:"0"`
	UploadBytesPerDay int64 `env:"LIMIT_UPLOAD_BYTES_PER_DAY" envDefault:"0"`
	STSPerHour        int64 `env:"LIMIT_STS_PER_HOUR"         envDefault:"0"`
}

// Validate checks the URL's scheme, the timeout, the fail policy and that
// no limit is negative.
func (l Limits) Validate() error {
	var errs []error
	if u := l.RedisURL.Reveal(); u != "" && !strings.HasPrefix(u, "redis://") && !strings.HasPrefix(u, "rediss://") {
		errs = append(errs, Problemf("LIMITS_REDIS_URL", "must start with redis:// or rediss://"))
	}
	errs = append(errs, inRange("LIMITS_TIMEOUT", l.Timeout, 10*time.Millisecond, 5*time.Second, "10ms and 5s"))
	for _, f := range l.Fail {
		kind, mode, pair := strings.Cut(f, ":")
		if !pair {
			mode = kind
		}
		if mode != "closed" && mode != "open" ||
			pair && kind != "requests" && kind != "uploads" && kind != "sts" && kind != "revocation" {
			errs = append(
				errs,
				Problemf("LIMITS_FAIL", "entries are closed, open, or <requests|uploads|sts|revocation>:<closed|open>"),
			)
			break
		}
	}
	for name, v := range map[string]int64{"LIMIT_REQUESTS_PER_MINUTE": l.RequestsPerMinute,
		"LIMIT_UPLOADS_PER_DAY": l.UploadsPerDay, "LIMIT_UPLOAD_BYTES_PER_DAY": l.UploadBytesPerDay,
		"LIMIT_STS_PER_HOUR": l.STSPerHour} {
		if v < 0 {
			errs = append(errs, Problemf(name, "must not be negative (0 turns it off)"))
		}
	}
	return errors.Join(errs...)
}
