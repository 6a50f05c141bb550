package httpapi

import (
	"bytes"
	"net"
	"net/http"
	"strconv"

	"cosgate/shared/apierr"
)

// Listener wraps ln so that the errors net/http answers itself, before any
// handler runs (a malformed request line or path, oversized headers, an
// unsupported transfer encoding), keep the contract: the JSON error shape
// and an X-Request-Id, instead of net/http's text/plain.
func Listener(ln net.Listener) net.Listener { return errorListener{ln} }

type errorListener struct{ net.Listener }

func (l errorListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return errorConn{c}, nil
}

type errorConn struct{ net.Conn }

// serverErrorHead is how net/http starts its own error responses
// (net/http/server.go, conn.serve: "HTTP/1.1 <status>" then errorHeaders);
// a handler's answer always carries X-Request-Id, which these never do.
var serverErrorHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")

func (c errorConn) Write(b []byte) (int, error) {
	head, _, ok := bytes.Cut(b, serverErrorHeaders)
	if !ok || !bytes.HasPrefix(head, []byte("HTTP/1.1 ")) || len(head) < 12 {
		return c.Conn.Write(b)
	}
	status, err := strconv.Atoi(string(head[9:12]))
	if err != nil || status < 400 {
		return c.Conn.Write(b)
	}
	code := apierr.InvalidRequest
	if status == http.StatusRequestHeaderFieldsTooLarge {
		code = apierr.TooLarge
	}
	var body errorBody
	body.Error.Code = code
	body.Error.Message = "the request is not valid HTTP: " + http.StatusText(status)
	body.RequestID = newRequestID()
	payload := marshal(body)
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	out.WriteString("Content-Type: application/json; charset=utf-8\r\n")
	out.WriteString("X-Request-Id: " + body.RequestID + "\r\n")
	out.WriteString("Content-Length: " + strconv.Itoa(len(payload)) + "\r\nConnection: close\r\n\r\n")
	out.Write(payload)
	if _, err := c.Conn.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return len(b), nil
}
