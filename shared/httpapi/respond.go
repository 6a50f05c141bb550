package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// WriteJSON writes v, a tagged struct, with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b := marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

// WriteError answers with the uniform error shape. Server-side failures are
// logged with their cause; the body carries only the code and message.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := Classify(err)
	status := StatusOf(e.Code)
	if status >= 500 {
		loggerFrom(r.Context()).LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", RequestID(r.Context())), slog.String("code", e.Code), slog.Any("error", err))
	}
	var body errorBody
	body.Error.Code, body.Error.Message, body.RequestID = e.Code, e.Message, RequestID(r.Context())
	if status == http.StatusUnauthorized {
		// RFC 6750: say which scheme to use, and that the token was the problem.
		w.Header().Set("WWW-Authenticate", `Bearer realm="cosgate", error="invalid_token"`)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
	}
	WriteJSON(w, status, body)
}

// Warn logs a warning about the request in flight, with its id.
func Warn(ctx context.Context, msg string, attrs ...slog.Attr) {
	attrs = append([]slog.Attr{slog.String("request_id", RequestID(ctx))}, attrs...)
	loggerFrom(ctx).LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
}

// Audit writes the audit line of a grant or a refusal: one JSON line with
// msg "audit", the request id and the client's address, and what attrs say.
func Audit(r *http.Request, attrs ...slog.Attr) {
	base := []slog.Attr{
		slog.String("request_id", RequestID(r.Context())),
		slog.String("client_ip", clientIP(r)),
	}
	if req := requestFrom(r.Context()); req != nil {
		base = append(base, slog.String("function", req.function))
	}
	if f := r.Header.Get("X-Forwarded-For"); f != "" {
		base = append(base, slog.String("forwarded_for", f))
	}
	loggerFrom(r.Context()).LogAttrs(r.Context(), slog.LevelInfo, "audit", append(base, attrs...)...)
}

// clientIP is the address the request came from, as the platform saw it.
func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return strings.Trim(host, "[]")
}
