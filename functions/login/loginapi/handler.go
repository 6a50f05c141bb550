package loginapi

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"cosgate/shared/apierr"
	"cosgate/shared/httpapi"
	"cosgate/shared/limits"
)

// Handler is the login function: POST {"code"} → {"token","expiresAt","uid"}.
type Handler struct {
	WeChat *WeChat
	Minter *Minter
	UIDs   UIDRule
	// Guard bounds sign-in attempts per address and WeChat calls per
	// deployment, and refuses a revoked uid a token; nil checks nothing.
	Guard *limits.Guard
	Now   func() time.Time
}

type request struct {
	Code string `json:"code"`
}

// Response is the body of a successful sign-in.
type Response struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"` // Unix seconds
	UID       string `json:"uid"`
}

// maxCodeBytes bounds a code; wx.login's are 32 letters and digits. The
// check is looser (- _ . too) so that the local stack's codes pass.
const maxCodeBytes = 128

// wxErrors maps jscode2session's documented errcodes (code2Session page,
// "错误码") to what the caller is told. Any other errcode is a 502.
var wxErrors = map[int]struct{ code, message string }{
	40029: {apierr.InvalidLoginCode, "WeChat does not accept this code; call wx.login() for a fresh one"},
	40163: {apierr.LoginCodeUsed, "this code has been used already; call wx.login() for a fresh one"},
	45011: {apierr.RateLimited, "WeChat limits how often one user may sign in; try again in a minute"},
	40226: {apierr.HighRiskUser, "WeChat refuses sign-in for this user (a high-risk account)"},
	Busy:  {apierr.UpstreamUnavailable, "WeChat is busy; try again shortly"},
	// The deployment's own credentials, refused.
	40013: {apierr.Misconfigured, "WeChat refused this deployment's WX_APPID"},
	40125: {apierr.Misconfigured, "WeChat refused this deployment's WX_APPSECRET"},
}

// retryAfter is the Retry-After of the answers that ask the caller to wait:
// WeChat's frequency limit counts per user per minute.
var retryAfter = map[string]time.Duration{
	apierr.RateLimited:         time.Minute,
	apierr.UpstreamUnavailable: time.Second,
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { httpapi.Serve(w, r, h.serve) }

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) error {
	var req request
	if _, err := httpapi.DecodeJSON(r, &req); err != nil {
		return err
	}
	if err := checkCode(req.Code); err != nil {
		return err
	}
	// Counted only once the code could be one: what fails the checks above
	// never reaches WeChat, so it spends nothing the limits guard.
	if err := h.Guard.Login(r.Context()); err != nil {
		return httpapi.Refused(err, "", "login")
	}
	ctx, cancel := httpapi.Budget(r.Context())
	defer cancel()
	session, attempts, err := h.WeChat.Exchange(ctx, req.Code)
	httpapi.AddLogAttrs(r.Context(), slog.Int("wx_attempts", attempts))
	if err != nil {
		// Audited like a refusal: a run of failed sign-ins from one address
		// (junk codes, replayed codes) is what an operator looks for.
		var attrs []slog.Attr
		var wxErr *Error
		if errors.As(err, &wxErr) {
			attrs = append(attrs, slog.Int("wx_errcode", wxErr.Code))
		}
		return httpapi.Refused(exchangeError(r, err), "", "login", attrs...)
	}
	uid, fallback, err := h.UIDs.UID(session)
	if err != nil {
		return err
	}
	if fallback {
		// Worth seeing in the access log: LOGIN_UID=unionid on a mini program
		// WeChat sends no unionid for (not bound to an Open Platform account).
		httpapi.AddLogAttrs(r.Context(), slog.Bool("unionid_missing", true))
	}
	httpapi.SetSubject(r.Context(), uid)
	// The uid is known only now; a revoked one gets no new token.
	if err := h.Guard.SignIn(r.Context(), uid); err != nil {
		return httpapi.Refused(err, uid, "login")
	}
	token, expires, err := h.Minter.Mint(uid, h.Now())
	if err != nil {
		return err
	}
	httpapi.Audit(r, slog.String("uid", uid), slog.String("action", "login"),
		slog.String("expires", expires.UTC().Format(time.RFC3339)), slog.String("decision", "allow"))
	// A token is a credential: never in a shared cache.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpapi.WriteJSON(w, http.StatusOK, Response{Token: token, ExpiresAt: expires.Unix(), UID: uid})
	return nil
}

// exchangeError is what the caller is told of a failed exchange: WeChat's
// errcodes through wxErrors, the rest as Exchange classified them, with
// the Retry-After of the answers that ask the caller to wait.
func exchangeError(r *http.Request, err error) error {
	var wxErr *Error
	if errors.As(err, &wxErr) {
		httpapi.AddLogAttrs(r.Context(), slog.Int("wx_errcode", wxErr.Code))
		m, ok := wxErrors[wxErr.Code]
		if !ok {
			m.code, m.message = apierr.UpstreamError, "WeChat refused the sign-in with an unexpected error"
		}
		err = apierr.Wrap(m.code, wxErr, m.message)
	}
	e := httpapi.Classify(err)
	e.RetryAfter = retryAfter[e.Code]
	return e
}

// checkCode refuses what cannot be a wx.login code before WeChat is asked.
func checkCode(code string) error {
	switch {
	case code == "":
		return apierr.New(apierr.InvalidRequest, `send {"code":"…"} with the code from wx.login()`)
	case len(code) > maxCodeBytes:
		return apierr.New(apierr.InvalidRequest, "a code is at most %d characters", maxCodeBytes)
	}
	for i := 0; i < len(code); i++ {
		c := code[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return apierr.New(apierr.InvalidRequest, "a code holds only letters, digits, - _ and .")
		}
	}
	return nil
}
