package limits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
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
	Logins     Kind = "logins"     // LIMIT_LOGINS_PER_MINUTE, LIMIT_WECHAT_CALLS_PER_MINUTE
)

// MaxIssuedSkew is how far in the future a token's iat may be, for clocks
// that disagree a little, before the guard refuses it: revocation compares
// iat with the time of the revocation, so a token dated ahead would outlive
// every revocation made before that date.
const MaxIssuedSkew = 30 * time.Second

// defaultFailClosed is what each kind does when the store cannot answer:
// true refuses the request (503), false lets it through with a log line.
// Uploads and grants cost money, so they fail closed; a rate limit or a
// revocation check that cannot be made lets the request through, and so do
// the sign-in limits: a silent store must not stop every sign-in.
func defaultFailClosed() map[Kind]bool {
	return map[Kind]bool{Requests: false, Uploads: true, Grants: true, Revocation: false, Logins: false}
}

// Limits are the configured limits; zero turns one off.
type Limits struct {
	RequestsPerMinute int64
	UploadsPerDay     int64
	UploadBytesPerDay int64
	STSPerHour        int64
	// LoginsPerMinute bounds sign-in attempts per address; WeChatCallsPerMinute
	// bounds the deployment's calls to jscode2session, whose quota is the
	// AppID's: one caller must not be able to spend it for every user.
	LoginsPerMinute      int64
	WeChatCallsPerMinute int64
}

// Guard applies Limits to callers through a Store.
type Guard struct {
	Store      Store
	Limits     Limits
	FailClosed map[Kind]bool
	Timeout    time.Duration // per store call
	Now        func() time.Time
	// RequireIssued refuses a token without an iat, or with one more than
	// MaxIssuedSkew ahead: revocation decides by iat, so such a token would
	// pass after restore-user (no iat) or outlive a revocation (future
	// iat). It is set when a shared store makes revocation possible and
	// callers carry tokens (AUTH_MODE=jwt).
	RequireIssued bool
}

// Admit checks that the caller (uid, and the token's issue time when the
// token has one) is not revoked, then charges one request to function's
// per-minute rate. A caller without a uid cannot be revoked; its requests
// are counted by address (see ByAddress).
//
// With a uid and a rate, the read and the charge are one round trip
// (GatedStore.ChargeIf): the store charges only when the revocation value
// lets the caller in, so a revoked caller's requests do not spend its
// rate; the verdict itself is made here, from the value read
// (revocationVerdict). When that one trip fails, both kinds' fail
// policies apply, revocation's first: the request is refused when either
// kind fails closed, and let through, with a warning for each, when both
// fail open (as the two calls it replaces did).
func (g *Guard) Admit(ctx context.Context, function, uid string, issued time.Time) error {
	if g == nil {
		return nil
	}
	if uid != "" {
		if err := g.issuedUsable(issued); err != nil {
			return err
		}
	}
	n := g.Limits.RequestsPerMinute
	if n <= 0 {
		if uid == "" {
			return nil
		}
		return g.checkRevoked(ctx, uid, issued)
	}
	c := []Counter{g.perMinute("requests-"+function, subject(ctx, uid), n)}
	why := func(int) string { return fmt.Sprintf("at most %d requests a minute to %s", n, function) }
	if uid == "" {
		return g.charge(ctx, Requests, c, g.nextMinute(), why)
	}
	r, err := g.chargeIf(ctx, Gate{Key: revocationKey(uid), Issued: issued}, c)
	if err != nil {
		if err := g.unavailable(ctx, Revocation, err); err != nil {
			return err
		}
		return g.unavailable(ctx, Requests, err)
	}
	if err := revocationVerdict(r.Value, issued); err != nil {
		return err // r.Passed is false: the gate passes nothing the verdict refuses
	}
	if !r.Passed {
		// A value the verdict admits but the gate does not read (no writer
		// of this package's makes one): charged on a second trip.
		return g.charge(ctx, Requests, c, g.nextMinute(), why)
	}
	return g.refusal(Requests, r.Denied, g.nextMinute(), why)
}

// Login charges one sign-in attempt to the caller's address, then one
// WeChat call to the deployment's ceiling, before WeChat is asked. The
// two are separate charges, not one: the ceiling's key is the
// deployment's, the address's is the address's, and a Redis Cluster
// script may touch one slot only. An attempt the ceiling refuses still
// counts against the address.
func (g *Guard) Login(ctx context.Context) error {
	if g == nil {
		return nil
	}
	if n := g.Limits.LoginsPerMinute; n > 0 {
		c := g.perMinute("logins", subject(ctx, ""), n)
		if err := g.charge(ctx, Logins, []Counter{c}, g.nextMinute(), func(int) string {
			return fmt.Sprintf("at most %d sign-ins a minute from one address", n)
		}); err != nil {
			return err
		}
	}
	n := g.Limits.WeChatCallsPerMinute
	if n <= 0 {
		return nil
	}
	c := g.perMinute("wechat-calls", "deployment", n)
	err := g.charge(ctx, Logins, []Counter{c}, g.nextMinute(), func(int) string {
		return fmt.Sprintf("sign-in is paused: this deployment's %d WeChat calls a minute are used up", n)
	})
	var e *apierr.Error
	if errors.As(err, &e) && e.Code == apierr.RateLimited {
		// Not the caller's doing: the deployment is busy, so a 503 that asks
		// to come back, not a 429 that blames the caller.
		e.Code = apierr.UpstreamUnavailable
	}
	return err
}

