package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/shared/apierr"
)

type errResp struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RequestID string `json:"requestId"`
}

func serve(t *testing.T, h http.Handler, o Options, r *http.Request) (*httptest.ResponseRecorder, string) {
	t.Helper()
	var logs bytes.Buffer
	o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	if o.Methods == nil {
		o.Methods = []string{"GET", "POST"}
	}
	w := httptest.NewRecorder()
	Middleware(h, o).ServeHTTP(w, r)
	return w, logs.String()
}

func decodeErr(t *testing.T, w *httptest.ResponseRecorder) errResp {
	t.Helper()
	var e errResp
	if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" || e.RequestID == "" {
		t.Fatalf("not the error shape: %q (%v)", w.Body.String(), err)
	}
	if e.RequestID != w.Header().Get("X-Request-Id") {
		t.Errorf("requestId %q != X-Request-Id %q", e.RequestID, w.Header().Get("X-Request-Id"))
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	return e
}

var ok = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, map[string]string{"ok": "yes"}) })

func TestErrorShapeAndCodes(t *testing.T) {
	for code, status := range statusOf {
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, apierr.New(code, "because")) })
		w, _ := serve(t, h, Options{}, httptest.NewRequest("GET", "/", nil))
		if w.Code != status || decodeErr(t, w).Error.Code != code {
			t.Errorf("%s: status %d body %s", code, w.Code, w.Body)
		}
	}
}

func TestRequestIDFromPlatform(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(WithRequestID(r.Context(), "scf-req-1"))
	w, logs := serve(t, ok, Options{Function: "sts", Platform: "test"}, r)
	if w.Header().Get("X-Request-Id") != "scf-req-1" || !strings.Contains(logs, `"request_id":"scf-req-1"`) {
		t.Errorf("id %q logs %s", w.Header().Get("X-Request-Id"), logs)
	}
	w2, _ := serve(t, ok, Options{}, httptest.NewRequest("GET", "/", nil))
	if len(w2.Header().Get("X-Request-Id")) != 32 {
		t.Errorf("minted id %q", w2.Header().Get("X-Request-Id"))
	}
}

func TestAccessLogLine(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		SetSubject(r.Context(), "u42")
		w.WriteHeader(http.StatusFound)
	})
	_, logs := serve(t, h, Options{Function: "download", Platform: "http"}, httptest.NewRequest("GET", "/download?key=a&x-cos-security-token=TOK", nil))
	var line map[string]any
	if err := json.Unmarshal([]byte(strings.TrimSpace(logs)), &line); err != nil {
		t.Fatalf("%v: %s", err, logs)
	}
	for k, want := range map[string]any{"msg": "access", "function": "download", "platform": "http", "status": float64(302), "subject": "u42", "path": "/download", "method": "GET"} {
		if line[k] != want {
			t.Errorf("%s = %v, want %v", k, line[k], want)
		}
	}
	if _, ok := line["latency_ms"]; !ok || strings.Contains(logs, "TOK") {
		t.Errorf("log line: %s", logs)
	}
}

func TestPanicBecomes500(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	w, logs := serve(t, h, Options{}, httptest.NewRequest("GET", "/", nil))
	if w.Code != 500 || decodeErr(t, w).Error.Code != apierr.Internal || strings.Contains(w.Body.String(), "boom") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, `"status":500`) {
		t.Errorf("logs: %s", logs)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	w, _ := serve(t, ok, Options{Methods: []string{"POST"}}, httptest.NewRequest("DELETE", "/", nil))
	if w.Code != 405 || decodeErr(t, w).Error.Code != apierr.MethodNotAllowed || w.Header().Get("Allow") != "POST, OPTIONS" {
		t.Errorf("%d %v %s", w.Code, w.Header(), w.Body)
	}
	w, _ = serve(t, ok, Options{Methods: []string{"GET"}}, httptest.NewRequest("HEAD", "/", nil))
	if w.Code != 200 {
		t.Errorf("HEAD on a GET route: %d", w.Code)
	}
}

