// Package awslambda runs a net/http handler on AWS Lambda (provided.al2023,
// aws-lambda-go built with -tags lambda.norpc) behind API Gateway REST APIs
// (payload 1.0), HTTP APIs (payload 2.0) and function URLs.
package awslambda

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"cosgate/shared/jsonscan"
	"cosgate/shared/platform/eventhttp"
)

// Kind of event, which decides the reply's shape.
type Kind int

const (
	RESTv1      Kind = iota + 1 // API Gateway REST API, or any payload 1.0
	HTTPv2                      // API Gateway HTTP API, payload 2.0
	FunctionURL                 // Lambda function URL (payload 2.0 too)
)

// Event holds what the adapter reads from payload 1.0 and 2.0 events, so
// one pass serves every kind.
type Event struct {
	Version    string
	Method     string // httpMethod (1.0) or requestContext.http.method (2.0)
	Path       string // path (1.0, decoded)
	RawPath    string // rawPath (2.0, escaped)
	RawQuery   string // rawQueryString (2.0), or the 1.0 parameters encoded
	Header     http.Header
	SourceIP   string
	RemoteAddr string // SourceIP as host:port
	DomainName string
	RequestID  string
	Body       string
	IsBase64   bool
}

// Kind tells the event's origin.
func (e *Event) Kind() Kind {
	switch {
	case e.Version == "2.0" && strings.Contains(e.DomainName, ".lambda-url."):
		return FunctionURL
	case e.Version == "2.0":
		return HTTPv2
	}
	return RESTv1
}

