package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"cosgate/shared/jsonscan"
)

// DecodeObject reads a request body holding one flat JSON object without
// reflection, under the same rules as DecodeJSON (content type, UTF-8,
// size, no unknown fields, no trailing data). field is called for each key
// and reads its value with String or Int; it returns UnknownField for keys
// it does not know. present is false for an empty body.
func DecodeObject(r *http.Request, field func(name string, v *jsonscan.Reader) error) (present bool, err error) {
	if err := checkContentType(r); err != nil {
		return false, err
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return false, err
	}
	if len(trimSpace(body)) == 0 {
		return false, nil
	}
	if err := checkUTF8(body); err != nil {
		return true, err
	}
	var rd jsonscan.Reader
	rd.Reset(body)
	if rd.Peek() != jsonscan.Object {
		return true, Errorf(CodeInvalidRequest, "the body must be a JSON object")
	}
	err = rd.Object(func(name string) error { return field(name, &rd) })
	if err == nil && rd.End() != nil {
		err = Errorf(CodeInvalidRequest, "the body must hold exactly one JSON object")
	}
	var syn *jsonscan.SyntaxError
	if errors.As(err, &syn) {
		return true, Errorf(CodeInvalidRequest, "the body is not valid JSON (at byte %d)", syn.Offset)
	}
	return true, err
}

// UnknownField is the error for a key the request type does not have.
func UnknownField(name string) error {
	return Errorf(CodeInvalidRequest, "unknown field %q", name)
}

// String reads a string field (null reads as "").
func String(v *jsonscan.Reader, name string) (string, error) {
	switch v.Peek() {
	case jsonscan.Null:
		v.Null()
		return "", nil
	case jsonscan.String:
		return v.String()
	}
	return "", Errorf(CodeInvalidRequest, "field %q must be a string", name)
}

// Int reads a whole-number field; set is false for null.
func Int(v *jsonscan.Reader, name string) (n int64, set bool, err error) {
	switch v.Peek() {
	case jsonscan.Null:
		v.Null()
		return 0, false, nil
	case jsonscan.Number:
		s, err := v.Number()
		if err != nil {
			return 0, false, err
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true, nil
		}
	}
	return 0, false, Errorf(CodeInvalidRequest, "field %q must be a whole number", name)
}
