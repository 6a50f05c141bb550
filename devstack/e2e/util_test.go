package e2e_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"

	"github.com/tencentyun/cos-go-sdk-v5"
)

func asCOS(err error, target **cos.ErrorResponse) bool { return errors.As(err, target) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// orderedFields keeps a JSON object's keys in order: the form fields must
// be posted as the function listed them.
type orderedFields [][2]string

func (o *orderedFields) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytesReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		*o = append(*o, [2]string{k.(string), v})
	}
	return nil
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
