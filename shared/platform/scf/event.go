// Package scf runs a net/http handler as a Tencent SCF event function behind
// an API Gateway trigger ("integrated request" in, "integrated response"
// out), over scf-go-lib's net/rpc runtime.
//
// scf-go-lib's own event types lose repeated query keys, bare ?flag
// parameters and isBase64Encoded, so this package reads events itself.
package scf

import (
	"net/http"
	"slices"

	"cosgate/shared/jsonscan"
	"cosgate/shared/platform/eventhttp"
)

// Event is the part of an API Gateway trigger event the adapter uses.
type Event struct {
	RequestID  string // requestContext.requestId
	SourceIP   string // requestContext.sourceIp
	RemoteAddr string // SourceIP as host:port
	APIPath    string // requestContext.path: the API's configured path
	APIMethod  string // requestContext.httpMethod: may be ANY
	HTTPMethod string
	// Path is the request's actual path, decoded.
	Path string
	// Header is keyed canonically; the gateway sends any case, and values
	// as strings or arrays.
	Header http.Header
	// RawQuery is queryString re-encoded in document order: a string, an
	// array for a repeated key, or true for a bare "?flag".
	RawQuery        string
	Body            string
	IsBase64Encoded bool
}

// ParseEvent reads an API Gateway event. Decoded strings share one buffer,
// so an event costs a handful of allocations.
func ParseEvent(payload []byte) (Event, error) {
	var r jsonscan.Reader
	r.Reset(payload)
	var ev Event
	var query []byte
	vals := make([]string, 0, 16) // backing store for every header's values
	err := r.Object(func(k string) (err error) {
		switch k {
		case "requestContext":
			if r.Null() {
				return nil
			}
			return r.Object(func(k string) (err error) {
				switch k {
				case "requestId":
					ev.RequestID, err = r.Scalar()
				case "sourceIp":
					ev.SourceIP, err = r.OptString()
				case "path":
					ev.APIPath, err = r.OptString()
				case "httpMethod":
					ev.APIMethod, err = r.OptString()
				default:
					err = r.Skip()
				}
				return err
			})
		case "headers":
			ev.Header, err = eventhttp.ReadHeaders(&r, &vals)
		case "queryString":
			if r.Null() {
				return nil
			}
			return r.Object(func(name string) error {
				if r.Peek() == jsonscan.Bool {
					if b, err := r.Bool(); err != nil || b {
						query = eventhttp.AppendQueryParam(query, name, "", true)
						return err
					}
					query = eventhttp.AppendQueryParam(query, name, "false", false)
					return nil
				}
				return r.Strings(func(v string) { query = eventhttp.AppendQueryParam(query, name, v, false) })
			})
		case "path":
			ev.Path, err = r.OptString()
		case "httpMethod":
			ev.HTTPMethod, err = r.OptString()
		case "body":
			ev.Body, err = r.OptString()
		case "isBase64Encoded":
			if !r.Null() {
				ev.IsBase64Encoded, err = r.Bool()
			}
		default:
			err = r.Skip()
		}
		return err
	})
	if err == nil {
		err = r.End()
	}
	ev.RawQuery = r.Save(query)
	ev.RemoteAddr = eventhttp.SaveRemoteAddr(&r, ev.SourceIP)
	return ev, err
}

// Request translates the event into the request the handler sees.
func (ev *Event) Request() (eventhttp.Request, error) {
	body, err := eventhttp.DecodeBody(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return eventhttp.Request{}, err
	}
	method := ev.HTTPMethod
	if method == "" || method == "ANY" {
		method = ev.APIMethod
	}
	path := ev.Path
	if path == "" {
		path = ev.APIPath
	}
	if len(path) == 0 || path[0] != '/' {
		path = "/" + path
	}
	path, raw := eventhttp.NormalizePath(path)
	h := ev.Header
	if h == nil {
		h = http.Header{}
	}
	return eventhttp.Request{
		Method: upper(method), Host: h.Get("Host"), Path: path, RawPath: raw, RawQuery: ev.RawQuery,
		Header: h, Body: body, RemoteAddr: ev.RemoteAddr, RequestID: ev.RequestID,
	}, nil
}

// upper returns an ASCII method in upper case, without allocating when it
// already is.
func upper(m string) string {
	for i := 0; i < len(m); i++ {
		if 'a' <= m[i] && m[i] <= 'z' {
			b := []byte(m)
			for j := range b {
				if 'a' <= b[j] && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return m
}

// AppendReply writes the integrated response: statusCode, headers (a
// string, or an array for a repeated header such as Set-Cookie), body
// (base64 for binary) and isBase64Encoded.
func AppendReply(dst []byte, rec *eventhttp.Recorder) []byte {
	h := rec.Header()
	var keyStore [16]string
	keys := keyStore[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys) // a stable reply
	dst = append(dst, `{"statusCode":`...)
	dst = jsonscan.AppendInt(dst, rec.Status)
	dst = append(dst, `,"headers":{`...)
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonscan.AppendKey(dst, k)
		if vs := h[k]; len(vs) == 1 {
			dst = jsonscan.AppendString(dst, vs[0])
		} else {
			dst = append(dst, '[')
			for j, v := range vs {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = jsonscan.AppendString(dst, v)
			}
			dst = append(dst, ']')
		}
	}
	dst = append(dst, `},"body":`...)
	dst, b64 := rec.AppendBody(dst)
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = jsonscan.AppendBool(dst, b64)
	return append(dst, '}')
}
