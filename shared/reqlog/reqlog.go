// Package reqlog is a request's log record, carried in its context: the
// request id, the logger, the subject and the attributes of its one access
// line. It is apart from httpapi, and imports no net/http, so that domain
// packages (limits) can add to a request's log without depending on the
// HTTP contract; httpapi's middleware creates the record and writes the line.
package reqlog

import (
	"context"
	"log/slog"

	"cosgate/shared/logging"
)

// Record is what one request logs beyond its answer.
type Record struct {
	ID       string
	Function string
	Logger   *slog.Logger
	Subject  string // the authenticated caller
	// ClientAddr is the client's address as the middleware resolved it
	// (httpapi.ClientAddr), for domain packages that key on it.
	ClientAddr string
	Attrs      []slog.Attr // what the handler and its packages add to the access line
}

type key struct{}

// With carries rec in ctx.
func With(ctx context.Context, rec *Record) context.Context {
	return context.WithValue(ctx, key{}, rec)
}

// From is the request's record; nil outside a request.
func From(ctx context.Context) *Record {
	rec, _ := ctx.Value(key{}).(*Record)
	return rec
}

// Logger is the request's logger; slog's default outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if rec := From(ctx); rec != nil && rec.Logger != nil {
		return rec.Logger
	}
	return slog.Default()
}

// Add puts attributes on the request's access line, so that each request
// logs exactly one line. Outside a request they are dropped.
func Add(ctx context.Context, attrs ...slog.Attr) {
	if rec := From(ctx); rec != nil {
		rec.Attrs = append(rec.Attrs, attrs...)
	}
}

// Warn logs a warning about the request in flight, with its id.
func Warn(ctx context.Context, msg string, attrs ...slog.Attr) {
	id := ""
	if rec := From(ctx); rec != nil {
		id = rec.ID
	}
	logging.Write(ctx, Logger(ctx), slog.LevelWarn, msg, []slog.Attr{slog.String("request_id", id)}, attrs)
}
