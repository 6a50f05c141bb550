// Package tc3 signs and verifies Tencent Cloud API 3.0 requests with
// TC3-HMAC-SHA256. cosgate uses it to call STS; the local STS emulator uses
// the verifier. Functions are pure: the time and secrets are arguments.
package tc3

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Algorithm names the signature method in the Authorization header.
const Algorithm = "TC3-HMAC-SHA256"

// MaxSkew is how far X-TC-Timestamp may be from the server clock.
const MaxSkew = 5 * time.Minute

// Request is what a TC3 signature covers. TC3 requests go to "/"; a POST
// carries a JSON body and an empty query.
type Request struct {
	Method string // "POST"
	Query  string // canonical query string; "" for POST
	// Headers to sign. content-type and host are required by the API;
	// names are matched case-insensitively.
	Headers   http.Header
	Payload   []byte
	Service   string // "sts"
	Timestamp int64  // X-TC-Timestamp
}

// Sign returns the Authorization header value for r.
func Sign(secretID, secretKey string, r Request) string {
	names, canonical := canonicalRequest(r)
	date := time.Unix(r.Timestamp, 0).UTC().Format("2006-01-02")
	scope := date + "/" + r.Service + "/tc3_request"
	sig := signature(secretKey, date, r.Service, stringToSign(r.Timestamp, scope, canonical))
	return Algorithm + " Credential=" + secretID + "/" + scope + ", SignedHeaders=" + names + ", Signature=" + sig
}

// canonicalRequest returns the signed header list and the canonical request:
// method, "/", query, "name:value\n" lines (names lower-cased, values trimmed
// and lower-cased, sorted), the header list, and hex(SHA-256(payload)).
func canonicalRequest(r Request) (names string, canonical string) {
	type kv struct{ k, v string }
	var hs []kv
	for name, vs := range r.Headers {
		hs = append(hs, kv{strings.ToLower(name), strings.ToLower(strings.TrimSpace(strings.Join(vs, ",")))})
	}
	slices.SortFunc(hs, func(a, b kv) int { return strings.Compare(a.k, b.k) })
	var lines, list strings.Builder
	for i, h := range hs {
		lines.WriteString(h.k + ":" + h.v + "\n")
		if i > 0 {
			list.WriteByte(';')
		}
		list.WriteString(h.k)
	}
	sum := sha256.Sum256(r.Payload)
	return list.String(), strings.Join([]string{
		strings.ToUpper(r.Method), "/", r.Query, lines.String(), list.String(), hex.EncodeToString(sum[:]),
	}, "\n")
}

