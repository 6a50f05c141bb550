package config

import (
	"errors"
	"slices"
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
	// (requests, uploads, sts, revocation, logins) over the defaults.
	Fail              List  `env:"LIMITS_FAIL"`
	RequestsPerMinute int64 `env:"LIMIT_REQUESTS_PER_MINUTE"  envDefault:"0"`
	UploadsPerDay     int64 `env:"LIMIT_UPLOADS_PER_DAY"      envDefault:"0"`
	UploadBytesPerDay int64 `env:"LIMIT_UPLOAD_BYTES_PER_DAY" envDefault:"0"`
	STSPerHour        int64 `env:"LIMIT_STS_PER_HOUR"         envDefault:"0"`
	// The login function's, on by default: /login is open to anyone, and
	// each attempt spends the AppID's jscode2session quota, shared by every
	// user of the mini program.
	LoginsPerMinute      int64 `env:"LIMIT_LOGINS_PER_MINUTE"       envDefault:"10"`
	WeChatCallsPerMinute int64 `env:"LIMIT_WECHAT_CALLS_PER_MINUTE" envDefault:"300"`
}

// limitsOf says which function each LIMIT_* applies to. The four caller
// limits are one set the deploy templates hand to sts, presign, download
// and sign alike (serverless.yml's shared environments, template.yaml),
// each function applying those it serves, so they are accepted on all
// four; none of them means anything to login, and login's mean nothing to
// the others.
var limitsOf = map[string][]string{
	"LIMIT_REQUESTS_PER_MINUTE":     {"sts", "presign", "download", "sign"},
	"LIMIT_UPLOADS_PER_DAY":         {"sts", "presign", "download", "sign"},
	"LIMIT_UPLOAD_BYTES_PER_DAY":    {"sts", "presign", "download", "sign"},
	"LIMIT_STS_PER_HOUR":            {"sts", "presign", "download", "sign"},
	"LIMIT_LOGINS_PER_MINUTE":       {"login"},
	"LIMIT_WECHAT_CALLS_PER_MINUTE": {"login"},
}

// LimitApplies reports whether variable may be given to function: any
// variable but a LIMIT_* that is another function's. A deploy hands each
// function only these, so one LIMIT_* set for all cannot stop another's start.
func LimitApplies(function, variable string) bool {
	fns, ok := limitsOf[variable]
	return !ok || slices.Contains(fns, function)
}

// LimitsApply refuses a LIMIT_* set (to anything but 0, which is off) on a
// function it cannot apply to: an operator who sets one expects it to
// hold, and a function that ignored it would fail them silently. getenv
// reads the function's environment; a variable set to Unset is unset.
func LimitsApply(function string, getenv func(string) string) error {
	var errs []error
	for name, fns := range limitsOf {
		v := getenv(name)
		if v == "" || v == Unset || v == "0" || slices.Contains(fns, function) {
			continue
		}
		hint := "it is the login function's"
		if function == "login" {
			hint = "login counts sign-ins per address with LIMIT_LOGINS_PER_MINUTE"
		}
		errs = append(errs, Problemf(name, "does not apply to the %s function (%s); unset it there", function, hint))
	}
	return errors.Join(errs...)
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
			pair && kind != "requests" && kind != "uploads" && kind != "sts" && kind != "revocation" &&
				kind != "logins" {
			errs = append(
				errs,
				Problemf("LIMITS_FAIL",
					"entries are closed, open, or <requests|uploads|sts|revocation|logins>:<closed|open>"),
			)
			break
		}
	}
	for name, v := range map[string]int64{"LIMIT_REQUESTS_PER_MINUTE": l.RequestsPerMinute,
		"LIMIT_UPLOADS_PER_DAY": l.UploadsPerDay, "LIMIT_UPLOAD_BYTES_PER_DAY": l.UploadBytesPerDay,
		"LIMIT_STS_PER_HOUR": l.STSPerHour, "LIMIT_LOGINS_PER_MINUTE": l.LoginsPerMinute,
		"LIMIT_WECHAT_CALLS_PER_MINUTE": l.WeChatCallsPerMinute} {
		if v < 0 {
			errs = append(errs, Problemf(name, "must not be negative (0 turns it off)"))
		}
	}
	return errors.Join(errs...)
}
