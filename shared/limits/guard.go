package limits

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/reqlog"
)

// Kind is a kind of limit; each has its own fail policy.
type Kind string

const (
	Requests   Kind = "requests"   // LIMIT_REQUESTS_PER_MINUTE
	Uploads    Kind = "uploads"    // LIMIT_UPLOADS_PER_DAY, LIMIT_UPLOAD_BYTES_PER_DAY
	Grants     Kind = "sts"        // LIMIT_STS_PER_HOUR
	Revocation Kind = "revocation" // revoked callers and keys
)

// defaultFailClosed is what each kind does when the store cannot answer:
// true refuses the request (503), false lets it through with a log line.
// Uploads and grants cost money, so they fail closed; a rate limit or a
// revocation check that cannot be made lets the request through.
func defaultFailClosed() map[Kind]bool {
	return map[Kind]bool{Requests: false, Uploads: true, Grants: true, Revocation: false}
}

// Limits are the configured limits; zero turns one off.
type Limits struct {
	RequestsPerMinute int64
	UploadsPerDay     int64
	UploadBytesPerDay int64
	STSPerHour        int64
}

// Guard applies Limits to callers through a Store.
type Guard struct {
	Store      Store
	Limits     Limits
	FailClosed map[Kind]bool
	Timeout    time.Duration // per store call
	Now        func() time.Time
}

// Admit checks that the caller (uid, and the token's issue time when the
// token has one) is not revoked, then charges one request to function's
// per-minute rate.
func (g *Guard) Admit(ctx context.Context, function, uid string, issued time.Time) error {
	if g == nil || uid == "" {
		return nil
	}
	if err := g.checkRevoked(ctx, uid, issued); err != nil {
		return err
	}
	if g.Limits.RequestsPerMinute <= 0 {
		return nil
	}
	now := g.Now()
	start := now.Truncate(time.Minute)
	c := Counter{
		Key:    counterKey("requests-"+function, uid, start),
		Prev:   counterKey("requests-"+function, uid, start.Add(-time.Minute)),
		Weight: 1 - float64(now.Sub(start))/float64(time.Minute),
		N:      1, Limit: g.Limits.RequestsPerMinute, TTL: 2 * time.Minute,
	}
	return g.charge(ctx, Requests, []Counter{c}, start.Add(time.Minute), func(int) string {
		return fmt.Sprintf("at most %d requests a minute to %s", g.Limits.RequestsPerMinute, function)
	})
}

// Upload charges one upload of size bytes to the caller's daily quotas.
func (g *Guard) Upload(ctx context.Context, uid string, size int64) error {
	if g == nil || uid == "" || g.Limits.UploadsPerDay <= 0 && g.Limits.UploadBytesPerDay <= 0 {
		return nil
	}
	day := g.Now().UTC().Truncate(24 * time.Hour)
	var cs []Counter
	var what []string
	if g.Limits.UploadsPerDay > 0 {
		cs = append(
			cs,
			Counter{Key: counterKey("uploads", uid, day), N: 1, Limit: g.Limits.UploadsPerDay, TTL: 25 * time.Hour},
		)
		what = append(what, fmt.Sprintf("%d uploads a day", g.Limits.UploadsPerDay))
	}
	if g.Limits.UploadBytesPerDay > 0 {
		cs = append(cs, Counter{Key: counterKey("upload-bytes", uid, day), N: size, Limit: g.Limits.UploadBytesPerDay,
			TTL: 25 * time.Hour})
		what = append(what, fmt.Sprintf("%d bytes of uploads a day", g.Limits.UploadBytesPerDay))
	}
	return g.charge(ctx, Uploads, cs, day.Add(24*time.Hour), func(i int) string {
		return "the quota of " + what[i] + " is used up; it resets at 00:00 UTC"
	})
}

// Grant charges one STS grant to the caller's hourly count.
func (g *Guard) Grant(ctx context.Context, uid string) error {
	if g == nil || uid == "" || g.Limits.STSPerHour <= 0 {
		return nil
	}
	hour := g.Now().Truncate(time.Hour)
	c := Counter{Key: counterKey("sts", uid, hour), N: 1, Limit: g.Limits.STSPerHour, TTL: 2 * time.Hour}
	return g.charge(ctx, Grants, []Counter{c}, hour.Add(time.Hour), func(int) string {
		return fmt.Sprintf("at most %d temporary keys an hour", g.Limits.STSPerHour)
	})
}

// ObjectAllowed refuses a key on the deny list.
func (g *Guard) ObjectAllowed(ctx context.Context, key string) error {
	if g == nil {
		return nil
	}
	v, err := g.value(ctx, deniedObjectKey(key))
	if err != nil {
		return g.unavailable(ctx, Revocation, err)
	}
	if v != "" {
		return apierr.New(apierr.Revoked, "this object has been withdrawn")
	}
	return nil
}

func (g *Guard) checkRevoked(ctx context.Context, uid string, issued time.Time) error {
	v, err := g.value(ctx, revocationKey(uid))
	if err != nil {
		return g.unavailable(ctx, Revocation, err)
	}
	st := parseRevocation(v)
	switch {
	case st.revoked:
		return apierr.New(apierr.Revoked, "access for this user has been revoked")
	case !st.since.IsZero() && !issued.IsZero() && !issued.After(st.since):
		// A token issued in or before the second of the revocation stays
		// refused after a restore: only a new sign-in is let back in.
		return apierr.New(apierr.Revoked, "this token was issued before access was revoked; sign in again")
	}
	return nil
}

func (g *Guard) value(ctx context.Context, key string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	return g.Store.Value(ctx, key)
}

// charge runs the counters; a refusal is 429 RateLimited (requests) or
// QuotaExceeded, with Retry-After until reset.
func (g *Guard) charge(ctx context.Context, kind Kind, cs []Counter, reset time.Time, why func(int) string) error {
	cctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	denied, err := g.Store.Charge(cctx, cs)
	if err != nil {
		return g.unavailable(ctx, kind, err)
	}
	if denied < 0 {
		return nil
	}
	code := apierr.QuotaExceeded
	if kind == Requests || kind == Grants {
		code = apierr.RateLimited
	}
	e := apierr.New(code, "%s", why(denied))
	e.RetryAfter = max(time.Second, reset.Sub(g.Now()))
	return e
}

// unavailable applies kind's fail policy to a store error: a 503, or nil
// and a warning in the log. The warning goes through the request's log
// record (reqlog), not a return value: every Guard method keeps its one
// error result, nil meaning "go on", and the handler need not tell a
// checked pass from an unchecked one to log it.
func (g *Guard) unavailable(ctx context.Context, kind Kind, err error) error {
	if g.FailClosed[kind] {
		e := apierr.Wrap(apierr.UpstreamUnavailable, err, "the limits store did not answer; try again shortly")
		e.RetryAfter = time.Second
		return e
	}
	reqlog.Add(ctx, slog.String("limits_unavailable", string(kind)))
	reqlog.Warn(ctx, "the limits store did not answer; the request was let through",
		slog.String("kind", string(kind)), slog.String("error", err.Error()))
	return nil
}