func stringToSign(ts int64, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + strconv.FormatInt(ts, 10) + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// signature derives the signing key (TC3+secret → date → service →
// "tc3_request", binary outputs) and signs s.
func signature(secretKey, date, service, s string) string {
	k := mac([]byte("TC3"+secretKey), date)
	k = mac(k, service)
	k = mac(k, "tc3_request")
	return hex.EncodeToString(mac(k, s))
}

func mac(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// Error is a refused request, with the Tencent Cloud API error code.
type Error struct {
	Code    string // e.g. "AuthFailure.SignatureFailure"
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Error codes the verifier returns.
const (
	CodeInvalidAuthorization = "AuthFailure.InvalidAuthorization"
	CodeSecretIDNotFound     = "AuthFailure.SecretIdNotFound"
	CodeSignatureExpire      = "AuthFailure.SignatureExpire"
	CodeSignatureFailure     = "AuthFailure.SignatureFailure"
)

// Lookup returns the SecretKey of a SecretId.
type Lookup func(secretID string) (secretKey string, ok bool)

// Incoming is a received request.
type Incoming struct {
	Method   string
	RawQuery string
	Header   http.Header
	Host     string // Go keeps Host out of Header
	Body     []byte // the raw bytes, exactly as received
}

// Verified names the key that signed a request.
type Verified struct {
	SecretID string
	Service  string
}

// Verify checks in the way the API gateway does: readable Authorization,
// known SecretId, expected service, timestamp within MaxSkew of now and in
// the scope's date, content-type and host signed, then the signature.
func Verify(in Incoming, lookup Lookup, service string, now time.Time) (Verified, error) {
	a, err := parseAuthorization(in.Header.Get("Authorization"))
	if err != nil {
		return Verified{}, &Error{CodeInvalidAuthorization, err.Error()}
	}
	secretKey, ok := lookup(a.secretID)
	if !ok {
		return Verified{}, &Error{
			CodeSecretIDNotFound,
			"The SecretId is not found, please ensure that your SecretId is correct.",
		}
	}
	if a.service != service {
		return Verified{}, &Error{
			CodeSignatureFailure,
			fmt.Sprintf("the credential scope names service %q, not %q", a.service, service),
		}
	}
	ts, err := strconv.ParseInt(in.Header.Get("X-TC-Timestamp"), 10, 64)
	if err != nil {
		return Verified{}, &Error{CodeInvalidAuthorization, "X-TC-Timestamp is missing or not a Unix time"}
	}
	if d := now.Unix() - ts; d > int64(MaxSkew/time.Second) || -d > int64(MaxSkew/time.Second) {
		return Verified{}, &Error{CodeSignatureExpire, fmt.Sprintf("Signature expired. Timestamp date: %s, server date: %s",
			time.Unix(ts, 0).UTC().Format(time.DateTime), now.UTC().Format(time.DateTime))}
	}
	if a.date != time.Unix(ts, 0).UTC().Format("2006-01-02") {
		return Verified{}, &Error{CodeSignatureFailure, "the credential date is not the UTC date of X-TC-Timestamp"}
	}
	signed := map[string][]string{} // keyed by lower-case name, as in SignedHeaders
	for name := range strings.SplitSeq(a.signedHeaders, ";") {
		name = strings.ToLower(name)
		v := in.Header.Values(name)
		if name == "host" {
			v = []string{in.Host}
		}
		if len(v) == 0 || v[0] == "" {
			return Verified{}, &Error{CodeSignatureFailure, fmt.Sprintf("signed header %q is not in the request", name)}
		}
		signed[name] = v
	}
	if signed["content-type"] == nil || signed["host"] == nil {
		return Verified{}, &Error{CodeSignatureFailure, "SignedHeaders must include content-type and host"}
	}
	_, canonical := canonicalRequest(
		Request{
			Method:    in.Method,
			Query:     in.RawQuery,
			Headers:   http.Header(signed),
			Payload:   in.Body,
			Service:   service,
			Timestamp: ts,
		},
	)
	want := signature(secretKey, a.date, a.service, stringToSign(ts, a.date+"/"+a.service+"/tc3_request", canonical))
	if subtle.ConstantTimeCompare([]byte(want), []byte(a.signature)) != 1 {
		return Verified{}, &Error{
			CodeSignatureFailure,
			"The provided credentials could not be validated. Please check your signature is correct.",
		}
	}
	return Verified{SecretID: a.secretID, Service: a.service}, nil
}

type authorization struct {
	secretID, date, service, signedHeaders, signature string
}

// parseAuthorization reads "TC3-HMAC-SHA256 Credential=<id>/<date>/<service>/tc3_request,
// SignedHeaders=<a;b>, Signature=<hex>".
func parseAuthorization(s string) (authorization, error) {
	alg, rest, ok := strings.Cut(s, " ")
	if !ok || alg != Algorithm {
		return authorization{}, fmt.Errorf(
			"want an Authorization of the form %s Credential=…, SignedHeaders=…, Signature=…",
			Algorithm,
		)
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return authorization{}, fmt.Errorf("authorization part %.30q has no '='", part)
		}
		fields[k] = v
	}
	cred := strings.Split(fields["Credential"], "/")
	if len(cred) != 4 || cred[0] == "" || cred[3] != "tc3_request" {
		return authorization{}, fmt.Errorf("the Credential must be <SecretId>/<date>/<service>/tc3_request")
	}
	if fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return authorization{}, fmt.Errorf("the SignedHeaders and Signature fields are required")
	}
	return authorization{
		secretID:      cred[0],
		date:          cred[1],
		service:       cred[2],
		signedHeaders: fields["SignedHeaders"],
		signature:     fields["Signature"],
	}, nil
}
