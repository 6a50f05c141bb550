package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"unicode/utf8"
)

// JSONAppender is a response that writes its own compact, valid JSON.
// encoding/json re-scans the output of MarshalJSON methods; for large
// responses on hot paths that costs more than writing it.
type JSONAppender interface {
	AppendJSON(dst []byte) []byte
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var b []byte
	if a, ok := v.(JSONAppender); ok {
		b = a.AppendJSON(make([]byte, 0, 2048)) // a POST form is about 1.4 KB
	} else {
		// Without HTML escaping: URLs keep their '&' readable ("\u0026"
		// would be valid JSON, but not what a person expects in curl output).
		var buf bytes.Buffer
		e := json.NewEncoder(&buf)
		e.SetEscapeHTML(false)
		if err := e.Encode(v); err != nil {
			// Our response types always marshal; this is a programming error.
			panic(fmt.Sprintf("httpapi: response does not marshal: %v", err))
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
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

// DecodeJSON reads a request body holding one JSON object into dst,
// strictly: unknown fields, wrong types, trailing data and non-JSON content
// types are refused with a 4xx Error. present is false for an empty body,
// which the caller may accept.
func DecodeJSON(r *http.Request, dst any) (present bool, err error) {
	if err := checkContentType(r); err != nil {
		return false, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false, err // a MaxBytesError classifies as TooLarge
	}
	if len(trimSpace(body)) == 0 {
		return false, nil
	}
	if err := checkUTF8(body); err != nil {
		return true, err
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return true, jsonError(err)
	}
	if d.More() {
		return true, Errorf(CodeInvalidRequest, "the body must hold exactly one JSON object")
	}
	return true, nil
}

func checkContentType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
			return Errorf(CodeUnsupportedMediaType, "the body must be application/json")
		}
	}
	return nil
}

// checkUTF8: JSON is UTF-8 (RFC 8259). encoding/json would quietly turn bad
// bytes into U+FFFD, and a key the client sent would become another key.
func checkUTF8(body []byte) error {
	if !utf8.Valid(body) {
		return Errorf(CodeInvalidRequest, "the body is not valid UTF-8")
	}
	return nil
}

func trimSpace(b []byte) []byte { return bytes.TrimSpace(b) }

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return Errorf(CodeInvalidRequest, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return Errorf(CodeInvalidRequest, "the body must be a JSON object")
		}
		return Errorf(CodeInvalidRequest, "field %q must be %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return Errorf(CodeInvalidRequest, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(CodeInvalidRequest, "the body is truncated JSON")
	}
	return Errorf(CodeInvalidRequest, "the body is not a valid request")
}

func jsonKind(k string) string {
	switch {
	case strings.HasPrefix(k, "int"), strings.HasPrefix(k, "uint"):
		return "a whole number"
	case strings.HasPrefix(k, "float"):
		return "a number"
	case k == "string":
		return "a string"
	case k == "bool":
		return "true or false"
	case k == "slice":
		return "an array"
	}
	return "an object"
}
