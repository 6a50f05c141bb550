package e2e_test

import (
	"bytes"
	"encoding/json"
)

// orderedFields keeps a JSON object's keys in order: the form fields must
// be posted as the function listed them.
type orderedFields [][2]string

func (o *orderedFields) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
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
