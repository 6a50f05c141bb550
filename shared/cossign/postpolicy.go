package cossign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"time"
)

// POST Object (form upload) policies. The policy is a JSON document of
// conditions; the signature covers its exact bytes:
//
//	SignKey   = hex(HMAC-SHA1(SecretKey, KeyTime))
//	Signature = hex(HMAC-SHA1(SignKey, hex(SHA1(policy JSON))))
//
// and the form carries the same bytes base64-encoded.

// Condition operators in a POST policy.
const (
	OpEq          = "eq"
	OpStartsWith  = "starts-with"
	OpLengthRange = "content-length-range"
)

// Condition is one entry of a policy's "conditions" array.
type Condition struct {
	Op       string // OpEq, OpStartsWith or OpLengthRange
	Field    string // form field name, without '$' (unused for OpLengthRange)
	Value    string
	Min, Max int64 // OpLengthRange only
}

// PostPolicy is a parsed POST Object policy.
type PostPolicy struct {
	Expiration time.Time
	Conditions []Condition
}

// PostUpload describes a form upload to authorise.
type PostUpload struct {
	Bucket string
	// Key pins the exact object key. KeyPrefix is used instead when Key is
	// empty (the client then picks the rest of the key).
	Key, KeyPrefix string
	// MinSize and MaxSize become content-length-range when MaxSize > 0.
	MinSize, MaxSize int64
	// Fields are pinned to exact values (Content-Type, success_action_status,
	// x-cos-*): each becomes a condition and a form field.
	Fields     []Pair
	Expiration time.Time
	Window     Window // q-sign-time of the policy and q-key-time of the form
}

// PostForm is a signed form: the fields go into multipart/form-data before
// the file part, in this order.
type PostForm struct {
	Policy []byte // the signed JSON
	Fields FormFields
}

// FormFields are form fields in order.
type FormFields []Pair

// Map returns the fields as a map: the shape wx.uploadFile's formData takes.
func (f FormFields) Map() map[string]string {
	m := make(map[string]string, len(f))
	for _, p := range f {
		m[p.Name] = p.Value
	}
	return m
}

// SignPostUpload builds, signs and encodes the policy for u.
func SignPostUpload(creds Credentials, u PostUpload) PostForm {
	window := u.Window.String()
	conds := make([]Condition, 0, 7+len(u.Fields))
	conds = append(conds,
		Condition{Op: OpEq, Field: "q-sign-algorithm", Value: Algorithm},
		Condition{Op: OpEq, Field: "q-ak", Value: creds.SecretID},
		Condition{Op: OpEq, Field: "q-sign-time", Value: window},
		Condition{Op: OpEq, Field: "bucket", Value: u.Bucket},
	)
	if u.Key != "" {
		conds = append(conds, Condition{Op: OpEq, Field: "key", Value: u.Key})
	} else {
		conds = append(conds, Condition{Op: OpStartsWith, Field: "key", Value: u.KeyPrefix})
	}
	if u.MaxSize > 0 {
		conds = append(conds, Condition{Op: OpLengthRange, Min: u.MinSize, Max: u.MaxSize})
	}
	for _, f := range u.Fields {
		conds = append(conds, Condition{Op: OpEq, Field: f.Name, Value: f.Value})
	}
	if creds.SessionToken != "" {
		conds = append(conds, Condition{Op: OpEq, Field: TokenParam, Value: creds.SessionToken})
	}
	policy := PostPolicy{Expiration: u.Expiration, Conditions: conds}.JSON()

	key := u.Key
	if key == "" {
		key = u.KeyPrefix + "${filename}"
	}
	fields := make([]Pair, 0, 7+len(u.Fields))
	fields = append(fields,
		Pair{"key", key},
		Pair{"policy", base64.StdEncoding.EncodeToString(policy)},
		Pair{"q-sign-algorithm", Algorithm},
		Pair{"q-ak", creds.SecretID},
		Pair{"q-key-time", window},
		Pair{"q-signature", PolicySignature(creds.SecretKey, u.Window, policy)},
	)
	if creds.SessionToken != "" {
		fields = append(fields, Pair{TokenParam, creds.SessionToken})
	}
	fields = append(fields, u.Fields...)
	return PostForm{Policy: policy, Fields: fields}
}

// PolicySignature signs the exact policy bytes under keyTime: the message
// is the policy's hex SHA1 where a request signature has its StringToSign.
func PolicySignature(secretKey string, keyTime Window, policy []byte) string {
	return signature(secretKey, keyTime.String(), sha1Hex(policy))
}

// JSON renders the policy compactly, conditions in order, without HTML
// escaping (so a token's '&' stays '&', as the official examples sign it).
func (p PostPolicy) JSON() []byte {
	conds := make([]any, len(p.Conditions))
	for i, c := range p.Conditions {
		switch c.Op {
		case OpLengthRange:
			conds[i] = [3]any{OpLengthRange, c.Min, c.Max}
		case OpStartsWith:
			conds[i] = [3]string{OpStartsWith, "$" + c.Field, c.Value}
		default:
			conds[i] = map[string]string{c.Field: c.Value}
		}
	}
	doc := policyDoc{Expiration: p.Expiration.UTC().Format("2006-01-02T15:04:05.000Z"), Conditions: conds}
	var buf bytes.Buffer
	e := json.NewEncoder(&buf)
	e.SetEscapeHTML(false)
	if err := e.Encode(doc); err != nil {
		panic(err) // strings and integers always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// policyDoc is the policy's wire shape.
type policyDoc struct {
	Expiration string `json:"expiration"`
	Conditions []any  `json:"conditions"`
}
