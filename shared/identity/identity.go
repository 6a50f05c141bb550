// Package identity tells who is calling: the uid that scopes every key,
// prefix and policy cosgate hands out. Three modes: a signed JWT, WeChat
// Cloud Hosting's gateway headers, or nobody (anonymous).
package identity

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"cosgate/shared/apierr"
)

// Caller is an authenticated caller. UID is empty in anonymous mode.
type Caller struct {
	UID string
	// Issued is when the caller's token was issued (its iat), zero when the
	// token has none or there is no token; revocation compares against it.
	Issued time.Time
}

// Subject names the caller in logs.
func (c Caller) Subject() string {
	if c.UID == "" {
		return "anonymous"
	}
	return c.UID
}

// Authenticator finds the caller of a request.
//
// Error contract. Authenticate returns a Caller and a nil error, or a zero
// Caller and an *apierr.Error with one of two codes, both answered 401:
// apierr.TokenExpired when a JWT is past its exp (the client obtains a new
// token and tries again), and apierr.Unauthorized for everything else: no
// credentials, malformed or forged ones, a token for another issuer or
// audience, not yet valid, or naming an unusable uid. No other error is
// returned. An Authenticator does no I/O (its keys are read at start-up),
// so there is no context error, no upstream failure and nothing worth
// retrying: the same request gets the same answer, but for the clock.
// Messages are safe to show the caller and never echo the token. Callers
// pass the error on unchanged and must not map it to another code.
// Anonymous never fails, and its Caller has no UID.
type Authenticator interface {
	Authenticate(r *http.Request) (Caller, error)
}

// MaxUIDLength bounds a uid; WeChat openids are 28 characters.
const MaxUIDLength = 128

// ValidateUID checks a uid before it may enter a key, a prefix or a
// policy: 1 to 128 characters from A-Z a-z 0-9 and - _ . @ + =, and no "."
// or ".." (so no uid can climb out of its prefix or widen a wildcard).
func ValidateUID(uid string) error {
	if uid == "" || len(uid) > MaxUIDLength {
		return fmt.Errorf("a uid must be 1 to %d characters", MaxUIDLength)
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '@' || c == '+' || c == '=') {
			return fmt.Errorf("a uid may hold only letters, digits and - _ . @ + =")
		}
	}
	if uid == "." || strings.Contains(uid, "..") {
		return fmt.Errorf(`a uid must not be "." or contain ".."`)
	}
	return nil
}

func unauthorized(format string, args ...any) error {
	return apierr.New(apierr.Unauthorized, format, args...)
}

// Anonymous authenticates nobody: AUTH_MODE=none, only allowed when no
// template uses {uid}.
type Anonymous struct{}

func (Anonymous) Authenticate(*http.Request) (Caller, error) { return Caller{}, nil }

// WXCloud trusts the headers WeChat Cloud Hosting's gateway injects:
// X-WX-OPENID (the uid) and X-WX-SOURCE (present on every call through the
// gateway). Anyone who can reach the service another way can forge them, so
// use it only for services reachable solely through that gateway.
type WXCloud struct{}

func (WXCloud) Authenticate(r *http.Request) (Caller, error) {
	// The gateway sends each once; a second copy came from someone else, and
	// which of the two a reader takes is not ours to guess.
	if len(r.Header.Values("X-WX-OPENID")) > 1 || len(r.Header.Values("X-WX-SOURCE")) > 1 {
		return Caller{}, unauthorized("X-WX-OPENID and X-WX-SOURCE may each appear once")
	}
	if r.Header.Get("X-WX-SOURCE") == "" {
		return Caller{}, unauthorized("the request did not come through WeChat Cloud Hosting (no X-WX-SOURCE)")
	}
	openid := r.Header.Get("X-WX-OPENID")
	if openid == "" {
		return Caller{}, unauthorized("WeChat Cloud Hosting sent no X-WX-OPENID")
	}
	if err := ValidateUID(openid); err != nil {
		return Caller{}, unauthorized("X-WX-OPENID is not a usable uid: %v", err)
	}
	return Caller{UID: openid}, nil
}

// Require authenticates r for a handler. A refusal is returned, not
// answered: the handler returns it and httpapi writes the 401, so that
// identity knows nothing of HTTP answers or logs.
func Require(r *http.Request, a Authenticator) (Caller, error) {
	return a.Authenticate(r)
}
