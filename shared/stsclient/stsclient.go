// Package stsclient asks Tencent Cloud STS for COS temporary keys
// (GetFederationToken, or AssumeRole when a role is configured), signed with
// TC3-HMAC-SHA256. Each call stays inside its caller's deadline; throttling,
// internal errors, 5xx answers and network failures are retried a bounded
// number of times with jittered backoff.
package stsclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cosgate/shared/tc3"
)

// Version is the STS API version.
const Version = "2018-08-13"

// Key is what calls STS: a permanent key, or a role's temporary key with
// its token (sent as X-TC-Token).
type Key struct {
	SecretID, SecretKey, Token string
}

// KeySource returns the key for the next call. A role's key is read each
// time, because the platform rotates it.
type KeySource func() (Key, error)

// Options configure a Client.
type Options struct {
	// Endpoint is a host (sts.tencentcloudapi.com, sts.internal.tencentcloudapi.com,
	// sts.intl.tencentcloudapi.com) or a URL (http://127.0.0.1:9100 for tests).
	Endpoint string
	Region   string
	Key      KeySource
	HTTP     *http.Client
	// Timeout bounds one attempt; the caller's deadline bounds them all.
	Timeout     time.Duration
	MaxAttempts int
	// Backoff returns the pause before attempt n (2, 3, …); jittered by default.
	Backoff func(n int) time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Client calls STS.
type Client struct {
	o    Options
	base *url.URL
}

// New checks the options and returns a client.
func New(o Options) (*Client, error) {
	ep := o.Endpoint
	if !strings.Contains(ep, "://") {
		ep = "https://" + ep
	}
	u, err := url.Parse(ep)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || strings.Trim(u.Path, "/") != "" {
		return nil, errors.New("the STS endpoint must be a host or a scheme://host[:port] URL")
	}
	if o.Key == nil || o.Region == "" {
		return nil, errors.New("the STS client needs a key source and a region")
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{}
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 3
	}
	if o.Backoff == nil {
		o.Backoff = Jittered(100*time.Millisecond, nil)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Client{o: o, base: &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/"}}, nil
}

// Jittered is exponential backoff with full jitter: a pause drawn from
// [0, base·2^(n-2)]. rnd returns a number in [0,1); nil uses a time-seeded
// source, which is all jitter needs.
func Jittered(base time.Duration, rnd func() float64) func(int) time.Duration {
	if rnd == nil {
		rnd = func() float64 { return float64(time.Now().UnixNano()%1000) / 1000 }
	}
	return func(n int) time.Duration {
		return time.Duration(rnd() * float64(base<<max(0, n-2)))
	}
}

// Request asks for one temporary key.
type Request struct {
	Policy   []byte        // the CAM policy JSON
	Duration time.Duration // the key's lifetime
	// RoleARN switches to AssumeRole; SessionName is its RoleSessionName.
	RoleARN, SessionName string
}

// Issuer gets temporary keys from STS; *Client is one, and tests script
// others.
//
// Error contract. Issue returns either Credentials (TmpSecretID, Token and
// ExpiredTime set, as STS issued them) and a nil error, or zero
// Credentials and an *Error: never an apierr error, and never a bare
// context error. Error.Code is STS's own code when STS answered
// (RequestLimitExceeded, InternalError, AuthFailure.*, InvalidParameter.*,
// …, with its RequestID), or names what went wrong on the way: NetworkError
// (no answer, or one cut short), HTTP<status> (a status other than 200),
// MalformedResponse (a 200 that is not STS's JSON, or holds no
// credentials), NoKey (the KeySource failed), Timeout (ctx ended while
// waiting to retry). Error.Timeout is true whenever ctx ended (deadline or
// cancellation) or one attempt's timeout ran out; that is how a done ctx
// is reported, rather than as ctx.Err(), so callers test e.Timeout, not
// errors.Is(err, context.DeadlineExceeded).
//
// An Issuer retries what may succeed on a second try (throttling, internal
// errors, 5xx, network failures) within ctx's deadline, so an error is
// final for the request: callers must not retry it themselves, which
// would multiply calls against STS's per-account rate. They answer it
// through AsHTTP: 504 apierr.UpstreamTimeout when Timeout is set, else 502
// apierr.UpstreamError, with Code and RequestID kept for the log and
// never shown to the caller. Message is STS's text, never a secret, but is
// not for the caller either. A scripted Issuer in a test follows the same
// contract: it returns *Error (or an *apierr.Error, which AsHTTP passes
// through unchanged).
type Issuer interface {
	Issue(ctx context.Context, r Request) (Credentials, error)
}

// SessionName names a key issued for subject: AssumeRole's RoleSessionName
// ([\w+=,.@-]{2,128}, which every valid uid satisfies) and
// GetFederationToken's Name.
func SessionName(subject string) string {
	n := "cosgate-" + subject
	if len(n) > 128 {
		n = n[:128]
	}
	return n
}

// Credentials is what STS issued.
type Credentials struct {
	TmpSecretID  string `json:"TmpSecretId"`
	TmpSecretKey string `json:"TmpSecretKey"`
	Token        string `json:"Token"`
	ExpiredTime  int64  `json:"-"`
	Expiration   string `json:"-"`
	RequestID    string `json:"-"` // STS's id for the call that issued them
}

// ExpiresAt is when the key stops working.
func (c Credentials) ExpiresAt() time.Time { return time.Unix(c.ExpiredTime, 0) }

// Error is a failed issuance. Message is STS's text (never a secret of ours).
type Error struct {
	Code      string // STS error code, or a transport condition
	Message   string
	RequestID string // STS's RequestId, when it answered
	Timeout   bool   // the deadline or the attempt timeout ran out
	Attempts  int
}

func (e *Error) Error() string {
	s := fmt.Sprintf("sts: %s after %d attempt(s)", e.Code, e.Attempts)
	if e.RequestID != "" {
		s += " (RequestId " + e.RequestID + ")"
	}
	return s + ": " + e.Message
}

// retryable: throttling, internal errors and 5xx go away by themselves.
func retryable(code string, status int) bool {
	return code == "RequestLimitExceeded" || code == "InternalError" || strings.HasPrefix(code, "InternalError.") ||
		code == "ResourceUnavailable" || status >= 500 || code == "NetworkError"
}

// Issue calls STS, retrying what is worth retrying while the deadline allows.
func (c *Client) Issue(ctx context.Context, r Request) (Credentials, error) {
	action, body, err := c.body(r)
	if err != nil {
		return Credentials{}, err
	}
	var last *Error
	for attempt := 1; attempt <= c.o.MaxAttempts; attempt++ {
		if attempt > 1 {
			pause := c.o.Backoff(attempt)
			if dl, ok := ctx.Deadline(); ok && c.o.Now().Add(pause).After(dl) {
				break // no time left to try again
			}
			select {
			case <-ctx.Done():
				return Credentials{}, &Error{
					Code:     "Timeout",
					Message:  "the deadline passed while waiting to retry",
					Timeout:  true,
					Attempts: attempt - 1,
				}
			case <-time.After(pause):
			}
		}
		creds, e := c.attempt(ctx, action, body)
		if e == nil {
			return creds, nil
		}
		e.Attempts = attempt
		last = &e.Error
		c.o.Logger.LogAttrs(
			ctx,
			slog.LevelWarn,
			"sts call failed",
			slog.String("action", action),
			slog.String("code", e.Code),
			slog.String("sts_request_id", e.RequestID),
			slog.Int("attempt", attempt),
			slog.Bool("timeout", e.Timeout),
		)
		if ctx.Err() != nil {
			last.Timeout = true
			break
		}
		if !e.retry {
			break
		}
	}
	return Credentials{}, last
}

func (c *Client) body(r Request) (action string, body []byte, err error) {
	policy := url.QueryEscape(string(r.Policy)) // STS URL-decodes Policy
	secs := int64(r.Duration / time.Second)
	if r.RoleARN != "" {
		body, err = json.Marshal(struct {
			RoleArn         string
			RoleSessionName string
			Policy          string
			DurationSeconds int64
		}{r.RoleARN, r.SessionName, policy, secs})
		return "AssumeRole", body, err
	}
	body, err = json.Marshal(struct {
		Name            string
		Policy          string
		DurationSeconds int64
	}{"cosgate", policy, secs})
	return "GetFederationToken", body, err
}

func (c *Client) attempt(ctx context.Context, action string, body []byte) (Credentials, *retryError) {
	key, err := c.o.Key()
	if err != nil {
		return Credentials{}, &retryError{Error{Code: "NoKey", Message: err.Error()}, false}
	}
	actx, cancel := context.WithTimeout(ctx, c.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.base.String(), bytes.NewReader(body))
	if err != nil {
		return Credentials{}, &retryError{Error{Code: "BadRequest", Message: err.Error()}, false}
	}
	ts := c.o.Now().Unix()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-TC-Action", action)
	req.Header.Set("X-TC-Version", Version)
	req.Header.Set("X-TC-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-TC-Region", c.o.Region)
	if key.Token != "" {
		req.Header.Set("X-TC-Token", key.Token)
	}
	req.Header.Set("Authorization", tc3.Sign(key.SecretID, key.SecretKey, tc3.Request{
		Method:    http.MethodPost,
		Payload:   body,
		Service:   "sts",
		Timestamp: ts,
		Headers:   http.Header{"Content-Type": {"application/json"}, "Host": {req.URL.Host}},
	}))
	resp, err := c.o.HTTP.Do(req)
	if err != nil {
		timeout := errors.Is(err, context.DeadlineExceeded) || actx.Err() != nil
		return Credentials{}, &retryError{Error{Code: "NetworkError", Message: transportMessage(err), Timeout: timeout}, true}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Credentials{}, &retryError{
			Error{Code: "NetworkError", Message: "reading the answer failed", Timeout: actx.Err() != nil},
			true,
		}
	}
	var out struct {
		Response struct {
			Credentials *Credentials
			ExpiredTime int64
			Expiration  string
			RequestID   string `json:"RequestId"`
			Error       *struct{ Code, Message string }
		}
	}
	decodeErr := json.Unmarshal(raw, &out)
	rid := out.Response.RequestID
	switch {
	case resp.StatusCode != http.StatusOK:
		return Credentials{}, &retryError{
			Error{Code: "HTTP" + strconv.Itoa(resp.StatusCode), Message: "STS answered " + resp.Status, RequestID: rid},
			retryable("", resp.StatusCode),
		}
	case decodeErr != nil:
		return Credentials{}, &retryError{
			Error{Code: "MalformedResponse", Message: "STS answered something that is not its JSON"},
			false,
		}
	case out.Response.Error != nil:
		code := out.Response.Error.Code
		return Credentials{}, &retryError{
			Error{Code: code, Message: out.Response.Error.Message, RequestID: rid},
			retryable(code, 0),
		}
	case out.Response.Credentials == nil || out.Response.Credentials.TmpSecretID == "" ||
		out.Response.Credentials.Token == "" || out.Response.ExpiredTime == 0:
		return Credentials{}, &retryError{
			Error{Code: "MalformedResponse", Message: "STS answered without credentials", RequestID: rid},
			false,
		}
	}
	cr := *out.Response.Credentials
	cr.ExpiredTime, cr.Expiration, cr.RequestID = out.Response.ExpiredTime, out.Response.Expiration, rid
	return cr, nil
}

// retryError is an Error plus whether another attempt may succeed.
type retryError struct {
	Error
	retry bool
}

// transportMessage describes a transport failure without the URL, which
// Go's errors repeat.
func transportMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
