// Package cosverify checks COS request signatures and POST Object forms the
// way COS does: the server side of shared/cossign. It is kept apart so that
// no function binary links a verifier by accident (a test checks); the
// emulators and the tests import it.
package cosverify

import (
	"cosgate/shared/cossign"
	"crypto/subtle"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// MaxSkew is how far ahead of the server clock a signature may start (and how
// far a Date header may be off) before COS answers RequestTimeTooSkewed.
const MaxSkew = 15 * time.Minute

// Incoming is a received request as the verifier sees it.
type Incoming struct {
	Method string
	Path   string // decoded path
	Query  url.Values
	Header http.Header
	Host   string // host[:port] the request was sent to
	// Authorization, when set, replaces the Authorization header and the
	// query forms: the mini-program SDK's POST Object sends it as a
	// "Signature" form field.
	Authorization string
}

// IncomingFromHTTP reads r for verification. Go moves Host out of r.Header,
// so it is taken from r.Host. The query is read with ParseQuery, not
// r.URL.Query(), which drops the JS SDKs' raw "q-sign-time=a;b".
func IncomingFromHTTP(r *http.Request) (Incoming, error) {
	q, err := ParseQuery(r.URL.RawQuery)
	if err != nil {
		return Incoming{}, err
	}
	return Incoming{Method: r.Method, Path: r.URL.Path, Query: q, Header: r.Header, Host: r.Host}, nil
}

// ParseQuery splits a raw query on '&' only: ';' is data in COS URLs (the JS
// SDKs write q-key-time=a;b unescaped), whereas url.ParseQuery rejects such
// pairs. Escapes are decoded as in url.ParseQuery, '+' meaning space; a bare
// name ("?acl") has value "".
func ParseQuery(raw string) (url.Values, error) {
	q := url.Values{}
	for part := range strings.SplitSeq(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			return nil, &VerifyError{
				Reason: ReasonMalformed,
				Detail: fmt.Sprintf("query parameter %.40q is not valid percent-encoding", part),
			}
		}
		q[key] = append(q[key], val)
	}
	return q, nil
}

// Lookup returns the SecretKey for a SecretId.
type Lookup func(secretID string) (secretKey string, ok bool)

// Reason says why verification failed.
type Reason string

const (
	ReasonMissing    Reason = "missing"     // no signature at all
	ReasonMalformed  Reason = "malformed"   // a signature that cannot be read
	ReasonUnknownKey Reason = "unknown-key" // q-ak is not a known SecretId
	ReasonExpired    Reason = "expired"     // the window ended before now
	ReasonSkewed     Reason = "skewed"      // the window starts, or Date is, more than MaxSkew away
	ReasonMismatch   Reason = "mismatch"    // the signature does not match the request
)

// Source says where the signature was found.
type Source string

const (
	SourceHeader   Source = "header"   // Authorization header
	SourceQuery    Source = "query"    // q-* query parameters
	SourceMerged   Source = "sign"     // one sign= query parameter
	SourceExplicit Source = "explicit" // Incoming.Authorization (POST form)
)

// VerifyError explains a failed verification. On a mismatch it carries the
// server-side StringToSign and FormatString, as COS puts them in its error
// body, so a client can see which part it signed differently.
type VerifyError struct {
	Reason       Reason
	Detail       string
	SecretID     string
	Window       cossign.Window // the signature's q-sign-time, when parsed
	StringToSign string
	FormatString string
	// HeaderList and ParamList are the lists the signature says it covers,
	// on a mismatch.
	HeaderList, ParamList string
}

// Error names the reason and detail only: FormatString may hold header
// values such as a session token, so it never goes into an error string.
func (e *VerifyError) Error() string {
	return "cossign: " + string(e.Reason) + ": " + e.Detail
}

// Verified is the outcome of a successful verification.
type Verified struct {
	Auth   cossign.Authorization
	Source Source
}

