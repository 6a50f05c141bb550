package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"cosgate/shared/apierr"
)

// DecodeJSON reads a request body holding exactly one JSON object into dst,
// a tagged struct. It is the one decoder every function uses, and it is
// strict, because a lenient parser is where two readers of one body start to
// disagree:
//
//   - the Content-Type, when sent, must be application/json (or +json);
//   - the body must be valid UTF-8 (encoding/json would turn bad bytes into
//     U+FFFD, and the key a client sent into another key);
//   - fields dst does not declare, a value of the wrong type, a number that
//     overflows its field and anything but white space after the object are
//     refused;
//   - a key that appears twice in one object, at any depth and in any letter
//     case (encoding/json matches names case-insensitively), is refused:
//     JSON leaves duplicates open (RFC 8259 §4) and encoding/json silently
//     keeps the last value, so a proxy, a WAF or a log that read the first
//     would have checked another request than the one served (RepeatedKey);
//   - a body that cannot be read (a malformed chunked encoding, a client
//     that hung up mid-body) is the caller's fault: 400, not 500;
//   - the middleware's body limit applies (413 TooLarge).
//
// Every refusal is a 4xx *apierr.Error. present is false for an empty body, which
// the caller may accept.
func DecodeJSON(r *http.Request, dst any) (present bool, err error) {
	if err := checkContentType(r); err != nil {
		return false, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		// A MaxBytesError classifies as TooLarge; any other failure is the
		// request's framing, whichever reader (the middleware's or not)
		// the body came through.
		return false, asBodyError(err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return false, nil
	}
	if !utf8.Valid(body) {
		return true, apierr.New(apierr.InvalidRequest, "the body is not valid UTF-8")
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return true, jsonError(err)
	}
	if len(bytes.TrimSpace(body[d.InputOffset():])) > 0 {
		return true, apierr.New(apierr.InvalidRequest, "the body must hold exactly one JSON object, with nothing after it")
	}
	// Checked after Decode, so that a malformed body gets the decoder's
	// precise message and only a well-formed one pays for the second pass.
	if key, dup := RepeatedKey(body); dup {
		return true, apierr.New(apierr.InvalidRequest, "the body repeats the key %.60q", key)
	}
	return true, nil
}

func checkContentType(r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ := strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		if mt != "application/json" && !(strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")) {
			return apierr.New(apierr.UnsupportedMediaType, "the body must be application/json")
		}
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return apierr.New(apierr.InvalidRequest, "the body is not valid JSON (at byte %d)", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return apierr.New(apierr.InvalidRequest, "the body must be a JSON object")
		}
		if strings.HasPrefix(typ.Value, "number") && isNumberKind(typ.Type.Kind().String()) {
			return apierr.New(apierr.InvalidRequest, "field %q must be %s within range", typ.Field, jsonKind(typ.Type.Kind().String()))
		}
		return apierr.New(apierr.InvalidRequest, "field %q must be %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no type for this error; its text is stable.
		return apierr.New(apierr.InvalidRequest, "unknown field %.60s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return apierr.New(apierr.InvalidRequest, "the body is truncated JSON")
	}
	return apierr.New(apierr.InvalidRequest, "the body is not a valid request")
}

func isNumberKind(k string) bool {
	return strings.HasPrefix(k, "int") || strings.HasPrefix(k, "uint") || strings.HasPrefix(k, "float")
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

// errNotMarshalable is a response type that encoding/json cannot write: a
// programming error, caught by every handler test.
var errNotMarshalable = errors.New("httpapi: response does not marshal")

func marshal(v any) []byte {
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	// URLs keep their '&' readable: "\u0026" is valid JSON, but not what a
	// person expects in curl output.
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		panic(fmt.Errorf("%w: %v", errNotMarshalable, err))
	}
	return buf.Bytes()
}
