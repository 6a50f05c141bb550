package httpapi

import (
	"bufio"
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"cosgate/shared/apierr"
)

// TestMalformedChunkedBodyIs400 (issue 22, finding a): a body whose chunked
// framing is broken answers 400 InvalidRequest, with no ERROR line, through
// a real net/http server, for a handler that decodes JSON and one that
// reads the body itself.
func TestMalformedChunkedBodyIs400(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	mux := http.NewServeMux()
	mux.HandleFunc("/decode", func(w http.ResponseWriter, r *http.Request) {
		Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			var v struct{ Ext string }
			if _, err := DecodeJSON(r, &v); err != nil {
				return err
			}
			WriteJSON(w, 200, v)
			return nil
		})
	})
	mux.HandleFunc("/raw", func(w http.ResponseWriter, r *http.Request) {
		Serve(w, r, func(w http.ResponseWriter, r *http.Request) error {
			_, err := io.ReadAll(r.Body)
			return err
		})
	})
	srv := httptest.NewServer(Middleware(mux, Options{Function: "t", Logger: logger,
		Methods: []string{http.MethodPost}, MaxBodyBytes: 65536}))
	defer srv.Close()

	for _, c := range []struct{ path, body string }{
		{"/decode", "5\r\n{\"ext\r\nzz\r\n"},       // a chunk size that is not hex
		{"/decode", "5\r\n{\"extXYZ\r\n0\r\n\r\n"}, // a chunk longer than its size
		{"/raw", "5\r\n{\"ext\r\nzz\r\n"},
	} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "POST "+c.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"+
			"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"+c.body)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(body), `"code":"InvalidRequest"`) {
			t.Errorf("%s %q: %d %s, want 400 InvalidRequest", c.path, c.body, resp.StatusCode, body)
		}
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Errorf("a broken body logged an ERROR:\n%s", logs.String())
	}
}

// TestBodyErrorClassification: only body read errors become 400; the same
// io.ErrUnexpectedEOF from elsewhere (an upstream) stays a 500, and the
// body limit stays 413.
func TestBodyErrorClassification(t *testing.T) {
	if c := Classify(asBodyError(io.ErrUnexpectedEOF)).Code; c != apierr.InvalidRequest {
		t.Errorf("body error: %s", c)
	}
	if c := Classify(io.ErrUnexpectedEOF).Code; c != apierr.Internal {
		t.Errorf("untagged: %s", c)
	}
	if c := Classify(asBodyError(&http.MaxBytesError{Limit: 1})).Code; c != apierr.TooLarge {
		t.Errorf("limit: %s", c)
	}
	if asBodyError(io.EOF) != io.EOF {
		t.Error("io.EOF must stay io.EOF for readers")
	}
}

// TestRepeatedKey (finding b): a key twice in one object, at any depth,
// in any letter case as encoding/json folds it; not across objects; maps
// named exact compare keys exactly.
func TestRepeatedKey(t *testing.T) {
	many := `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,` +
		`"k10":0,"k11":1,"k12":2,"k13":3,"k14":4,"k15":5,"k16":6,"k17":7,"k18":8,"K3":9}`
	for _, c := range []struct {
		json  string
		exact []string
		key   string
	}{
		{`{"a":1,"b":2}`, nil, ""},
		{`{"a":1,"a":2}`, nil, "a"},
		{`{"a":1,"A":2}`, nil, "A"},
		{`{"k":1,"\u212a":2}`, nil, "\u212a"}, // KELVIN SIGN folds to k, as in encoding/json
		{`{"s":1,"\u017f":2}`, nil, "\u017f"}, // LATIN SMALL LONG S folds to s
		{`{"a":{"b":1,"b":2}}`, nil, "b"},
		{`{"a":[{"b":1},{"b":2}]}`, nil, ""},
		{`{"a":[1,{"b":[{}],"c":{"d":1}},{"e":1,"e":1}]}`, nil, "e"},
		{`{"headers":{"X-WX-OPENID":"u1","X-WX-OPENID":"u2"}}`, []string{"queryString"}, "X-WX-OPENID"},
		{`{"headers":{"x-wx-openid":"u1","X-WX-OPENID":"u2"}}`, []string{"queryString"}, "X-WX-OPENID"},
		{`{"queryString":{"a":"1","A":"2"}}`, []string{"queryString"}, ""},
		{`{"queryString":{"a":"1","a":"2"}}`, []string{"queryString"}, "a"},
		{`{"queryString":{"x":{"a":1,"A":2}}}`, []string{"querystring"}, ""}, // exact all the way down
		{`{"body":"x","Body":"y"}`, []string{"queryString"}, "Body"},
		{many, nil, "K3"},        // past the slice, into the map
		{`{"a":1,"b":`, nil, ""}, // invalid: the walk stops, the decoder reports it
		{`[{"a":1,"a":2}]`, nil, "a"},
		{`"a"`, nil, ""},
	} {
		key, found := RepeatedKey([]byte(c.json), c.exact...)
		if key != c.key || found != (c.key != "") {
			t.Errorf("%s %v: %q %v, want %q", c.json, c.exact, key, found, c.key)
		}
	}
}