// Verify re-derives the signature of in and compares it with the one it
// carries. Checks run in the order COS reports them: readable signature,
// known key, time window, then the signature itself.
func Verify(in Incoming, lookup Lookup, now time.Time) (Verified, error) {
	raw, src, err := findAuthorization(in)
	if err != nil {
		return Verified{}, err
	}
	a, err := ParseAuthorization(raw)
	if err != nil {
		return Verified{}, &VerifyError{Reason: ReasonMalformed, Detail: err.Error()}
	}
	secretKey, ok := lookup(a.SecretID)
	if !ok {
		return Verified{}, &VerifyError{
			Reason:   ReasonUnknownKey,
			Detail:   "SecretId does not exist",
			SecretID: a.SecretID,
			Window:   a.SignTime,
		}
	}
	if err := checkTime(a, in.Header, now); err != nil {
		return Verified{}, err
	}
	req, err := rebuildRequest(in, a)
	if err != nil {
		return Verified{}, err
	}
	// The signature covers the key time only; signing the rebuilt request
	// under it gives the signature a faithful client made.
	// The strings a mismatch reports are the ones this signature was
	// computed over.
	want := cossign.Sign(a.SecretID, secretKey, req, a.KeyTime)
	if subtle.ConstantTimeCompare([]byte(want.Signature), []byte(a.Signature)) != 1 {
		return Verified{}, &VerifyError{
			Reason:       ReasonMismatch,
			Detail:       "the signature does not match the request",
			SecretID:     a.SecretID,
			Window:       a.SignTime,
			StringToSign: want.StringToSign,
			FormatString: want.FormatString,
			HeaderList:   a.HeaderList,
			ParamList:    a.ParamList,
		}
	}
	return Verified{Auth: a, Source: src}, nil
}

// Rebuild reads the signature in carries and rebuilds the request it
// covers, as Verify does, without checking the key, the time or the
// signature: the local explainer shows what a signature covers with it.
func Rebuild(in Incoming) (cossign.Authorization, cossign.Request, error) {
	raw, _, err := findAuthorization(in)
	if err != nil {
		return cossign.Authorization{}, cossign.Request{}, err
	}
	a, err := ParseAuthorization(raw)
	if err != nil {
		return cossign.Authorization{}, cossign.Request{}, &VerifyError{Reason: ReasonMalformed, Detail: err.Error()}
	}
	req, err := rebuildRequest(in, a)
	return a, req, err
}

func findAuthorization(in Incoming) (string, Source, error) {
	if in.Authorization != "" {
		return in.Authorization, SourceExplicit, nil
	}
	if h := in.Header.Get("Authorization"); h != "" {
		return h, SourceHeader, nil
	}
	if s := in.Query["sign"]; len(s) > 0 {
		if len(s) > 1 {
			return "", "", &VerifyError{Reason: ReasonMalformed, Detail: "sign= appears more than once"}
		}
		return s[0], SourceMerged, nil
	}
	if _, ok := in.Query["q-signature"]; ok {
		var b strings.Builder
		for i, name := range authFields {
			v := in.Query[name]
			if len(v) != 1 {
				return "", "", &VerifyError{
					Reason: ReasonMalformed,
					Detail: "query parameter " + name + " must appear exactly once",
				}
			}
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(v[0])
		}
		return b.String(), SourceQuery, nil
	}
	return "", "", &VerifyError{Reason: ReasonMissing, Detail: "the request carries no signature"}
}

// authFields are the Authorization fields in their documented order.
var authFields = [...]string{
	"q-sign-algorithm",
	"q-ak",
	"q-sign-time",
	"q-key-time",
	"q-header-list",
	"q-url-param-list",
	"q-signature",
}

// ParseAuthorization reads the seven q-* fields of an Authorization value.
// Each must appear exactly once; the algorithm must be sha1.
func ParseAuthorization(s string) (cossign.Authorization, error) {
	var vals [len(authFields)]string
	var seen [len(authFields)]bool
	for part := range strings.SplitSeq(s, "&") {
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return cossign.Authorization{}, fmt.Errorf("field %.40q has no '='", part)
		}
		i := fieldIndex(name)
		if i < 0 {
			return cossign.Authorization{}, fmt.Errorf("unknown field %.40q", name)
		}
		if seen[i] {
			return cossign.Authorization{}, fmt.Errorf("field %s appears twice", name)
		}
		seen[i], vals[i] = true, value
	}
	for i, ok := range seen {
		if !ok {
			return cossign.Authorization{}, fmt.Errorf("field %s is missing", authFields[i])
		}
	}
	if vals[0] != cossign.Algorithm {
		return cossign.Authorization{}, fmt.Errorf("q-sign-algorithm %.20q is not supported; only sha1", vals[0])
	}
	if vals[1] == "" {
		return cossign.Authorization{}, fmt.Errorf("q-ak is empty")
	}
	signTime, err := cossign.ParseWindow(vals[2])
	if err != nil {
		return cossign.Authorization{}, fmt.Errorf("q-sign-time: %w", err)
	}
	keyTime, err := cossign.ParseWindow(vals[3])
	if err != nil {
		return cossign.Authorization{}, fmt.Errorf("q-key-time: %w", err)
	}
	return cossign.Authorization{
		SecretID:   vals[1],
		SignTime:   signTime,
		KeyTime:    keyTime,
		HeaderList: vals[4],
		ParamList:  vals[5],
		Signature:  vals[6],
	}, nil
}