func TestBodyLimit(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		if _, err := DecodeJSON(r, &v); err != nil {
			WriteError(w, r, err)
			return
		}
		WriteJSON(w, 200, v)
	})
	big := `{"a":"` + strings.Repeat("x", 200) + `"}`
	// Declared length over the cap.
	w, _ := serve(t, h, Options{MaxBodyBytes: 100}, httptest.NewRequest("POST", "/", strings.NewReader(big)))
	if w.Code != 413 || decodeErr(t, w).Error.Code != apierr.TooLarge {
		t.Errorf("declared: %d %s", w.Code, w.Body)
	}
	// Unknown length (chunked), caught while reading.
	r := httptest.NewRequest("POST", "/", strings.NewReader(big))
	r.ContentLength = -1
	w, _ = serve(t, h, Options{MaxBodyBytes: 100}, r)
	if w.Code != 413 || decodeErr(t, w).Error.Code != apierr.TooLarge {
		t.Errorf("streamed: %d %s", w.Code, w.Body)
	}
}

func TestCORS(t *testing.T) {
	o := Options{AllowOrigins: []string{"https://app.example.com"}, Methods: []string{"POST"}}
	pre := func(origin, method string) *http.Request {
		r := httptest.NewRequest("OPTIONS", "/", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", method)
		r.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		return r
	}
	w, _ := serve(t, ok, o, pre("https://app.example.com", "POST"))
	h := w.Header()
	if w.Code != 204 || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") ||
		h.Get("Access-Control-Allow-Methods") != "POST, OPTIONS" || h.Get("Vary") != "Origin" || h.Get("Access-Control-Max-Age") == "" {
		t.Errorf("allowed preflight: %d %v", w.Code, h)
	}
	w, _ = serve(t, ok, o, pre("https://evil.example.com", "POST"))
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" || decodeErr(t, w).Error.Code != apierr.Forbidden {
		t.Errorf("foreign preflight: %d %v", w.Code, w.Header())
	}
	w, _ = serve(t, ok, o, pre("https://app.example.com", "DELETE"))
	if w.Code != 405 {
		t.Errorf("preflight for a method not served: %d", w.Code)
	}
	// Actual requests: allowed origin gets the headers, others do not (the browser then blocks).
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set("Origin", "https://app.example.com")
	w, _ = serve(t, ok, o, r)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "https://app.example.com" || w.Header().Get("Access-Control-Expose-Headers") != "X-Request-Id" {
		t.Errorf("allowed request: %v", w.Header())
	}
	r.Header.Set("Origin", "https://evil.example.com")
	w, _ = serve(t, ok, o, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign request got CORS headers: %v", w.Header())
	}
	// Wildcard.
	w, _ = serve(t, ok, Options{AllowOrigins: []string{"*"}, Methods: []string{"POST"}}, pre("https://any.example", "POST"))
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("wildcard: %d %v", w.Code, w.Header())
	}
	// No CORS configured: mini programs send no Origin and are unaffected.
	w, _ = serve(t, ok, Options{Methods: []string{"POST"}}, httptest.NewRequest("POST", "/", nil))
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no origin: %d %v", w.Code, w.Header())
	}
}

