// Package scf runs a net/http handler as a Tencent SCF event function, over
// scf-go-lib's net/rpc runtime, for the two HTTP event shapes SCF sends:
//
//   - a function URL's event, which SCF documents as the API Gateway event
//     without headerParameters, isBase64Encoded, pathParameters,
//     queryStringParameters and requestContext ("函数 URL 概述",
//     cloud.tencent.com/document/product/583/96099), answered with
//     statusCode, headers and body;
//   - the API Gateway trigger's "integrated request", answered with an
//     "integrated response", for deployments made before Tencent retired
//     API Gateway (2025-06-30).
//
// One Event type reads both: the fields a function URL leaves out are
// optional here.
//
// scf-go-lib's own event types lose repeated query keys, bare ?flag
// parameters and isBase64Encoded, so this package declares the event itself.
package scf

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"cosgate/shared/platform/eventhttp"
)

// Event is the part of a function-URL or API Gateway event the adapter reads.
type Event struct {
	RequestContext struct {
		RequestID string `json:"requestId"`
		SourceIP  string `json:"sourceIp"`
		// Path and HTTPMethod are the API's configured path and method
		// (which may be ANY).
		Path       string `json:"path"`
		HTTPMethod string `json:"httpMethod"`
	} `json:"requestContext"`
	HTTPMethod string `json:"httpMethod"`
	// Path is the request's actual path.
	Path string `json:"path"`
	// Headers arrive in any case, each value a string or an array of
	// strings (decoded as string or []any, then checked).
	Headers map[string]any `json:"headers"`
	// QueryString maps each key to a string, an array for a repeated key,
	// or true for a bare "?flag"; kept raw so the order survives.
	QueryString     json.RawMessage `json:"queryString"`
	Body            string          `json:"body"`
	IsBase64Encoded bool            `json:"isBase64Encoded"`
}

// Values is a reply header's values, written as a string when there is one
// and as an array otherwise.
type Values []string

// MarshalJSON writes one value as a string, several as an array.
func (v Values) MarshalJSON() ([]byte, error) {
	if len(v) == 1 {
		return json.Marshal(v[0])
	}
	return json.Marshal([]string(v))
}

// ParseEvent reads a function-URL or API Gateway event. An event with a key
// twice in one object is refused (eventhttp.ErrRepeatedKey).
func ParseEvent(payload []byte) (Event, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return ev, err
	}
	return ev, eventhttp.CheckKeys(payload)
}

// Request translates the event into the request the handler sees.
func (ev *Event) Request() (eventhttp.Request, error) {
	body, err := eventhttp.DecodeBody(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return eventhttp.Request{}, err
	}
	query, err := rawQuery(ev.QueryString)
	if err != nil {
		return eventhttp.Request{}, err
	}
	method := ev.HTTPMethod
	if method == "" || method == "ANY" {
		method = ev.RequestContext.HTTPMethod
	}
	p := ev.Path
	if p == "" {
		p = ev.RequestContext.Path
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	x := eventhttp.Request{
		Method:     strings.ToUpper(method),
		RawQuery:   query,
		Header:     make(http.Header, len(ev.Headers)),
		Body:       body,
		RemoteAddr: eventhttp.RemoteAddr(ev.RequestContext.SourceIP),
		RequestID:  ev.RequestContext.RequestID,
	}
	for k, v := range ev.Headers {
		switch v := v.(type) {
		case string:
			x.Header.Add(k, v)
		case []any:
			for _, e := range v {
				s, ok := e.(string)
				if !ok {
					return eventhttp.Request{}, errHeaders
				}
				x.Header.Add(k, s)
			}
		case nil:
		default:
			return eventhttp.Request{}, errHeaders
		}
	}
	x.Host = x.Header.Get("Host")
	x.Path, x.RawPath = eventhttp.NormalizePath(p)
	return x, nil
}

// errHeaders is a headers object whose values are not strings or arrays of
// strings.
var errHeaders = errors.New("the event's headers are not strings or arrays of strings")

// errQuery is a queryString that is not an object of strings, arrays of
// strings, numbers or booleans.
var errQuery = errors.New("the event's queryString is not an object of strings")

// rawQuery encodes queryString in document order.
func rawQuery(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return "", errQuery
	}
	var b strings.Builder
	add := func(name, value string, bare bool) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(name))
		if !bare {
			b.WriteByte('=')
			b.WriteString(url.QueryEscape(value))
		}
	}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return "", errQuery
		}
		name := k.(string) // an object's keys are strings
		t, err := d.Token()
		if err != nil {
			return "", errQuery
		}
		switch v := t.(type) {
		case string:
			add(name, v, false)
		case json.Number:
			add(name, v.String(), false)
		case bool:
			// true is a bare "?flag"; false is sent by no gateway, and is read
			// as the text it says.
			add(name, "false", v)
		case json.Delim:
			if v != '[' {
				return "", errQuery
			}
			for d.More() {
				var s string
				if err := d.Decode(&s); err != nil {
					return "", errQuery
				}
				add(name, s, false)
			}
			if _, err := d.Token(); err != nil {
				return "", errQuery
			}
		default: // null
		}
	}
	return b.String(), nil
}

// Reply is the integrated response: statusCode, headers (a string, or an
// array for a repeated header such as Set-Cookie), body (base64 for
// binary) and isBase64Encoded.
type Reply struct {
	IsBase64Encoded bool              `json:"isBase64Encoded"`
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]Values `json:"headers"`
	Body            string            `json:"body"`
}

// NewReply records rec as the integrated response.
func NewReply(rec *eventhttp.Recorder) Reply {
	body, b64 := rec.BodyString()
	r := Reply{
		IsBase64Encoded: b64,
		StatusCode:      rec.Status,
		Headers:         make(map[string]Values, len(rec.Header())),
		Body:            body,
	}
	for k, vs := range rec.Header() {
		r.Headers[k] = Values(vs)
	}
	return r
}
