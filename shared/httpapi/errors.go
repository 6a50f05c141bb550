// Package httpapi is the HTTP contract every function shares: the JSON
// error shape and its stable codes, request ids, strict JSON bodies, CORS,
// body limits, panic recovery and the access log.
package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"cosgate/shared/apierr"
)

// statusOf is the one table from code (apierr) to HTTP status.
var statusOf = map[string]int{
	apierr.InvalidRequest:       http.StatusBadRequest,
	apierr.InvalidKey:           http.StatusBadRequest,
	apierr.ExtensionNotAllowed:  http.StatusBadRequest,
	apierr.ContentTypeMismatch:  http.StatusBadRequest,
	apierr.TooLarge:             http.StatusRequestEntityTooLarge,
	apierr.Unauthorized:         http.StatusUnauthorized,
	apierr.TokenExpired:         http.StatusUnauthorized,
	apierr.Forbidden:            http.StatusForbidden,
	apierr.RateLimited:          http.StatusTooManyRequests,
	apierr.QuotaExceeded:        http.StatusTooManyRequests,
	apierr.Revoked:              http.StatusForbidden,
	apierr.NotFound:             http.StatusNotFound,
	apierr.MethodNotAllowed:     http.StatusMethodNotAllowed,
	apierr.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	apierr.InvalidLoginCode:     http.StatusBadRequest,
	apierr.LoginCodeUsed:        http.StatusBadRequest,
	apierr.HighRiskUser:         http.StatusForbidden,
	apierr.UpstreamError:        http.StatusBadGateway,
	apierr.UpstreamTimeout:      http.StatusGatewayTimeout,
	apierr.UpstreamUnavailable:  http.StatusServiceUnavailable,
	apierr.DeadlineExceeded:     http.StatusGatewayTimeout,
	apierr.Misconfigured:        http.StatusInternalServerError,
	apierr.Internal:             http.StatusInternalServerError,
}

// StatusOf is the HTTP status a code maps to; 500 for a code not in the table.
func StatusOf(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Classify maps any error to the apierr.Error a caller sees. Errors that
// are not ours become InternalError with a generic message: their text may
// say more than a caller should know.
func Classify(err error) *apierr.Error {
	var e *apierr.Error
	var tooBig *http.MaxBytesError
	var body *bodyError
	switch {
	case errors.As(err, &e):
		return e
	case errors.As(err, &tooBig):
		return apierr.Wrap(apierr.TooLarge, err, fmt.Sprintf("the request body is larger than %d bytes", tooBig.Limit))
	case errors.As(err, &body):
		return classifyBody(body)
	case errors.Is(err, context.DeadlineExceeded):
		return apierr.Wrap(apierr.DeadlineExceeded, err, "the function ran out of time")
	}
	return apierr.Wrap(apierr.Internal, err, "internal error")
}