func TestDecodeJSON(t *testing.T) {
	type req struct {
		Ext   string `json:"ext"`
		Size  int64  `json:"size"`
		Small int32  `json:"small"`
		Scope []struct {
			Action string `json:"action"`
		} `json:"scope"`
	}
	cases := []struct {
		body, ctype string
		present     bool
		code        string
	}{
		{`{"ext":"jpg","size":3}`, "application/json", true, ""},
		{`{"ext":"jpg"}`, "application/json; charset=utf-8", true, ""},
		{``, "", false, ""},
		{"  \n", "application/json", false, ""},
		{`{"ext":"jpg","bogus":1}`, "application/json", true, apierr.InvalidRequest},
		{`{"size":"12"}`, "application/json", true, apierr.InvalidRequest},
		{`{"size":1.5}`, "application/json", true, apierr.InvalidRequest},
		{`{"ext":"jpg"}{"ext":"png"}`, "application/json", true, apierr.InvalidRequest},
		{`{"ext":`, "application/json", true, apierr.InvalidRequest},
		{`[1,2]`, "application/json", true, apierr.InvalidRequest},
		{`nonsense`, "application/json", true, apierr.InvalidRequest},
		{"{\"ext\":\"\xff\"}", "application/json", true, apierr.InvalidRequest},
		{`{"ext":"jpg"}`, "text/plain", false, apierr.UnsupportedMediaType},
		{`ext=jpg`, "application/x-www-form-urlencoded", false, apierr.UnsupportedMediaType},
		{`{"ext":"jpg"}`, "application/problem+json", true, ""},
		// Exactly one value: only white space may follow it.
		{"{\"ext\":\"jpg\"} \n\t", "application/json", true, ""},
		{`{}}`, "application/json", true, apierr.InvalidRequest},
		{`{}]`, "application/json", true, apierr.InvalidRequest},
		{`{"scope":[]}]]`, "application/json", true, apierr.InvalidRequest},
		{`{"scope":[]} x`, "application/json", true, apierr.InvalidRequest},
		{`{} {}`, "application/json", true, apierr.InvalidRequest},
		// A repeated key is refused at any depth, in any letter case
		// (issue 22: encoding/json would keep the last value silently).
		{`{"ext":"a","ext":"b"}`, "application/json", true, apierr.InvalidRequest},
		{`{"scope":[{"action":"a","action":"b"}]}`, "application/json", true, apierr.InvalidRequest},
		{`{"ext":"a","EXT":"c"}`, "application/json", true, apierr.InvalidRequest},
		{`{"ext":"a","\u0065xt":"d"}`, "application/json", true, apierr.InvalidRequest},
		{`{"scope":[{"action":"a"},{"action":"b"}]}`, "application/json", true, ""}, // one key in each of two objects
		// Numbers that overflow their field, or are not whole.
		{`{"size":9223372036854775807}`, "application/json", true, ""},
		{`{"size":9223372036854775808}`, "application/json", true, apierr.InvalidRequest},
		{`{"size":1e400}`, "application/json", true, apierr.InvalidRequest},
		{`{"small":2147483648}`, "application/json", true, apierr.InvalidRequest},
		{`{"size":-1}`, "application/json", true, ""},
		{`{"size":1e3}`, "application/json", true, apierr.InvalidRequest},
		{`{"size":null}`, "application/json", true, ""},
		{`{"scope":{}}`, "application/json", true, apierr.InvalidRequest},
		{`{"Ext":"jpg"}`, "application/json", true, ""}, // encoding/json matches names case-insensitively
		{`null`, "application/json", true, ""},
		{`"text"`, "application/json", true, apierr.InvalidRequest},
		{"\xef\xbb\xbf{}", "application/json", true, apierr.InvalidRequest}, // a BOM is not JSON
	}
	for _, c := range cases {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		if c.ctype != "" {
			r.Header.Set("Content-Type", c.ctype)
		}
		var v req
		present, err := DecodeJSON(r, &v)
		got := ""
		if err != nil {
			got = Classify(err).Code
		}
		if got != c.code || (c.code == "" && present != c.present) {
			t.Errorf("%q (%s): present=%v err=%v, want %q", c.body, c.ctype, present, err, c.code)
		}
		if err != nil && StatusOf(Classify(err).Code) >= 500 {
			t.Errorf("%q: a 5xx for bad input", c.body)
		}
	}
}

func TestClassifyHidesInternals(t *testing.T) {
	e := Classify(bytes.ErrTooLarge)
	if e.Code != apierr.Internal || e.Message != "internal error" || StatusOf(e.Code) != 500 {
		t.Errorf("%+v", e)
	}
}

// TestWriteJSONKeepsURLsReadable: '&', '<' and '>' are written as they are
// (valid JSON either way, but curl users read these URLs).
func TestWriteJSONKeepsURLsReadable(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSON(rec, 200, map[string]string{"url": "http://h/k?a=1&b=<2>"})
	if got := rec.Body.String(); got != "{\"url\":\"http://h/k?a=1&b=<2>\"}\n" {
		t.Fatalf("got %q", got)
	}
}
