package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"time"

	"cosgate/shared/reqlog"
)

type ctxKey int

// platformIDKey carries the id a platform gave the invocation. What the
// middleware keeps per request is a reqlog.Record, in one context value.
const platformIDKey ctxKey = 0

// WithRequestID sets the id a platform gave this invocation; the middleware
// uses it instead of minting one.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, platformIDKey, id)
}

// RequestID returns the request's id ("" outside a request).
func RequestID(ctx context.Context) string {
	if rec := reqlog.From(ctx); rec != nil {
		return rec.ID
	}
	id, _ := ctx.Value(platformIDKey).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand panics on failure since Go 1.24)
	return hex.EncodeToString(b[:])
}

// SetSubject records the authenticated caller for the access log.
func SetSubject(ctx context.Context, uid string) {
	if rec := reqlog.From(ctx); rec != nil {
		rec.Subject = uid
	}
}

// AddLogAttrs puts attributes on the request's access line (what was
// granted, which key), so each request logs exactly one line. Credentials
// must never be passed here; attributes named like them are redacted anyway.
func AddLogAttrs(ctx context.Context, attrs ...slog.Attr) {
	reqlog.Add(ctx, attrs...)
}

// DeadlineMargin is left between a handler's upstream call and the
// platform's deadline, so a slow upstream still gets a 504 from the
// function rather than a cut-off invocation.
const DeadlineMargin = 250 * time.Millisecond

// Budget ends upstream work DeadlineMargin before the request's deadline
// (the platform's), or with the request when it has none.
func Budget(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, dl.Add(-DeadlineMargin))
	}
	return context.WithCancel(ctx)
}
