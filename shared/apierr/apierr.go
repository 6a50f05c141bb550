// Package apierr holds the errors cosgate answers callers with: a stable
// code, a message safe to show, the cause for the log only, and a retry
// hint. It knows nothing of HTTP: domain packages (identity, limits,
// stsclient, objkey, …) return these errors, and httpapi alone maps a code
// to a status and writes the answer.
package apierr

import (
	"errors"
	"fmt"
	"time"
)

// Stable error codes. Clients branch on these, never on messages.
const (
	InvalidRequest       = "InvalidRequest"
	InvalidKey           = "InvalidKey"
	ExtensionNotAllowed  = "ExtensionNotAllowed"
	ContentTypeMismatch  = "ContentTypeMismatch"
	TooLarge             = "TooLarge"
	Unauthorized         = "Unauthorized"
	TokenExpired         = "TokenExpired"
	Forbidden            = "Forbidden"
	RateLimited          = "RateLimited"
	QuotaExceeded        = "QuotaExceeded"
	Revoked              = "Revoked"
	NotFound             = "NotFound"
	MethodNotAllowed     = "MethodNotAllowed"
	UnsupportedMediaType = "UnsupportedMediaType"
	InvalidLoginCode     = "InvalidLoginCode"
	LoginCodeUsed        = "LoginCodeUsed"
	HighRiskUser         = "HighRiskUser"
	UpstreamError        = "UpstreamError"
	UpstreamTimeout      = "UpstreamTimeout"
	UpstreamUnavailable  = "UpstreamUnavailable"
	DeadlineExceeded     = "DeadlineExceeded"
	Misconfigured        = "ServiceMisconfigured"
	Internal             = "InternalError"
)

// Error is an error with a stable code and a message safe to show a caller.
// Cause is for the log only; it never reaches a response body.
type Error struct {
	Code    string
	Message string
	Cause   error
	// RetryAfter, when set, tells the caller when to try again.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an Error with a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error that keeps cause for the log.
func Wrap(code string, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Cause: cause}
}

// Code reads the code of err: the first *Error in its chain, or "" when it
// has none (an error that is not ours).
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
