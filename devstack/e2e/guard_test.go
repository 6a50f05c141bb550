package e2e_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// guardClient never waits on an event stream the console rightly opens.
var guardClient = &http.Client{Timeout: 5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// send makes one request and returns its status and body (none for an
// event stream).
func send(t *testing.T, method, u, host, origin, contentType, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := guardClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Type") == "text/event-stream" {
		return resp.StatusCode, "" // a stream that never ends by itself
	}
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw)
}

// hostOf is the host:port of a URL.
func hostOf(u string) string { p, _ := url.Parse(u); return p.Host }

// TestConsoleRefusesOtherSites: a page elsewhere reaches neither the console
// nor the functions. A foreign Host (DNS rebinding: evil.example resolved
// to 127.0.0.1, or another port) is refused on every console endpoint and
// every function; a foreign Origin on every console endpoint; a console
// POST that is not JSON (a form or text/plain, which needs no preflight).
// The console's own page, same Host and Origin, is served.
func TestConsoleRefusesOtherSites(t *testing.T) {
	e := startStack(t, nil)
	con, port := hostOf(e.ConsoleURL), hostOf(e.ConsoleURL)[strings.LastIndex(hostOf(e.ConsoleURL), ":")+1:]
	self := "http://" + con
	endpoints := []struct{ method, path, body string }{
		{"GET", "/", ""}, {"GET", "/console.js", ""}, {"GET", "/api/config", ""}, {"GET", "/api/exchanges", ""},
		{"GET", "/api/events", ""}, {"GET", "/api/objects", ""}, {"GET", "/api/stats", ""},
		{"POST", "/api/token", `{"uid":"victim","ttl":"168h"}`}, {"POST", "/api/explain", `{"texts":["x"]}`},
	}
	foreignHosts := []string{"evil.example:" + port, "evil.example", "127.0.0.1:1", "localhost.evil.example:" + port,
		"127.0.0.1.nip.io:" + port}
	foreignOrigins := []string{"http://evil.example", "http://evil.example:" + port, "http://127.0.0.1:1", "null",
		"https://" + con}
	for _, ep := range endpoints {
		for _, h := range foreignHosts {
			if s, body := send(t, ep.method, e.ConsoleURL+ep.path, h, "", "application/json", ep.body); s != 403 ||
				!strings.Contains(body, `"code":"Forbidden"`) {
				t.Errorf("console %s %s, Host %s: %d %.200s", ep.method, ep.path, h, s, body)
			}
		}
		for _, o := range foreignOrigins {
			if s, body := send(t, ep.method, e.ConsoleURL+ep.path, "", o, "application/json", ep.body); s != 403 {
				t.Errorf("console %s %s, Origin %s: %d %.200s", ep.method, ep.path, o, s, body)
			}
		}
		// Its own page, by any loopback name, with or without Origin.
		for _, h := range []string{"", "localhost:" + port} {
			origin := self
			if h != "" {
				origin = "http://" + h
			}
			if s, body := send(t, ep.method, e.ConsoleURL+ep.path, h, origin, "application/json", ep.body); s != 200 {
				t.Errorf("console %s %s from its own page (%s): %d %.200s", ep.method, ep.path, origin, s, body)
			}
		}
	}
	// Blind CSRF: a POST without JSON is refused, token or not.
	for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
		for _, path := range []string{"/api/token", "/api/explain"} {
			if s, body := send(t, "POST", e.ConsoleURL+path, "", "", ct, `{"uid":"victim"}`); s != 403 && s != 415 ||
				strings.Contains(body, "token\":") {
				t.Errorf("console POST %s with Content-Type %q: %d %.200s", path, ct, s, body)
			}
		}
	}

	fport := hostOf(e.FunctionsURL)[strings.LastIndex(hostOf(e.FunctionsURL), ":")+1:]
	for _, path := range []string{"/login", "/sts", "/presign", "/download?key=uploads/u1/a.jpg", "/download/uploads/u1/a.jpg"} {
		for _, h := range []string{"evil.example:" + fport, "127.0.0.1:1", "10.0.0.1:" + fport} {
			if s, body := send(t, "POST", e.FunctionsURL+path, h, "", "application/json", `{"code":"dev-victim"}`); s != 403 ||
				!strings.Contains(body, `"code":"Forbidden"`) {
				t.Errorf("function %s, Host %s: %d %.200s", path, h, s, body)
			}
		}
	}
	// By a loopback name on its port, /login answers.
	for i, h := range []string{"localhost:" + fport, "[::1]:" + fport, "127.0.0.2:" + fport} {
		code := `{"code":"dev-alice.` + string(rune('0'+i)) + `"}`
		if s, body := send(t, "POST", e.FunctionsURL+"/login", h, "", "application/json", code); s != 200 {
			t.Errorf("/login, Host %s: %d %.200s", h, s, body)
		}
	}
}

