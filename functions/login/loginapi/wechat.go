package loginapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"cosgate/shared/apierr"
)

// WeChat exchanges wx.login codes for the caller's identity at WeChat's
// auth.code2Session: GET <Endpoint>/sns/jscode2session with appid, secret,
// js_code and grant_type=authorization_code
// (developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html).
type WeChat struct {
	Endpoint  string // https://api.weixin.qq.com, or an emulator
	AppID     string
	AppSecret string
	Client    *http.Client
	// Timeout bounds the whole exchange, the retry included.
	Timeout time.Duration
	// RetryDelay is the pause before retrying an errcode -1 (system busy).
	RetryDelay time.Duration
}

// Session is what cosgate keeps of WeChat's answer. The session_key is
// never read into it: nothing here needs it, so nothing can leak it.
type Session struct {
	OpenID  string
	UnionID string // empty unless the mini program is bound to an Open Platform account
}

// reply is jscode2session's answer: openid, session_key, unionid on
// success; errcode and errmsg on failure (errcode 0 or absent on success).
type reply struct {
	OpenID  string `json:"openid"`
	UnionID string `json:"unionid"`
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// maxReplyBytes bounds what is read of an answer; a real one is ~150 bytes.
const maxReplyBytes = 16 << 10

// Error is an errcode WeChat answered with.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return fmt.Sprintf("jscode2session errcode %d: %s", e.Code, e.Msg) }

// Busy is the errcode for "system busy, try again": the one answer worth
// retrying at once.
const Busy = -1

// Exchange trades a code for a Session. It retries once when WeChat is
// busy. Failures are *Error (WeChat's errcode), or an *apierr.Error for a
// timeout (504), an unreachable WeChat or an answer that is not
// jscode2session's (502). No error's text holds the AppSecret.
func (c *WeChat) Exchange(ctx context.Context, code string) (s Session, attempts int, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.Timeout)
	defer cancel()
	for attempts = 1; ; attempts++ {
		s, err = c.once(ctx, code)
		var wxErr *Error
		if attempts == 2 || !errors.As(err, &wxErr) || wxErr.Code != Busy {
			return s, attempts, err
		}
		select {
		case <-ctx.Done():
			return s, attempts, c.transportError(ctx, ctx.Err())
		case <-time.After(c.RetryDelay):
		}
	}
}

func (c *WeChat) once(ctx context.Context, code string) (Session, error) {
	q := url.Values{
		"appid":      {c.AppID},
		"secret":     {c.AppSecret},
		"js_code":    {code},
		"grant_type": {"authorization_code"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Endpoint+"/sns/jscode2session?"+q.Encode(), nil)
	if err != nil {
		return Session{}, apierr.New(apierr.Misconfigured, "WX_API_ENDPOINT is not a usable URL")
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return Session{}, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return Session{}, c.transportError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return Session{}, unexpected(fmt.Errorf("HTTP %d", resp.StatusCode))
	}
	// The Content-Type is not relied on: WeChat does not document it.
	var r reply
	if len(body) > maxReplyBytes {
		return Session{}, unexpected(fmt.Errorf("an answer over %d bytes", maxReplyBytes))
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return Session{}, unexpected(errors.New("an answer that is not a jscode2session JSON object"))
	}
	if r.ErrCode != 0 {
		return Session{}, &Error{Code: r.ErrCode, Msg: r.ErrMsg}
	}
	if r.OpenID == "" {
		return Session{}, unexpected(errors.New("a success without an openid"))
	}
	return Session{OpenID: r.OpenID, UnionID: r.UnionID}, nil
}

// transportError describes a failed call without its URL, which holds the
// AppSecret: *url.Error's text repeats the URL, so only what it wraps is
// kept.
func (c *WeChat) transportError(ctx context.Context, err error) error {
	if ctx.Err() == context.DeadlineExceeded {
		return apierr.Wrap(apierr.UpstreamTimeout, context.DeadlineExceeded,
			fmt.Sprintf("WeChat did not answer within %s", c.Timeout))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return apierr.Wrap(apierr.UpstreamError, err, "could not reach WeChat; try again shortly")
}

func unexpected(cause error) error {
	return apierr.Wrap(apierr.UpstreamError, cause,
		"WeChat's answer was not one cosgate understands; try again shortly")
}
