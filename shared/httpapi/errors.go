// Package httpapi is the HTTP contract every function shares: the JSON
// error shape and its stable codes, request ids, strict JSON bodies, CORS,
// body limits, panic recovery and the access log.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"cosgate/shared/objkey"
)

// Stable error codes. Clients branch on these, never on messages.
const (
	CodeInvalidRequest       = "InvalidRequest"
	CodeInvalidKey           = "InvalidKey"
	CodeExtensionNotAllowed  = "ExtensionNotAllowed"
	CodeContentTypeMismatch  = "ContentTypeMismatch"
	CodeTooLarge             = "TooLarge"
	CodeUnauthorized         = "Unauthorized"
	CodeTokenExpired         = "TokenExpired"
	CodeForbidden            = "Forbidden"
	CodeRateLimited          = "RateLimited"
	CodeQuotaExceeded        = "QuotaExceeded"
	CodeRevoked              = "Revoked"
	CodeNotFound             = "NotFound"
	CodeMethodNotAllowed     = "MethodNotAllowed"
	CodeUnsupportedMediaType = "UnsupportedMediaType"
	CodeInvalidLoginCode     = "InvalidLoginCode"
	CodeLoginCodeUsed        = "LoginCodeUsed"
	CodeHighRiskUser         = "HighRiskUser"
	CodeUpstreamError        = "UpstreamError"
	CodeUpstreamTimeout      = "UpstreamTimeout"
	CodeUpstreamUnavailable  = "UpstreamUnavailable"
	CodeDeadlineExceeded     = "DeadlineExceeded"
	CodeMisconfigured        = "ServiceMisconfigured"
	CodeInternal             = "InternalError"
)

// statusOf is the one table from code to HTTP status.
var statusOf = map[string]int{
	CodeInvalidRequest:       http.StatusBadRequest,
	CodeInvalidKey:           http.StatusBadRequest,
	CodeExtensionNotAllowed:  http.StatusBadRequest,
	CodeContentTypeMismatch:  http.StatusBadRequest,
	CodeTooLarge:             http.StatusRequestEntityTooLarge,
	CodeUnauthorized:         http.StatusUnauthorized,
	CodeTokenExpired:         http.StatusUnauthorized,
	CodeForbidden:            http.StatusForbidden,
	CodeRateLimited:          http.StatusTooManyRequests,
	CodeQuotaExceeded:        http.StatusTooManyRequests,
	CodeRevoked:              http.StatusForbidden,
	CodeNotFound:             http.StatusNotFound,
	CodeMethodNotAllowed:     http.StatusMethodNotAllowed,
	CodeUnsupportedMediaType: http.StatusUnsupportedMediaType,
	CodeInvalidLoginCode:     http.StatusBadRequest,
	CodeLoginCodeUsed:        http.StatusBadRequest,
	CodeHighRiskUser:         http.StatusForbidden,
	CodeUpstreamError:        http.StatusBadGateway,
	CodeUpstreamTimeout:      http.StatusGatewayTimeout,
	CodeUpstreamUnavailable:  http.StatusServiceUnavailable,
	CodeDeadlineExceeded:     http.StatusGatewayTimeout,
	CodeMisconfigured:        http.StatusInternalServerError,
	CodeInternal:             http.StatusInternalServerError,
}

// Error is an error with a stable code and a message safe to show a caller.
// Cause is for the log only; it never reaches a response body.
type Error struct {
	Code    string
	Message string
	Cause   error
	// RetryAfter, when set, is sent as Retry-After (whole seconds, rounded up).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Code + ": " + e.Message + ": " + e.Cause.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Status is the HTTP status the code maps to.
func (e *Error) Status() int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Errorf returns an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error that keeps cause for the log.
func Wrap(code string, cause error, message string) *Error {
	return &Error{Code: code, Message: message, Cause: cause}
}

// Classify maps any error to the Error a caller sees. Errors that are not
// ours become InternalError with a generic message: their text may say more
// than a caller should know.
func Classify(err error) *Error {
	var e *Error
	var tooBig *http.MaxBytesError
	var key *objkey.Violation
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &tooBig):
		return Wrap(CodeTooLarge, err, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit))
	case errors.As(err, &key):
		return Wrap(CodeInvalidKey, err, key.Message)
	case errors.Is(err, context.DeadlineExceeded):
		return Wrap(CodeDeadlineExceeded, err, "the function ran out of time")
	}
	return Wrap(CodeInternal, err, "internal error")
}