// TestAuditRecordsEveryForwardedFor (finding c): forwarded_for is every
// X-Forwarded-For line, joined, not the first only.
func TestAuditRecordsEveryForwardedFor(t *testing.T) {
	var logs bytes.Buffer
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Audit(r, slog.String("decision", "allow")) })
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("X-Forwarded-For", "198.51.100.7, 10.0.0.1")
	r.Header.Add("X-Forwarded-For", "10.0.0.2")
	Middleware(h, Options{Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Methods: []string{"GET"}}).
		ServeHTTP(httptest.NewRecorder(), r)
	if !strings.Contains(logs.String(), `"forwarded_for":"198.51.100.7, 10.0.0.1, 10.0.0.2"`) {
		t.Errorf("audit line:\n%s", logs.String())
	}
}

// TestClientAddr (item 4): what each kind of peer may vouch for.
func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, c := range []struct {
		name        string
		remote      string
		xff         []string
		peerIsProxy bool
		trusted     []netip.Prefix
		want        string
	}{
		{"plain, no proxies: the peer, header ignored", "203.0.113.9:5555", []string{"198.51.100.1"}, false, nil, "203.0.113.9"},
		{"plain, untrusted peer", "203.0.113.9:5555", []string{"198.51.100.1"}, false, trusted, "203.0.113.9"},
		{"plain, trusted peer", "10.1.2.3:5555", []string{"198.51.100.1"}, false, trusted, "198.51.100.1"},
		{"plain, right-most untrusted", "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, false, trusted, "198.51.100.1"},
		{"plain, across lines", "10.1.2.3:5555", []string{"6.6.6.6, 198.51.100.1", "10.9.9.9"}, false, trusted, "198.51.100.1"},
		{"plain, every hop trusted", "10.1.2.3:5555", []string{"10.7.7.7, 10.9.9.9"}, false, trusted, "10.7.7.7"},
		{"plain, garbage stops the walk", "10.1.2.3:5555", []string{"198.51.100.1, nonsense, 10.9.9.9"}, false, trusted, "10.9.9.9"},
		{"plain, trusted peer, no header", "10.1.2.3:5555", nil, false, trusted, "10.1.2.3"},
		{"plain, IPv6 peer and entry with port", "[2001:db8::1]:443", []string{"[2001:db8:ffff::2]:1234, [2400:cb00::1]:80"}, false, trusted, "2400:cb00::1"},
		{"plain, v4-mapped peer", "[::ffff:10.1.2.3]:80", []string{"198.51.100.1"}, false, trusted, "198.51.100.1"},
		{"scf-web: the gateway's entry", "127.0.0.1:40000", []string{"6.6.6.6, 198.51.100.1"}, true, nil, "198.51.100.1"},
		{"scf-web: no header, the peer", "127.0.0.1:40000", nil, true, nil, "127.0.0.1"},
		{"scf-web: an internal hop appended after the gateway's entry", "127.0.0.1:40000",
			[]string{"6.6.6.6, 198.51.100.1, 10.20.30.40, 100.64.1.1"}, true, nil, "198.51.100.1"},
		{"plain: a private entry from a trusted peer is the client", "10.1.2.3:5555", []string{"192.168.1.7"}, false, trusted, "192.168.1.7"},
		{"event: the gateway's sourceIp", "198.51.100.1:0", []string{"6.6.6.6"}, false, nil, "198.51.100.1"},
		{"event without sourceIp", "", []string{"6.6.6.6"}, false, nil, ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		var got string
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = ClientAddr(r) })
		Middleware(h, Options{Logger: slog.New(slog.DiscardHandler), Methods: []string{"GET"},
			PeerIsProxy: c.peerIsProxy, TrustedProxies: c.trusted}).ServeHTTP(httptest.NewRecorder(), r)
		if got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// Outside the middleware: the peer, whatever the headers say.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "203.0.113.9:1"
	r.Header.Set("X-Forwarded-For", "6.6.6.6")
	if got := ClientAddr(r); got != "203.0.113.9" {
		t.Errorf("no middleware: %q", got)
	}
}

// TestFoldKeyAgreesWithEqualFold: the map of a large object and the
// in-place comparison of a small one refuse the same keys.
func TestFoldKeyAgreesWithEqualFold(t *testing.T) {
	words := []string{"k", "K", "\u212a", "s", "S", "\u017f", "ext", "EXT", "Ext", "é", "É", "ß", "ẞ", "σ", "ς", "Σ", "a1", "A1", "x-wx-openid", "X-WX-OPENID"}
	for _, a := range words {
		for _, b := range words {
			if (foldKey(a) == foldKey(b)) != strings.EqualFold(a, b) {
				t.Errorf("%q %q: foldKey %v, EqualFold %v", a, b, foldKey(a) == foldKey(b), strings.EqualFold(a, b))
			}
		}
	}
}