// preflight asks u whether origin may send method with Authorization.
func preflight(t *testing.T, u, method, origin string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("OPTIONS", u, nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	resp, err := guardClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin")
}

// TestDevCORSAdmitsLoopbackPages: by default the functions and the COS
// emulator admit pages served from this machine on any port (the console,
// a dev server), each by its own origin, and no other site; a simple
// request from another site gets no Access-Control-Allow-Origin, so its
// page cannot read the answer.
func TestDevCORSAdmitsLoopbackPages(t *testing.T) {
	e := startStack(t, nil)
	for _, target := range []struct{ name, url, method string }{
		{"presign", e.FunctionsURL + "/presign", "POST"},
		{"cos", e.COSURL + "/" + e.Env["COS_BUCKET"] + "/uploads/u1/a.jpg", "PUT"},
	} {
		for _, o := range []string{e.ConsoleURL, "http://localhost:5173", "http://127.0.0.1:3000", "http://[::1]:8081",
			"http://localhost"} {
			if s, acao := preflight(t, target.url, target.method, o); s/100 != 2 || acao != o {
				t.Errorf("%s: preflight from %s: %d, Access-Control-Allow-Origin %q", target.name, o, s, acao)
			}
		}
		for _, o := range []string{"http://evil.example", "https://localhost:5173", "http://127.0.0.1:x",
			"http://localhost.evil.example:80"} {
			if s, acao := preflight(t, target.url, target.method, o); s != 403 || acao != "" {
				t.Errorf("%s: preflight from %s: %d, Access-Control-Allow-Origin %q", target.name, o, s, acao)
			}
		}
	}
	req, _ := http.NewRequest("GET", e.COSURL+"/"+e.Env["COS_BUCKET"]+"/uploads/u1/a.jpg", nil)
	req.Header.Set("Origin", "http://evil.example")
	resp, err := guardClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if acao := resp.Header.Get("Access-Control-Allow-Origin"); acao != "" {
		t.Errorf("COS answered another site's GET with Access-Control-Allow-Origin %q", acao)
	}
}

// TestConsoleMasksPOSTForms: a POST form refused for its policy (here a
// policy changed after signing, so COS's FormatString is the policy
// itself, and a field its policy does not allow) puts neither the form's
// session token nor its SecretId in full into the console's exchanges, its
// live stream or its explanations.
func TestConsoleMasksPOSTForms(t *testing.T) {
	e := startStack(t, nil)
	f := presignPOST(t, e)
	fields := map[string]string{}
	for _, kv := range f.FormData {
		fields[kv[0]] = kv[1]
	}
	tok, id := fields["x-cos-security-token"], fields["q-ak"]
	if tok == "" || id == "" {
		t.Fatalf("the form lacks its token or SecretId: %v", f.FormData)
	}
	doc, err := base64.StdEncoding.DecodeString(fields["policy"])
	if err != nil {
		t.Fatal(err)
	}
	var policy map[string]any
	if err := json.Unmarshal(doc, &policy); err != nil {
		t.Fatal(err)
	}
	policy["expiration"] = time.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
	changed, _ := json.Marshal(policy)
	for name, extra := range map[string]map[string]string{
		"policy changed":      {"policy": base64.StdEncoding.EncodeToString(changed)},
		"key outside policy":  {"key": "uploads/elsewhere/a.jpg"},
		"token field changed": {"x-cos-security-token": tok + "x"},
	} {
		resp := f.post(t, []byte("jpegish"), extra)
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s: %d", name, resp.StatusCode)
		}
	}
	all := consoleGet(t, e, "/api/exchanges", nil)
	if !strings.Contains(all, `"kind":"signature-mismatch"`) || !strings.Contains(all, `x-cos-security-token`) {
		t.Errorf("the refused forms are not explained:\n%.3000s", all)
	}
	for _, s := range []string{tok, tok[:40], id} {
		if strings.Contains(all, s) {
			t.Errorf("the console's exchanges carry a secret (%.10s…):\n%.3000s", s, all)
		}
	}
}