func fieldIndex(name string) int {
	for i, f := range authFields {
		if f == name {
			return i
		}
	}
	return -1
}

func checkTime(a cossign.Authorization, h http.Header, now time.Time) error {
	n := now.Unix()
	start, end := max(a.SignTime.Start, a.KeyTime.Start), min(a.SignTime.End, a.KeyTime.End)
	skew := int64(MaxSkew / time.Second)
	if start > n+skew {
		return &VerifyError{
			Reason:   ReasonSkewed,
			SecretID: a.SecretID,
			Window:   a.SignTime,
			Detail:   fmt.Sprintf("the signature starts at %d, more than %v after the server time %d", start, MaxSkew, n),
		}
	}
	if d := h.Get("Date"); d != "" {
		if t, err := http.ParseTime(d); err == nil && (t.Unix() > n+skew || t.Unix() < n-skew) {
			return &VerifyError{
				Reason:   ReasonSkewed,
				SecretID: a.SecretID,
				Window:   a.SignTime,
				Detail:   fmt.Sprintf("the Date header is more than %v away from the server time %d", MaxSkew, n),
			}
		}
	}
	if end < n {
		return &VerifyError{
			Reason:   ReasonExpired,
			SecretID: a.SecretID,
			Window:   a.SignTime,
			Detail:   fmt.Sprintf("the signature window ended at %d; the server time is %d", end, n),
		}
	}
	return nil
}

// rebuildRequest rebuilds what the signature covers from the request:
// exactly the parameters and headers named in the signature's lists. A
// listed name that the request lacks is a mismatch: the signer covered a
// value that did not arrive.
func rebuildRequest(in Incoming, a cossign.Authorization) (cossign.Request, error) {
	params, err := collect(a.ParamList, "parameter", func(yield func(name string, values []string)) {
		for name, vs := range in.Query {
			yield(name, vs)
		}
	})
	if err != nil {
		return cossign.Request{}, mismatch(a, err.Error())
	}
	headers, err := collect(a.HeaderList, "header", func(yield func(name string, values []string)) {
		if in.Host != "" {
			yield("host", []string{in.Host})
		}
		for name, vs := range in.Header {
			if !strings.EqualFold(name, "host") {
				yield(name, vs)
			}
		}
	})
	if err != nil {
		return cossign.Request{}, mismatch(a, err.Error())
	}
	return cossign.Request{Method: in.Method, Path: in.Path, Params: params, Headers: headers}, nil
}

func mismatch(a cossign.Authorization, detail string) error {
	return &VerifyError{Reason: ReasonMismatch, Detail: detail, SecretID: a.SecretID, Window: a.SignTime}
}

// collect returns every request value whose canonical name is in list
// (";"-joined canonical names), one pair per value.
func collect(list, kind string, each func(func(string, []string))) ([]cossign.Pair, error) {
	if list == "" {
		return nil, nil
	}
	want := map[string]bool{}
	for name := range strings.SplitSeq(list, ";") {
		want[name] = false
	}
	var out []cossign.Pair
	each(func(name string, values []string) {
		key := cossign.CanonicalName(name)
		if _, ok := want[key]; !ok {
			return
		}
		want[key] = true
		for _, v := range values {
			out = append(out, cossign.Pair{Name: name, Value: v})
		}
	})
	for name, found := range want {
		if !found {
			return nil, fmt.Errorf("signed %s %.60q is not in the request", kind, name)
		}
	}
	return out, nil
}
