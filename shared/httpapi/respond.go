package httpapi

import (
	"log/slog"
	"net/http"
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
	status := e.Status()
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
	if status == http.StatusMethodNotAllowed && w.Header().Get("Allow") == "" {
		w.Header().Set("Allow", "GET, HEAD, POST, OPTIONS")
	}
	WriteJSON(w, status, body)
}
