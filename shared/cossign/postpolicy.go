package cossign

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"cosgate/shared/jsonscan"
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

// FormFields are form fields in order. In JSON they are an object, the
// shape wx.uploadFile's formData takes.
type FormFields []Pair

// Map returns the fields as a map.
func (f FormFields) Map() map[string]string {
	m := make(map[string]string, len(f))
	for _, p := range f {
		m[p.Name] = p.Value
	}
	return m
}

// MarshalJSON writes the fields as one object, in order.
func (f FormFields) MarshalJSON() ([]byte, error) {
	return f.AppendJSON(make([]byte, 0, 64*len(f)+2)), nil
}

// AppendJSON appends the fields as one object, in order.
func (f FormFields) AppendJSON(b []byte) []byte {
	b = append(b, '{')
	for i, p := range f {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonscan.AppendString(jsonscan.AppendKey(b, p.Name), p.Value)
	}
	return append(b, '}')
}

// UnmarshalJSON reads an object of strings (order is not kept).
func (f *FormFields) UnmarshalJSON(b []byte) error {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*f = (*f)[:0]
	for k, v := range m {
		*f = append(*f, Pair{k, v})
	}
	return nil
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
		conds = append(conds, Condition{Op: OpEq, Field: tokenParam, Value: creds.SessionToken})
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
		fields = append(fields, Pair{tokenParam, creds.SessionToken})
	}
	fields = append(fields, u.Fields...)
	return PostForm{Policy: policy, Fields: fields}
}

// PolicySignature signs the exact policy bytes under keyTime.
func PolicySignature(secretKey string, keyTime Window, policy []byte) string {
	var kt [48]byte
	var signKey, sig [40]byte
	hmacHex(&signKey, []byte(secretKey), keyTime.appendTo(kt[:0]))
	sum := sha1.Sum(policy)
	var sts [40]byte
	hex.Encode(sts[:], sum[:])
	hmacHex(&sig, signKey[:], sts[:])
	return string(sig[:])
}

// JSON renders the policy compactly, conditions in order, without HTML
// escaping (so a token's '&' stays '&', as the official examples sign it).
func (p PostPolicy) JSON() []byte {
	b := make([]byte, 0, 256)
	b = append(b, `{"expiration":`...)
	b = jsonscan.AppendString(b, p.Expiration.UTC().Format("2006-01-02T15:04:05.000Z"))
	b = append(b, `,"conditions":[`...)
	for i, c := range p.Conditions {
		if i > 0 {
			b = append(b, ',')
		}
		switch c.Op {
		case OpLengthRange:
			b = append(b, `["content-length-range",`...)
			b = strconv.AppendInt(b, c.Min, 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, c.Max, 10)
			b = append(b, ']')
		case OpStartsWith:
			b = append(b, `["starts-with","$`...)
			b = jsonscan.AppendEscaped(b, c.Field)
			b = append(b, `",`...)
			b = append(jsonscan.AppendString(b, c.Value), ']')
		default:
			b = append(b, '{')
			b = jsonscan.AppendKey(b, c.Field)
			b = append(jsonscan.AppendString(b, c.Value), '}')
		}
	}
	return append(b, "]}"...)
}

// ParsePostPolicy reads a policy document. Conditions may be objects
// ({"field":"value"}, one or more keys) or arrays (["eq"|"starts-with",
// "$field", "value"], ["content-length-range", min, max]).
func ParsePostPolicy(doc []byte) (PostPolicy, error) {
	var raw struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return PostPolicy{}, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	if raw.Expiration == nil {
		return PostPolicy{}, errors.New("policy has no expiration")
	}
	exp, err := time.Parse(time.RFC3339Nano, *raw.Expiration)
	if err != nil {
		return PostPolicy{}, fmt.Errorf("policy expiration %.40q is not an ISO-8601 time", *raw.Expiration)
	}
	if len(raw.Conditions) == 0 {
		return PostPolicy{}, errNoConditions
	}
	p := PostPolicy{Expiration: exp}
	for _, rc := range raw.Conditions {
		cs, err := parseCondition(rc)
		if err != nil {
			return PostPolicy{}, err
		}
		p.Conditions = append(p.Conditions, cs...)
	}
	return p, nil
}

var errNoConditions = errors.New("policy has no conditions")

