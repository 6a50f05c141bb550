// Package eventhttp runs a net/http handler for one platform event: it
// builds the *http.Request and records the response, so each platform
// adapter only maps its own JSON shapes.
package eventhttp

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"cosgate/shared/apierr"
	"cosgate/shared/httpapi"
)

// Request is an event's HTTP request, already decoded from the platform's
// shape.
type Request struct {
	Method   string
	Host     string
	Path     string // decoded path
	RawPath  string // the escaped path as received, when the platform gives one
	RawQuery string
	Header   http.Header
	Body     string
	// RemoteAddr is the client address the gateway saw.
	RemoteAddr string
	// RequestID is the platform's id for this invocation.
	RequestID string
}

// HTTP returns the *http.Request for ctx.
func (x Request) HTTP(ctx context.Context) *http.Request {
	u := &url.URL{Path: x.Path, RawQuery: x.RawQuery}
	if x.RawPath != "" && x.RawPath != x.Path {
		u.RawPath = x.RawPath
	}
	var body io.ReadCloser = http.NoBody
	if len(x.Body) > 0 {
		body = &stringBody{Reader: strings.NewReader(x.Body)}
	}
	if x.RequestID != "" {
		ctx = httpapi.WithRequestID(ctx, x.RequestID)
	}
	r := &http.Request{
		Method:        x.Method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        x.Header,
		Body:          body,
		ContentLength: int64(len(x.Body)),
		Host:          x.Host,
		RemoteAddr:    x.RemoteAddr,
	}
	return r.WithContext(ctx)
}

// stringBody is a request body read from an event's string.
type stringBody struct{ *strings.Reader }

func (stringBody) Close() error { return nil }

// ErrBadBase64 is an event body marked base64 that is not.
var ErrBadBase64 = errors.New("the event body is marked base64 but is not valid base64")

// DecodeBody returns an event body: as it is, or decoded from base64.
func DecodeBody(body string, isBase64 bool) (string, error) {
	if !isBase64 {
		return body, nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return "", ErrBadBase64
	}
	return string(b), nil
}

// ErrRepeatedKey is an event with a key twice in one object.
var ErrRepeatedKey = errors.New("the event repeats a key")

// queryMaps are the event objects whose keys are query parameters or
// variables, where "a" and "A" are different names; elsewhere (the top
// level, requestContext, header maps) keys compare ignoring case.
var queryMaps = []string{"queryString", "queryStringParameters", "multiValueQueryStringParameters",
	"pathParameters", "stageVariables"}

// CheckKeys refuses an event in which a key appears twice in one object.
// encoding/json keeps the last value, so a repeated "X-WX-OPENID" in a
// headers object, or a repeated sourceIp, would pass as one value, and the
// handler's check for a header sent twice would never see the first. Header
// names compare ignoring case, as HTTP does: two spellings of one header are
// one header sent twice.
func CheckKeys(payload []byte) error {
	if key, dup := httpapi.RepeatedKey(payload, queryMaps...); dup {
		return fmt.Errorf("%w: %.60q", ErrRepeatedKey, key)
	}
	return nil
}

// RemoteAddr turns a gateway's client IP into a RemoteAddr ("ip:0").
func RemoteAddr(ip string) string {
	if ip == "" {
		return ""
	}
	return net.JoinHostPort(ip, "0")
}

// Recorder captures a handler's response.
type Recorder struct {
	Status int
	header http.Header
	Body   bytes.Buffer
	head   bool // a HEAD request: the body is dropped, as net/http does
}

// Header implements http.ResponseWriter.
func (r *Recorder) Header() http.Header {
	if r.header == nil {
		r.header = http.Header{}
	}
	return r.header
}

// WriteHeader implements http.ResponseWriter; only the first call counts.
func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 {
		r.Status = code
	}
}

// Write implements http.ResponseWriter.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	if r.head {
		return len(b), nil
	}
	return r.Body.Write(b)
}

// BodyString is the body the way an event reply carries it: text as is,
// anything else (or invalid UTF-8) base64-encoded.
func (r *Recorder) BodyString() (body string, isBase64 bool) {
	b := r.Body.Bytes()
	if len(b) == 0 {
		return "", false
	}
	if isText(r.Header().Get("Content-Type")) && utf8.Valid(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

// isText reports whether a body of this type travels as text. It reads the
// media type without mime.ParseMediaType, which allocates for parameters.
func isText(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	return hasPrefixFold(mt, "text/") ||
		strings.EqualFold(mt, "application/json") || strings.EqualFold(mt, "application/xml") ||
		strings.EqualFold(mt, "application/javascript") || hasSuffixFold(mt, "+json") ||
		hasSuffixFold(mt, "+xml")
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }
func hasSuffixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[len(s)-len(p):], p)
}

// Serve runs h for r and returns what it answered. When the platform's
// deadline has already passed, h is not run: the answer is 504.
func Serve(h http.Handler, r *http.Request) *Recorder {
	rec := &Recorder{header: make(http.Header, 4), head: r.Method == http.MethodHead}
	if r.Context().Err() != nil {
		httpapi.Unserved(rec, r, apierr.New(apierr.DeadlineExceeded, "the invocation's deadline passed before it started"))
		return rec
	}
	h.ServeHTTP(rec, r)
	if rec.Status == 0 {
		rec.Status = http.StatusOK
	}
	return rec
}

// BadEvent answers an event the adapter could not read, as a 400 in the
// uniform error shape, so the gateway still gets a well-formed reply.
func BadEvent(ctx context.Context, requestID string, why string) *Recorder {
	if requestID == "" {
		requestID = "unknown"
	}
	r := (&Request{Method: http.MethodPost, Path: "/", Header: http.Header{}, RequestID: requestID}).HTTP(ctx)
	rec := &Recorder{header: make(http.Header, 4)}
	httpapi.Unserved(rec, r, apierr.New(apierr.InvalidRequest, "%s", why))
	return rec
}
