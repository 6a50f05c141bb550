package cosverify

import (
	"bytes"
	"cosgate/shared/cossign"
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
)

// ParsePostPolicy reads a policy document. Conditions may be objects
// ({"field":"value"}, one or more keys) or arrays (["eq"|"starts-with",
// "$field", "value"], ["content-length-range", min, max]).
func ParsePostPolicy(doc []byte) (cossign.PostPolicy, error) {
	var raw struct {
		Expiration *string           `json:"expiration"`
		Conditions []json.RawMessage `json:"conditions"`
	}
	d := json.NewDecoder(bytes.NewReader(doc))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil {
		return cossign.PostPolicy{}, fmt.Errorf("policy is not valid JSON: %w", err)
	}
	if raw.Expiration == nil {
		return cossign.PostPolicy{}, errors.New("policy has no expiration")
	}
	exp, err := time.Parse(time.RFC3339Nano, *raw.Expiration)
	if err != nil {
		return cossign.PostPolicy{}, fmt.Errorf("policy expiration %.40q is not an ISO-8601 time", *raw.Expiration)
	}
	if len(raw.Conditions) == 0 {
		return cossign.PostPolicy{}, errNoConditions
	}
	p := cossign.PostPolicy{Expiration: exp}
	for _, rc := range raw.Conditions {
		cs, err := parseCondition(rc)
		if err != nil {
			return cossign.PostPolicy{}, err
		}
		p.Conditions = append(p.Conditions, cs...)
	}
	return p, nil
}

var errNoConditions = errors.New("policy has no conditions")

func parseCondition(rc json.RawMessage) ([]cossign.Condition, error) {
	rc = bytes.TrimSpace(rc)
	if len(rc) > 0 && rc[0] == '{' {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rc, &m); err != nil {
			return nil, fmt.Errorf("condition %.60s: %w", rc, err)
		}
		var out []cossign.Condition
		for k, v := range m {
			s, err := scalar(v)
			if err != nil {
				return nil, fmt.Errorf("condition %.60s: %w", rc, err)
			}
			out = append(out, cossign.Condition{Op: cossign.OpEq, Field: k, Value: s})
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
	case cossign.OpLengthRange:
		lo, err1 := integer(arr[1])
		hi, err2 := integer(arr[2])
		if err1 != nil || err2 != nil || lo < 0 || hi < lo {
			return nil, fmt.Errorf("condition %.60s: want two sizes, min <= max", rc)
		}
		return []cossign.Condition{{Op: op, Min: lo, Max: hi}}, nil
	case cossign.OpEq, cossign.OpStartsWith:
		field, err1 := scalar(arr[1])
		value, err2 := scalar(arr[2])
		if err1 != nil || err2 != nil || !strings.HasPrefix(field, "$") {
			return nil, fmt.Errorf("condition %.60s: want [op, \"$field\", value]", rc)
		}
		return []cossign.Condition{{Op: op, Field: field[1:], Value: value}}, nil
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

// CheckPolicy tests a form upload against the policy p. field returns a form field
// by name (names match case-insensitively); bucket is the bucket addressed
// and size the file's length. The time and signature are checked by
// VerifyPostForm.
func CheckPolicy(p cossign.PostPolicy, field func(name string) (string, bool), bucket string, size int64) error {
	for _, c := range p.Conditions {
		switch c.Op {
		case cossign.OpLengthRange:
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
		match := ok &&
			(c.Op == cossign.OpEq && got == c.Value || c.Op == cossign.OpStartsWith && strings.HasPrefix(got, c.Value))
		if !match {
			return &PolicyViolation{
				403,
				"AccessDenied",
				fmt.Sprintf("Condition key %s doesn't match the value %s", c.Field, c.Value),
			}
		}
	}
	return nil
}

// PostFormVerified is a form whose policy signature checked out.
type PostFormVerified struct {
	SecretID string
	Policy   cossign.PostPolicy
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
	if get("q-sign-algorithm") != cossign.Algorithm {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMalformed, Detail: "q-sign-algorithm must be sha1"}
	}
	id, kt, sig := get("q-ak"), get("q-key-time"), get("q-signature")
	if id == "" || sig == "" {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMissing, Detail: "the form carries no q-ak or q-signature"}
	}
	keyTime, err := cossign.ParseWindow(kt)
	if err != nil {
		return PostFormVerified{}, &VerifyError{Reason: ReasonMalformed, Detail: "q-key-time: " + err.Error(), SecretID: id}
	}
	secretKey, ok := lookup(id)
	if !ok {
		return PostFormVerified{}, &VerifyError{
			Reason:   ReasonUnknownKey,
			Detail:   "SecretId does not exist",
			SecretID: id,
			Window:   keyTime,
		}
	}
	policy, err := ParsePostPolicy(doc)
	if errors.Is(err, errNoConditions) {
		return PostFormVerified{}, &PolicyViolation{
			400,
			"InvalidPolicyDocument",
			"You must provide condition if you specify a policy in post object request.",
		}
	}
	if err != nil {
		return PostFormVerified{}, &PolicyViolation{400, "InvalidPolicyDocument", err.Error()}
	}
	want := cossign.PolicySignature(secretKey, keyTime, doc)
	if subtle.ConstantTimeCompare([]byte(want), []byte(sig)) != 1 {
		return PostFormVerified{}, &VerifyError{
			Reason:       ReasonMismatch,
			Detail:       "the policy signature does not match",
			SecretID:     id,
			Window:       keyTime,
			StringToSign: hexSHA1(doc),
			FormatString: string(doc),
		}
	}
	if now.After(policy.Expiration) {
		return PostFormVerified{}, &PolicyViolation{403, "AccessDenied", fmt.Sprintf(
			"You post object request has been expired, expiration time: %d but the time now : %d",
			policy.Expiration.Unix(),
			now.Unix(),
		)}
	}
	return PostFormVerified{SecretID: id, Policy: policy}, nil
}

func hexSHA1(b []byte) string {
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:])
}
