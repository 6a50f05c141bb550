package httpapi

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/shared/jsonscan"
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
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { WriteError(w, r, Errorf(code, "because")) })
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
	if w.Code != 500 || decodeErr(t, w).Error.Code != CodeInternal || strings.Contains(w.Body.String(), "boom") {
		t.Errorf("%d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, `"status":500`) {
		t.Errorf("logs: %s", logs)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	w, _ := serve(t, ok, Options{Methods: []string{"POST"}}, httptest.NewRequest("DELETE", "/", nil))
	if w.Code != 405 || decodeErr(t, w).Error.Code != CodeMethodNotAllowed || w.Header().Get("Allow") != "POST, OPTIONS" {
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
	if w.Code != 413 || decodeErr(t, w).Error.Code != CodeTooLarge {
		t.Errorf("declared: %d %s", w.Code, w.Body)
	}
	// Unknown length (chunked), caught while reading.
	r := httptest.NewRequest("POST", "/", strings.NewReader(big))
	r.ContentLength = -1
	w, _ = serve(t, h, Options{MaxBodyBytes: 100}, r)
	if w.Code != 413 || decodeErr(t, w).Error.Code != CodeTooLarge {
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
	if w.Code != 403 || w.Header().Get("Access-Control-Allow-Origin") != "" || decodeErr(t, w).Error.Code != CodeForbidden {
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
		Ext  string `json:"ext"`
		Size int64  `json:"size"`
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
		{`{"ext":"jpg","bogus":1}`, "application/json", true, CodeInvalidRequest},
		{`{"size":"12"}`, "application/json", true, CodeInvalidRequest},
		{`{"size":1.5}`, "application/json", true, CodeInvalidRequest},
		{`{"ext":"jpg"}{"ext":"png"}`, "application/json", true, CodeInvalidRequest},
		{`{"ext":`, "application/json", true, CodeInvalidRequest},
		{`[1,2]`, "application/json", true, CodeInvalidRequest},
		{`nonsense`, "application/json", true, CodeInvalidRequest},
		{"{\"ext\":\"\xff\"}", "application/json", true, CodeInvalidRequest},
		{`{"ext":"jpg"}`, "text/plain", false, CodeUnsupportedMediaType},
		{`ext=jpg`, "application/x-www-form-urlencoded", false, CodeUnsupportedMediaType},
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
		if err != nil && Classify(err).Status() >= 500 {
			t.Errorf("%q: a 5xx for bad input", c.body)
		}
	}
}

func TestClassifyHidesInternals(t *testing.T) {
	e := Classify(bytes.ErrTooLarge)
	if e.Code != CodeInternal || e.Message != "internal error" || e.Status() != 500 {
		t.Errorf("%+v", e)
	}
}

// DecodeObject answers every body exactly as DecodeJSON does.
func TestDecodeObjectMatchesDecodeJSON(t *testing.T) {
	type req struct {
		Ext  string `json:"ext"`
		Size *int64 `json:"size"`
	}
	bodies := []string{
		`{"ext":"jpg","size":3}`, `{"ext":"jpg"}`, ``, " \n", `{"ext":"jpg","bogus":1}`, `{"size":"12"}`, `{"size":1.5}`,
		`{"size":1e3}`, `{"size":-4}`, `{"size":99999999999999999999}`, `{"size":null,"ext":null}`, `{"ext":"jpg"}{"ext":"png"}`,
		`{"ext":`, `[1,2]`, `nonsense`, `"str"`, `{"ext":true}`, `{"ext":"a","ext":"b"}`, "{\"ext\":\"\xff\"}", `{"ext":"\u00e9\ud83d\ude00"}`,
		`{"ext":"x"} `, `{} `, `{"size":0}`,
	}
	for _, body := range bodies {
		for _, ct := range []string{"application/json", "text/plain", ""} {
			r1 := httptest.NewRequest("POST", "/", strings.NewReader(body))
			r2 := httptest.NewRequest("POST", "/", strings.NewReader(body))
			if ct != "" {
				r1.Header.Set("Content-Type", ct)
				r2.Header.Set("Content-Type", ct)
			}
			var a, b req
			p1, e1 := DecodeJSON(r1, &a)
			p2, e2 := DecodeObject(r2, func(name string, v *jsonscan.Reader) (err error) {
				switch name {
				case "ext":
					b.Ext, err = String(v, name)
				case "size":
					n, set, e := Int(v, name)
					if set {
						b.Size = &n
					}
					err = e
				default:
					err = UnknownField(name)
				}
				return err
			})
			code := func(err error) string {
				if err == nil {
					return ""
				}
				return Classify(err).Code
			}
			same := p1 == p2 && code(e1) == code(e2)
			if e1 == nil && e2 == nil {
				same = same && a.Ext == b.Ext && (a.Size == nil) == (b.Size == nil) && (a.Size == nil || *a.Size == *b.Size)
			}
			if !same {
				t.Errorf("%q (%s): DecodeJSON (%v, %v %+v), DecodeObject (%v, %v %+v)", body, ct, p1, e1, a, p2, e2, b)
			}
		}
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