func parseCondition(rc json.RawMessage) ([]Condition, error) {
	rc = bytes.TrimSpace(rc)
	if len(rc) > 0 && rc[0] == '{' {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rc, &m); err != nil {
			return nil, fmt.Errorf("condition %.60s: %w", rc, err)
		}
		var out []Condition
		for k, v := range m {
			s, err := scalar(v)
			if err != nil {
				return nil, fmt.Errorf("condition %.60s: %w", rc, err)
			}
			out = append(out, Condition{Op: OpEq, Field: k, Value: s})
		}
		return out, nil
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(rc, &arr); err != nil || len(arr) != 3 {
		return nil, fmt.Errorf("condition %.60s: want an object or a 3-element array", rc)
	}
	op, err := scalar(arr[0])
	if err != nil {
		return nil, fmt.Errorf("condition %.60s: %w", rc, err)
	}
	switch op = strings.ToLower(op); op {
	case OpLengthRange:
		lo, err1 := integer(arr[1])
		hi, err2 := integer(arr[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return nil, fmt.Errorf("condition %.60s: want two sizes, min <= max", rc)
		}
		return []Condition{{Op: op, Min: lo, Max: hi}}, nil
	case OpEq, OpStartsWith:
		field, err1 := scalar(arr[1])
		value, err2 := scalar(arr[2])
		if err1 != nil || err2 != nil || !strings.HasPrefix(field, "$") {
			return nil, fmt.Errorf("condition %.60s: want [op, \"$field\", value]", rc)
		}
		return []Condition{{Op: op, Field: field[1:], Value: value}}, nil
	}
	return nil, fmt.Errorf("condition %.60s: unknown operator", rc)
}

// scalar reads a JSON string or number as text.
func scalar(v json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String(), nil
	}
	return "", errors.New("want a string or a number")
}

func integer(v json.RawMessage) (int64, error) {
	s, err := scalar(v)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(s, 10, 64)
}

// PolicyViolation is a form upload that its policy refuses, with the COS
// error code it earns.
type PolicyViolation struct {
	Status  int
	Code    string
	Message string
}

func (v *PolicyViolation) Error() string { return v.Code + ": " + v.Message }

// Check tests a form upload against the policy. field returns a form field
// by name (names match case-insensitively); bucket is the bucket addressed
// and size the file's length. The time and signature are checked by
// VerifyPostForm.
func (p PostPolicy) Check(field func(name string) (string, bool), bucket string, size int64) error {
	for _, c := range p.Conditions {
		switch c.Op {
		case OpLengthRange:
			if size > c.Max {
				return &PolicyViolation{400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."}
			}
			if size < c.Min {
				return &PolicyViolation{400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size."}
			}
			continue
		}
		var got string
		var ok bool
		switch {
		case strings.EqualFold(c.Field, "bucket"):
			got, ok = bucket, true
		case strings.EqualFold(c.Field, "q-sign-time"):
			// The policy names it q-sign-time; the form calls it q-key-time.
			got, ok = field("q-key-time")
		default:
			got, ok = field(c.Field)
		}
		match := ok && (c.Op == OpEq && got == c.Value || c.Op == OpStartsWith && strings.HasPrefix(got, c.Value))
		if !match {
			return &PolicyViolation{403, "AccessDenied", fmt.Sprintf("Condition key %s doesn't match the value %s", c.Field, c.Value)}
		}
	}
	return nil
}

// PostFormVerified is a form whose policy signature checked out.
type PostFormVerified struct {
	SecretID string
	Policy   PostPolicy
}

// VerifyPostForm checks the signature fields of a policy-signed form
// (policy, q-sign-algorithm, q-ak, q-key-time, q-signature) and the policy's
// expiration. Conditions are left to PostPolicy.Check, which needs the file.
func VerifyPostForm(field func(name string) (string, bool), lookup Lookup, now time.Time) (PostFormVerified, error) {
	get := func(name string) string { v, _ := field(name); return v }
	b64 := get("policy")
	doc, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return PostFormVerified{}, &PolicyViolation{400, "InvalidPolicyDocument", "Invalid Policy: Invalid Base64 Encoding."}
	}
	if get("q-sign-algorithm") != Algorithm {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMalformed, Detail: "q-sign-algorithm must be sha1"}
	}
	id, kt, sig := get("q-ak"), get("q-key-time"), get("q-signature")
	if id == "" || sig == "" {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMissing, Detail: "the form carries no q-ak or q-signature"}
	}
	keyTime, err := ParseWindow(kt)
	if err != nil {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMalformed, Detail: "q-key-time: " + err.Error(), SecretID: id}
	}
	secretKey, ok := lookup(id)
	if !ok {
		return PostFormVerified{}, &VerifyError{Reason: ReasonUnknownKey, Detail: "SecretId does not exist", SecretID: id, Window: keyTime}
	}
	policy, err := ParsePostPolicy(doc)
	if errors.Is(err, errNoConditions) {
		return PostFormVerified{}, &PolicyViolation{400, "InvalidPolicyDocument", "You must provide condition if you specify a policy in post object request."}
	}
	if err != nil {
		return PostFormVerified{}, &PolicyViolation{400, "InvalidPolicyDocument", err.Error()}
	}
	want := PolicySignature(secretKey, keyTime, doc)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMismatch, Detail: "the policy signature does not match",
			SecretID: id, Window: keyTime, StringToSign: hexSHA1(doc), FormatString: string(doc)}
	}
	if now.After(policy.Expiration) {
		return PostFormVerified{}, &PolicyViolation{403, "AccessDenied", fmt.Sprintf(
			"You post object request has been expired, expiration time: %d but the time now : %d", policy.Expiration.Unix(), now.Unix())}
	}
	return PostFormVerified{SecretID: id, Policy: policy}, nil
}

func hexSHA1(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