// SignIn refuses a revoked uid a new token: checked once WeChat has named
// the caller, before a token is minted. A restored uid signs in again.
func (g *Guard) SignIn(ctx context.Context, uid string) error {
	if g == nil || uid == "" {
		return nil
	}
	v, err := g.value(ctx, revocationKey(uid))
	if err != nil {
		return g.unavailable(ctx, Revocation, err)
	}
	if parseRevocation(v).revoked {
		return apierr.New(apierr.Revoked, "access for this user has been revoked")
	}
	return nil
}

// perMinute is a sliding one-minute counter of kind for who.
func (g *Guard) perMinute(kind, who string, limit int64) Counter {
	now := g.Now()
	start := now.Truncate(time.Minute)
	return Counter{
		Key:    counterKey(kind, who, start),
		Prev:   counterKey(kind, who, start.Add(-time.Minute)),
		Weight: 1 - float64(now.Sub(start))/float64(time.Minute),
		N:      1, Limit: limit, TTL: 2 * time.Minute,
	}
}

func (g *Guard) nextMinute() time.Time { return g.Now().Truncate(time.Minute).Add(time.Minute) }

// Upload charges one upload of size bytes to the caller's daily quotas.
// A caller without a uid is charged by address.
func (g *Guard) Upload(ctx context.Context, uid string, size int64) error {
	if g == nil || g.Limits.UploadsPerDay <= 0 && g.Limits.UploadBytesPerDay <= 0 {
		return nil
	}
	uid = subject(ctx, uid)
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

// Grant charges one STS grant to the caller's hourly count; a caller
// without a uid is charged by address.
func (g *Guard) Grant(ctx context.Context, uid string) error {
	if g == nil || g.Limits.STSPerHour <= 0 {
		return nil
	}
	uid = subject(ctx, uid)
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

// checkRevoked reads uid's revocation alone (one round trip), for a
// request with no rate to charge.
func (g *Guard) checkRevoked(ctx context.Context, uid string, issued time.Time) error {
	v, err := g.value(ctx, revocationKey(uid))
	if err != nil {
		return g.unavailable(ctx, Revocation, err)
	}
	return revocationVerdict(v, issued)
}

// issuedUsable is RequireIssued's check, decided before the store is
// read: it needs no round trip, and holds when the store is down and
// revocation fails open.
func (g *Guard) issuedUsable(issued time.Time) error {
	if !g.RequireIssued {
		return nil
	}
	switch {
	case issued.IsZero():
		return apierr.New(apierr.Unauthorized,
			"the token has no iat (issue time), which revocation needs; sign in again for one that has")
	case issued.After(g.Now().Add(MaxIssuedSkew)):
		return apierr.New(apierr.Unauthorized, "the token's iat (issue time) is in the future; sign in again")
	}
	return nil
}

// revocationVerdict decides from uid's revocation value whether a token
// issued at issued (zero: unknown) is let in.
func revocationVerdict(v string, issued time.Time) error {
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

// charge runs the counters; a refusal is 429 RateLimited (a rate) or
// QuotaExceeded (a daily quota), with Retry-After until reset.
func (g *Guard) charge(ctx context.Context, kind Kind, cs []Counter, reset time.Time, why func(int) string) error {
	denied, err := g.chargeAt(ctx, cs)
	if err != nil {
		return g.unavailable(ctx, kind, err)
	}
	return g.refusal(kind, denied, reset, why)
}

// refusal is charge's answer for denied (-1: none).
func (g *Guard) refusal(kind Kind, denied int, reset time.Time, why func(int) string) error {
	if denied < 0 {
		return nil
	}
	code := apierr.QuotaExceeded
	if kind == Requests || kind == Grants || kind == Logins {
		code = apierr.RateLimited
	}
	e := apierr.New(code, "%s", why(denied))
	e.RetryAfter = max(time.Second, reset.Sub(g.Now()))
	return e
}

// chargeIf is GatedStore.ChargeIf within the Guard's timeout. A Store
// that is no GatedStore is read, then charged when the gate admits the
// value: two round trips (three for a refusal's Held), not one step, with
// the same results.
func (g *Guard) chargeIf(ctx context.Context, gate Gate, cs []Counter) (Charged, error) {
	ctx, cancel := context.WithTimeout(ctx, g.Timeout)
	defer cancel()
	if s, ok := g.Store.(GatedStore); ok {
		return s.ChargeIf(ctx, gate, cs)
	}
	v, err := g.Store.Value(ctx, gate.Key)
	r := Charged{Value: v, Denied: -1}
	if err != nil || !gate.Admits(v, v != "") {
		return r, err
	}
	r.Passed = true
	if r.Denied, err = g.Store.Charge(ctx, cs); err != nil || r.Denied < 0 {
		return r, err
	}
	held, err := g.Store.Value(ctx, cs[r.Denied].Key)
	r.Held, _ = strconv.ParseInt(held, 10, 64) // "" (expired meanwhile): 0
	return r, err
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