// ParseEvent reads an HTTP event of either payload version.
func ParseEvent(payload []byte) (Event, error) {
	var r jsonscan.Reader
	r.Reset(payload)
	var ev Event
	var single, multi http.Header // 1.0 sends both; multiValueHeaders wins
	var query, singleQuery []byte
	var cookies []string
	vals := make([]string, 0, 16)
	params := func(into *[]byte) error {
		if r.Null() {
			return nil
		}
		return r.Object(func(name string) error {
			return r.Strings(func(v string) { *into = eventhttp.AppendQueryParam(*into, name, v, false) })
		})
	}
	err := r.Object(func(k string) (err error) {
		switch k {
		case "version":
			ev.Version, err = r.OptString()
		case "httpMethod":
			ev.Method, err = r.OptString()
		case "path":
			ev.Path, err = r.OptString()
		case "rawPath":
			ev.RawPath, err = r.OptString()
		case "rawQueryString":
			ev.RawQuery, err = r.OptString()
		case "headers":
			single, err = eventhttp.ReadHeaders(&r, &vals)
		case "multiValueHeaders":
			multi, err = eventhttp.ReadHeaders(&r, &vals)
		case "queryStringParameters":
			err = params(&singleQuery)
		case "multiValueQueryStringParameters":
			err = params(&query)
		case "cookies":
			if !r.Null() {
				err = r.Strings(func(c string) { cookies = append(cookies, c) })
			}
		case "body":
			ev.Body, err = r.OptString()
		case "isBase64Encoded":
			if !r.Null() {
				ev.IsBase64, err = r.Bool()
			}
		case "requestContext":
			if r.Null() {
				return nil
			}
			err = r.Object(func(k string) (err error) {
				switch k {
				case "requestId":
					ev.RequestID, err = r.Scalar()
				case "domainName":
					ev.DomainName, err = r.OptString()
				case "identity", "http":
					if r.Null() {
						return nil
					}
					err = r.Object(func(k string) (err error) {
						switch k {
						case "sourceIp":
							ev.SourceIP, err = r.OptString()
						case "method":
							ev.Method, err = r.OptString()
						default:
							err = r.Skip()
						}
						return err
					})
				default:
					err = r.Skip()
				}
				return err
			})
		default:
			err = r.Skip()
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	ev.Header = single
	if len(multi) > 0 {
		ev.Header = multi
	}
	if ev.Header == nil {
		ev.Header = http.Header{}
	}
	if len(cookies) > 0 {
		ev.Header["Cookie"] = []string{strings.Join(cookies, "; ")}
	}
	if ev.Version != "2.0" {
		if len(query) == 0 {
			query = singleQuery
		}
		ev.RawQuery = r.Save(query)
	}
	ev.RemoteAddr = eventhttp.SaveRemoteAddr(&r, ev.SourceIP)
	return ev, err
}

// Request translates the event into the request the handler sees.
func (e *Event) Request() (eventhttp.Request, error) {
	body, err := eventhttp.DecodeBody(e.Body, e.IsBase64)
	if err != nil {
		return eventhttp.Request{}, err
	}
	x := eventhttp.Request{Method: e.Method, Path: e.Path, RawQuery: e.RawQuery, Header: e.Header, Body: body,
		RemoteAddr: e.RemoteAddr, RequestID: e.RequestID}
	if e.Version == "2.0" {
		x.Path = e.RawPath
	}
	if x.Path == "" {
		x.Path = "/"
	}
	// REST APIs and function URLs keep the path encoded; HTTP APIs decode it.
	x.Path, x.RawPath = eventhttp.NormalizePath(x.Path)
	if x.Host = x.Header.Get("Host"); x.Host == "" {
		x.Host = e.DomainName
	}
	return x, nil
}

// Adapter is an aws-lambda-go handler serving HTTP events with an
// http.Handler.
type Adapter struct {
	Handler http.Handler
}

// Invoke implements lambda.Handler.
func (a Adapter) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	requestID := ""
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		requestID = lc.AwsRequestID
	}
	ev, err := ParseEvent(payload)
	if err != nil || ev.Method == "" {
		return appendReplyV2(nil, eventhttp.BadEvent(ctx, requestID, "the event is not an HTTP request from API Gateway or a function URL")), nil
	}
	if requestID != "" {
		ev.RequestID = requestID
	}
	var rec *eventhttp.Recorder
	if x, err := ev.Request(); err != nil {
		rec = eventhttp.BadEvent(ctx, ev.RequestID, err.Error())
	} else {
		rec = eventhttp.Serve(a.Handler, x.HTTP(ctx))
	}
	dst := make([]byte, 0, 256+rec.Body.Len()*2)
	if ev.Kind() == RESTv1 {
		return appendReplyV1(dst, rec), nil
	}
	return appendReplyV2(dst, rec), nil
}

func sortedKeys(h http.Header, store *[16]string) []string {
	keys := store[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendReplyV1 uses multiValueHeaders, which REST APIs honour for repeated
// headers.
func appendReplyV1(dst []byte, rec *eventhttp.Recorder) []byte {
	h := rec.Header()
	var store [16]string
	dst = append(dst, `{"statusCode":`...)
	dst = jsonscan.AppendInt(dst, rec.Status)
	dst = append(dst, `,"multiValueHeaders":{`...)
	for i, k := range sortedKeys(h, &store) {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsonscan.AppendKey(dst, k), '[')
		for j, v := range h[k] {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = jsonscan.AppendString(dst, v)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `},"body":`...)
	dst, b64 := rec.AppendBody(dst)
	return append(jsonscan.AppendBool(append(dst, `,"isBase64Encoded":`...), b64), '}')
}

// appendReplyV2 serves HTTP APIs and function URLs, whose replies share a
// shape: repeated headers comma-joined, Set-Cookie as cookies.
func appendReplyV2(dst []byte, rec *eventhttp.Recorder) []byte {
	h := rec.Header()
	var store [16]string
	dst = append(dst, `{"statusCode":`...)
	dst = jsonscan.AppendInt(dst, rec.Status)
	dst = append(dst, `,"headers":{`...)
	n := 0
	for _, k := range sortedKeys(h, &store) {
		if k == "Set-Cookie" {
			continue
		}
		if n++; n > 1 {
			dst = append(dst, ',')
		}
		dst = append(jsonscan.AppendKey(dst, k), '"')
		for j, v := range h[k] {
			if j > 0 {
				dst = append(dst, ", "...)
			}
			dst = jsonscan.AppendEscaped(dst, v)
		}
		dst = append(dst, '"')
	}
	dst = append(dst, '}')
	if cs := h["Set-Cookie"]; len(cs) > 0 {
		dst = append(dst, `,"cookies":[`...)
		for i, c := range cs {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = jsonscan.AppendString(dst, c)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"body":`...)
	dst, b64 := rec.AppendBody(dst)
	return append(jsonscan.AppendBool(append(dst, `,"isBase64Encoded":`...), b64), '}')
}

// Start serves h through the Lambda Runtime API; it never returns.
func Start(h http.Handler) {
	lambda.Start(Adapter{Handler: h}) // an Invoke method is used as is, without reflection
}
