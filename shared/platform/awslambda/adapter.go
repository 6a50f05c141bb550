// Package awslambda runs a net/http handler on AWS Lambda (provided.al2023,
// aws-lambda-go built with -tags lambda.norpc) behind API Gateway REST APIs
// (payload 1.0), HTTP APIs (payload 2.0) and function URLs. Events and
// replies are aws-lambda-go's own events types.
package awslambda

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"

	"cosgate/shared/platform/eventhttp"
)

// Kind of event, which decides the reply's shape.
type Kind int

const (
	RESTv1      Kind = iota + 1 // API Gateway REST API, or any payload 1.0
	HTTPv2                      // API Gateway HTTP API, payload 2.0
	FunctionURL                 // Lambda function URL (payload 2.0 too)
)

// ParseEvent reads an HTTP event of any kind into the request the handler
// sees. Payload 2.0 (HTTP APIs and function URLs) is tried first, as the
// common case, so it is read once; its version field says whether it was
// right. A function URL's domain is <id>.lambda-url.<region>.on.aws; its
// events have payload 2.0's shape (events.LambdaFunctionURLRequest is a
// subset of events.APIGatewayV2HTTPRequest), so the first read serves it.
// An event with a key twice in one object is refused
// (eventhttp.ErrRepeatedKey): a headers map would keep one value of two.
func ParseEvent(payload []byte) (Kind, eventhttp.Request, error) {
	if err := eventhttp.CheckKeys(payload); err != nil {
		return kindOf(payload), eventhttp.Request{}, err
	}
	var v2 events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &v2); err == nil && v2.Version == "2.0" {
		kind := HTTPv2
		if strings.Contains(v2.RequestContext.DomainName, ".lambda-url.") {
			kind = FunctionURL
		}
		x, err := fromV2(v2)
		return kind, x, err
	}
	var v1 events.APIGatewayProxyRequest
	if err := json.Unmarshal(payload, &v1); err != nil {
		return RESTv1, eventhttp.Request{}, err
	}
	x, err := fromV1(v1)
	return RESTv1, x, err
}

// kindOf is the kind of an event that will not be served, so that its
// refusal still has the reply shape the gateway expects.
func kindOf(payload []byte) Kind {
	var probe struct {
		Version        string `json:"version"`
		RequestContext struct {
			DomainName string `json:"domainName"`
		} `json:"requestContext"`
	}
	if json.Unmarshal(payload, &probe) != nil || probe.Version != "2.0" {
		return RESTv1
	}
	if strings.Contains(probe.RequestContext.DomainName, ".lambda-url.") {
		return FunctionURL
	}
	return HTTPv2
}

func fromV1(ev events.APIGatewayProxyRequest) (eventhttp.Request, error) {
	// Payload 1.0 sends both forms; the multi-value ones are complete.
	header := http.Header{}
	for k, v := range ev.Headers {
		header.Set(k, v)
	}
	if len(ev.MultiValueHeaders) > 0 {
		header = http.Header{}
		for k, vs := range ev.MultiValueHeaders {
			for _, v := range vs {
				header.Add(k, v)
			}
		}
	}
	query := url.Values{}
	for k, v := range ev.QueryStringParameters {
		query.Set(k, v)
	}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		query = ev.MultiValueQueryStringParameters
	}
	// REST APIs keep the path as sent.
	return complete(eventhttp.Request{
		Method:     ev.HTTPMethod,
		RawQuery:   query.Encode(),
		Header:     header,
		RemoteAddr: eventhttp.RemoteAddr(ev.RequestContext.Identity.SourceIP),
		RequestID:  ev.RequestContext.RequestID,
	}, ev.RequestContext.DomainName, ev.Path, ev.Body, ev.IsBase64Encoded)
}

func fromV2(ev events.APIGatewayV2HTTPRequest) (eventhttp.Request, error) {
	header := make(http.Header, len(ev.Headers)+1)
	for k, v := range ev.Headers {
		header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	// Function URLs keep the path encoded; HTTP APIs decode it.
	return complete(eventhttp.Request{
		Method:     ev.RequestContext.HTTP.Method,
		RawQuery:   ev.RawQueryString,
		Header:     header,
		RemoteAddr: eventhttp.RemoteAddr(ev.RequestContext.HTTP.SourceIP),
		RequestID:  ev.RequestContext.RequestID,
	}, ev.RequestContext.DomainName, ev.RawPath, ev.Body, ev.IsBase64Encoded)
}

// complete derives what both payload versions derive alike: the host (the
// Host header, else the API's domain), the path in both its forms (either
// may arrive; see eventhttp.NormalizePath) and the body.
func complete(x eventhttp.Request, domain, path, body string, isBase64 bool) (eventhttp.Request, error) {
	if x.Host = x.Header.Get("Host"); x.Host == "" {
		x.Host = domain
	}
	if path == "" {
		path = "/"
	}
	x.Path, x.RawPath = eventhttp.NormalizePath(path)
	var err error
	x.Body, err = eventhttp.DecodeBody(body, isBase64)
	return x, err
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
	kind, x, err := ParseEvent(payload)
	if requestID != "" {
		x.RequestID = requestID
	}
	var rec *eventhttp.Recorder
	switch {
	case errors.Is(err, eventhttp.ErrBadBase64), errors.Is(err, eventhttp.ErrRepeatedKey):
		rec = eventhttp.BadEvent(ctx, x.RequestID, err.Error())
	case err != nil || x.Method == "":
		rec = eventhttp.BadEvent(ctx, x.RequestID, "the event is not an HTTP request from API Gateway or a function URL")
	default:
		rec = eventhttp.Serve(a.Handler, x.HTTP(ctx))
	}
	return json.Marshal(Reply(kind, rec))
}

// Reply is the response event for kind: payload 1.0 uses multiValueHeaders,
// which REST APIs honour for repeated headers; payload 2.0 joins repeated
// headers with commas and carries Set-Cookie as cookies.
func Reply(kind Kind, rec *eventhttp.Recorder) any {
	body, b64 := rec.BodyString()
	h := rec.Header()
	if kind == RESTv1 {
		return events.APIGatewayProxyResponse{
			StatusCode:        rec.Status,
			MultiValueHeaders: h,
			Body:              body,
			IsBase64Encoded:   b64,
		}
	}
	headers := make(map[string]string, len(h))
	for k, vs := range h {
		if k != "Set-Cookie" {
			headers[k] = strings.Join(vs, ", ")
		}
	}
	if kind == FunctionURL {
		return events.LambdaFunctionURLResponse{
			StatusCode:      rec.Status,
			Headers:         headers,
			Cookies:         h["Set-Cookie"],
			Body:            body,
			IsBase64Encoded: b64,
		}
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode:      rec.Status,
		Headers:         headers,
		Cookies:         h["Set-Cookie"],
		Body:            body,
		IsBase64Encoded: b64,
	}
}

// Start serves h through the Lambda Runtime API; it never returns.
func Start(h http.Handler) {
	lambda.Start(Adapter{Handler: h}) // an Invoke method is used as is, without reflection
}
