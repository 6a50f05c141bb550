package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	subjectKey
)

// WithRequestID sets the id a platform gave this invocation; the middleware
// uses it instead of minting one.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics on failure since Go 1.24)
	return hex.EncodeToString(b[:])
}

// SetSubject records the authenticated caller for the access log.
func SetSubject(ctx context.Context, uid string) {
	if s, ok := ctx.Value(subjectKey).(*string); ok {
		*s = uid
	}
}
