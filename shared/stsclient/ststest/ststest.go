// Package ststest is a scripted fake of Tencent Cloud STS on 127.0.0.1 for
// tests: it verifies every request's TC3 signature with shared/tc3, records
// the calls, and answers as STS does, or as the test scripts it.
package ststest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"cosgate/shared/tc3"
)

// Call is one request the fake received.
type Call struct {
	Action   string
	Region   string
	Token    string // X-TC-Token
	SecretID string
	Body     map[string]any
	Policy   string // decoded policy JSON
}

// Reply scripts an answer. Zero values give STS's success answer.
type Reply struct {
	Status    int           // HTTP status (default 200)
	ErrorCode string        // answer {"Response":{"Error":{Code,…}}}
	Raw       string        // answer these bytes verbatim
	Delay     time.Duration // wait (or until the client gives up) first
}

// Server is the fake.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	calls []Call
	// Keys are the SecretId -> SecretKey pairs it knows.
	Keys map[string]string
	// Script chooses the answer to call n (1-based); nil means success.
	Script func(n int, c Call) Reply
	// Now is the server clock (time.Now when nil).
	Now func() time.Time
}

// New starts a fake that knows one key.
func New(t testing.TB, secretID, secretKey string) *Server {
	s := &Server{Keys: map[string]string{secretID: secretKey}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Calls returns what the fake received so far.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// SetScript replaces Script while requests may be in flight (a call
// retried after the client gave up can still be arriving).
func (s *Server) SetScript(f func(n int, c Call) Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Script = f
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rid := fmt.Sprintf("fake-%d", time.Now().UnixNano())
	lookup := func(id string) (string, bool) { k, ok := s.Keys[id]; return k, ok }
	v, err := tc3.Verify(
		tc3.Incoming{Method: r.Method, RawQuery: r.URL.RawQuery, Header: r.Header, Host: r.Host, Body: body},
		lookup,
		"sts",
		s.now(),
	)
	if err != nil {
		answerError(w, 200, err.(*tc3.Error).Code, err.Error(), rid)
		return
	}
	c := Call{
		Action:   r.Header.Get("X-TC-Action"),
		Region:   r.Header.Get("X-TC-Region"),
		Token:    r.Header.Get("X-TC-Token"),
		SecretID: v.SecretID,
	}
	json.Unmarshal(body, &c.Body)
	if p, ok := c.Body["Policy"].(string); ok {
		c.Policy, _ = url.QueryUnescape(p)
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	n := len(s.calls)
	script := s.Script
	s.mu.Unlock()

	var rep Reply
	if script != nil {
		rep = script(n, c)
	}
	if rep.Delay > 0 {
		select {
		case <-time.After(rep.Delay):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case rep.Raw != "":
		w.WriteHeader(max(rep.Status, 200))
		io.WriteString(w, rep.Raw)
	case rep.ErrorCode != "":
		answerError(w, max(rep.Status, 200), rep.ErrorCode, "scripted "+rep.ErrorCode, rid)
	case rep.Status >= 300:
		w.WriteHeader(rep.Status)
		io.WriteString(w, "<html>gateway error</html>")
	default:
		dur, _ := c.Body["DurationSeconds"].(float64)
		exp := s.now().Add(time.Duration(dur) * time.Second).UTC()
		json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
			"Credentials": map[string]string{
				"TmpSecretId":  "AKIDtmp" + strings.ToUpper(rid[5:]),
				"TmpSecretKey": "tmpkey-" + rid,
				"Token":        "token-" + rid,
			},
			"ExpiredTime": exp.Unix(),
			"Expiration":  exp.Format(time.RFC3339),
			"RequestId":   rid,
		}})
	}
}

func answerError(w http.ResponseWriter, status int, code, msg, rid string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"Response": map[string]any{
		"Error":     map[string]string{"Code": code, "Message": msg},
		"RequestId": rid,
	}})
}
