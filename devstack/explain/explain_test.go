package explain_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cam"
	"cosgate/devstack/cosemu"
	"cosgate/devstack/explain"
	"cosgate/devstack/trace"
	"cosgate/shared/campolicy"
	"cosgate/shared/cossign"
)

const (
	bucket  = "examplebucket-1250000000"
	region  = "ap-guangzhou"
	rootID  = "AKIDexplainTESTroot00000000000000000"
	rootKey = "explainTestRootSecretKey0000000000"
	otherSK = "someOtherSecretKeyNotTheAccounts00"
)

// emulator starts the COS emulator on loopback; it answers the error XML
// the explainer reads.
func emulator(t *testing.T, now time.Time) cossign.Endpoint {
	t.Helper()
	emu, err := cosemu.New(cosemu.Config{Bucket: bucket, Region: region, RootID: rootID, RootKey: rootKey,
		Store: cosemu.NewMemoryStore(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	e, err := cossign.ParseEndpoint(srv.URL, bucket, true)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// send makes the request and returns COS's error XML ("" on success).
func send(t *testing.T, method, rawURL string, h http.Header) string {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode < 300 {
		return ""
	}
	return string(b)
}

func run(t *testing.T, in explain.Input) explain.Report {
	t.Helper()
	rep, err := explain.Explain(in)
	if err != nil {
		t.Fatal(err)
	}
	// Nothing secret comes back, in any case.
	out, _ := json.Marshal(rep)
	for _, secret := range []string{rootKey, otherSK, rootID, "q-signature=", "session-token-value"} {
		if strings.Contains(string(out)+rep.Text(), secret) {
			t.Errorf("the report repeats a secret (%.12s…):\n%s", secret, rep.Text())
		}
	}
	return rep
}

func check(t *testing.T, name string, rep explain.Report, want explain.Verdict, says ...string) {
	t.Helper()
	if rep.Verdict != want {
		t.Errorf("%s: verdict %s, want %s\n%s", name, rep.Verdict, want, rep.Text())
		return
	}
	for _, s := range says {
		if !strings.Contains(rep.Text(), s) {
			t.Errorf("%s: the report does not say %q\n%s", name, s, rep.Text())
		}
	}
}

// TestVerdicts: the explainer's verdicts on URLs signed for the emulator:
// valid, expired, not yet valid, tampered path, tampered header, wrong key,
// and the wrong method; with COS's error XML (from the emulator, for the
// request as it was sent) it tells a changed request from a wrong key and
// names the first difference.
func TestVerdicts(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	e := emulator(t, now)
	root := cossign.Credentials{SecretID: rootID, SecretKey: rootKey}
	presign := func(creds cossign.Credentials, method, key string, w cossign.Window, headers ...cossign.Pair) string {
		return cossign.PresignURL(creds, e, cossign.Presign{Method: method, Key: key, Window: w, Headers: headers})
	}
	current := cossign.NewWindow(now, time.Minute, 10*time.Minute)

	valid := presign(root, "GET", "users/alice/a.jpg", current)
	rep := run(t, explain.Input{Texts: []string{valid}, SecretKey: rootKey, Now: now})
	check(t, "valid", rep, explain.Valid, "bucket:", bucket, "users/alice/a.jpg", "host", "10m0s left",
		"matches the request and the SecretKey")
	check(t, "valid without the key", run(t, explain.Input{Texts: []string{valid}, Now: now}), explain.Valid,
		"not checked")

	expired := presign(root, "GET", "a.jpg", cossign.Window{Start: now.Add(-2 * time.Hour).Unix(), End: now.Add(-time.Hour).Unix()})
	check(t, "expired", run(t, explain.Input{Texts: []string{expired}, Now: now}), explain.Expired, "expired 1h0m0s ago")
	xml := send(t, "GET", expired, nil)
	check(t, "expired, with COS's answer", run(t, explain.Input{Texts: []string{xml, expired}, Now: now}),
		explain.Expired, "Request has expired", "expired 1h0m0s before COS answered")

	future := presign(root, "GET", "a.jpg", cossign.Window{Start: now.Add(time.Hour).Unix(), End: now.Add(2 * time.Hour).Unix()})
	check(t, "not yet valid", run(t, explain.Input{Texts: []string{future}, Now: now}), explain.NotYetValid,
		"starts in 1h0m0s", "RequestTimeTooSkewed")

	// Tampered path: the holder changes the key in a URL signed for another.
	tampered := strings.Replace(valid, "/users/alice/a.jpg", "/users/bob/a.jpg", 1)
	check(t, "tampered path", run(t, explain.Input{Texts: []string{tampered}, SecretKey: rootKey, Now: now}),
		explain.Mismatch, "changed after signing")
	xml = send(t, "GET", tampered, nil)
	if !strings.Contains(xml, "SignatureDoesNotMatch") {
		t.Fatalf("the emulator accepted a tampered path: %s", xml)
	}
	for _, key := range []string{"", rootKey} {
		check(t, "tampered path, URL as signed and COS's answer", run(t, explain.Input{Texts: []string{valid, xml},
			SecretKey: key, Now: now}), explain.Changed, "first difference (path)", "/users/alice/a.jpg", "/users/bob/a.jpg")
	}

	// Tampered header: signed for image/jpeg, sent as image/png.
	put := presign(root, "PUT", "users/alice/b.jpg", current, cossign.Pair{Name: "Content-Type", Value: "image/jpeg"})
	signedH := http.Header{"Content-Type": {"image/jpeg"}}
	sentH := http.Header{"Content-Type": {"image/png"}}
	check(t, "signed header, right value", run(t, explain.Input{Texts: []string{put}, Method: "PUT", Header: signedH,
		SecretKey: rootKey, Now: now}), explain.Valid)
	check(t, "tampered header", run(t, explain.Input{Texts: []string{put}, Method: "PUT", Header: sentH,
		SecretKey: rootKey, Now: now}), explain.Mismatch)
	xml = send(t, "PUT", put, sentH)
	for _, key := range []string{"", rootKey} {
		check(t, "tampered header, with COS's answer", run(t, explain.Input{Texts: []string{put, xml}, Method: "PUT",
			Header: signedH, SecretKey: key, Now: now}), explain.Changed, "header content-type", "image/jpeg", "image/png")
	}
	check(t, "signed header, value not given", run(t, explain.Input{Texts: []string{put}, Method: "PUT",
		SecretKey: rootKey, Now: now}), explain.Valid, `covers header "content-type"`)

	// Wrong key: the account's SecretId, another SecretKey.
	wrong := presign(cossign.Credentials{SecretID: rootID, SecretKey: otherSK}, "GET", "a.jpg", current)
	check(t, "wrong key", run(t, explain.Input{Texts: []string{wrong}, SecretKey: rootKey, Now: now}), explain.Mismatch)
	xml = send(t, "GET", wrong, nil)
	// Without the key that signed, nothing proves the key wrong: COS's
	// answer alone, or with another key, leaves it one cause among others.
	check(t, "wrong key, with COS's answer", run(t, explain.Input{Texts: []string{wrong, xml}, Now: now}),
		explain.Mismatch, "1. The method", "Another SecretKey")
	check(t, "wrong key, COS's answer and the real key", run(t, explain.Input{Texts: []string{wrong, xml},
		SecretKey: rootKey, Now: now}), explain.Mismatch, "1. Another SecretKey: the signer used another key than the one given")
	check(t, "wrong key, COS's answer and the key that signed", run(t, explain.Input{Texts: []string{wrong, xml},
		SecretKey: otherSK, Now: now}), explain.WrongKey, "COS holds another SecretKey")

	// The wrong method: a PUT URL used for GET.
	check(t, "method", run(t, explain.Input{Texts: []string{put}, Header: signedH, SecretKey: rootKey, Now: now}),
		explain.Changed, "for PUT, not GET")

	// An Authorization header with the request it was sent with.
	req, _ := http.NewRequest("GET", e.ObjectURL("users/alice/a.jpg"), nil)
	cossign.AuthorizeRequest(req, root, current, cossign.DefaultSignedHeader)
	check(t, "Authorization header", run(t, explain.Input{Texts: []string{"Authorization: " + req.Header.Get("Authorization")},
		URL: req.URL.String(), SecretKey: rootKey, Now: now}), explain.Valid, "sign time")
	check(t, "Authorization header alone", run(t, explain.Input{Texts: []string{req.Header.Get("Authorization")}, Now: now}),
		explain.Valid, "-url")

	// A session token is never repeated, even where COS's FormatString has it.
	tok := cossign.Credentials{SecretID: "AKIDtemporaryKEY000000000", SecretKey: rootKey, SessionToken: "session-token-value"}
	check(t, "token", run(t, explain.Input{Texts: []string{presign(tok, "GET", "a.jpg", current)}, SecretKey: rootKey,
		Now: now}), explain.Valid, "temporary")

	unsigned := e.ObjectURL("a.jpg")
	check(t, "unsigned", run(t, explain.Input{Texts: []string{unsigned}, Now: now}), explain.Unsigned)
	check(t, "malformed", run(t, explain.Input{Texts: []string{"q-sign-algorithm=md5&q-ak=x"}, Now: now}), explain.Malformed)
	if _, err := explain.Explain(explain.Input{Texts: []string{"<html>nope</html>"}}); err == nil {
		t.Error("an HTML page was read as COS's error")
	}
}

// TestRealCOSURL: a URL that cos-go-sdk-v5 signed for real COS is decoded
// and checked offline.
func TestRealCOSURL(t *testing.T) {
	u, _ := url.Parse("https://" + bucket + ".cos." + region + ".myqcloud.com")
	client := cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{})
	start := time.Now().Add(-time.Minute).Truncate(time.Second)
	opt := &cos.PresignedURLOptions{AuthTime: &cos.AuthTime{SignStartTime: start, SignEndTime: start.Add(time.Hour),
		KeyStartTime: start, KeyEndTime: start.Add(time.Hour)}}
	signed, err := client.Object.GetPresignedURL(context.Background(), "GET", "photos/2026/cat.jpg", rootID, rootKey, time.Hour, opt)
	if err != nil {
		t.Fatal(err)
	}
	rep := run(t, explain.Input{Texts: []string{signed.String()}, SecretKey: rootKey, Now: time.Now()})
	check(t, "cos-go-sdk-v5 URL", rep, explain.Valid, "bucket:", bucket, "region:", region, "photos/2026/cat.jpg",
		"matches the request")
	rep = run(t, explain.Input{Texts: []string{signed.String()}, SecretKey: otherSK, Now: time.Now()})
	check(t, "cos-go-sdk-v5 URL, other key", rep, explain.Mismatch)
	rep = run(t, explain.Input{Texts: []string{signed.String()}, Now: start.Add(3 * time.Hour)})
	check(t, "cos-go-sdk-v5 URL, later", rep, explain.Expired, "expired 2h0m0s ago")
}

// withServerTime adds COS's ServerTime to an error XML that lacks it, as
// real COS sends it.
func withServerTime(x string, t time.Time) string {
	return strings.Replace(x, "</Error>", "<ServerTime>"+t.UTC().Format(time.RFC3339)+"</ServerTime></Error>", 1)
}

// TestMismatchWithoutKey: without the SecretKey, COS's answer that the
// request it received is the one given proves nothing about the key (the
// values it fills in are COS's own): the verdict lists the causes, the
// method first, and is never wrong-key; with the key it names the one. The
// window is judged at COS's time in its answer, not when it is explained.
func TestMismatchWithoutKey(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	e := emulator(t, now)
	root := cossign.Credentials{SecretID: rootID, SecretKey: rootKey}
	short := cossign.NewWindow(now, time.Minute, 2*time.Minute) // over before "3 minutes later"
	get := cossign.PresignURL(root, e, cossign.Presign{Method: "GET", Key: "users/alice/a.txt", Window: short})
	put := cossign.PresignURL(root, e, cossign.Presign{Method: "PUT", Key: "users/alice/b.txt", Window: short,
		Headers: []cossign.Pair{{Name: "Content-Type", Value: "text/plain"}, {Name: "Content-Length", Value: "5"}}})
	put3 := cossign.PresignURL(root, e, cossign.Presign{Method: "PUT", Key: "users/alice/c.txt", Window: short,
		Headers: []cossign.Pair{{Name: "Content-Type", Value: "text/plain"}, {Name: "Content-Length", Value: "3"}}})
	wrongMethod := withServerTime(send(t, "PUT", get, nil), now)
	wrongType := withServerTime(send(t, "PUT", put, http.Header{"Content-Type": {"application/octet-stream"}}), now)
	bigger := withServerTime(send(t, "PUT", put3, http.Header{"Content-Type": {"text/plain"}}), now) // 5 bytes sent
	for _, x := range []string{wrongMethod, wrongType, bigger} {
		if !strings.Contains(x, "SignatureDoesNotMatch") {
			t.Fatalf("the emulator did not refuse the signature: %s", x)
		}
	}
	later := now.Add(3 * time.Minute)
	sentType := http.Header{"Content-Type": {"application/octet-stream"}}
	signedType := http.Header{"Content-Type": {"text/plain"}}
	for _, c := range []struct {
		name   string
		in     explain.Input
		want   explain.Verdict
		first  string // the first candidate starts so
		says   []string
		absent []string
	}{
		{"GET URL used as PUT", explain.Input{Texts: []string{get, wrongMethod}, Method: "PUT", Now: now},
			explain.Mismatch, "The method", []string{"Another SecretKey", "The path"}, nil},
		{"GET URL used as PUT, method not given", explain.Input{Texts: []string{wrongMethod, get}, Now: now},
			explain.Mismatch, "The method", []string{"taken as COS received it: PUT"}, nil},
		{"GET URL used as PUT, 3 minutes later", explain.Input{Texts: []string{get, wrongMethod}, Method: "PUT",
			Now: later}, explain.Mismatch, "The method", []string{"The window was current at COS's time"},
			[]string{"expired"}},
		{"GET URL used as PUT, 3 minutes later, XML without ServerTime", explain.Input{
			Texts: []string{get, send(t, "PUT", get, nil)}, Method: "PUT", Now: later}, explain.Mismatch, "The method",
			[]string{"shows the window was current"}, []string{"verdict: expired"}},
		{"PUT with another Content-Type", explain.Input{Texts: []string{put, wrongType}, Method: "PUT", Header: sentType,
			Now: now}, explain.Mismatch, "A signed header's value", []string{"Content-Length, Content-Type with other values",
			"2. The method"}, nil},
		{"PUT with another Content-Type, headers not given", explain.Input{Texts: []string{put, wrongType},
			Method: "PUT", Now: later}, explain.Mismatch, "A signed header's value",
			[]string{"The values here are COS's: content-length, content-type"}, []string{"verdict: expired"}},
		{"PUT with a bigger body", explain.Input{Texts: []string{put3, bigger}, Method: "PUT", Header: signedType,
			Now: now}, explain.Mismatch, "A signed header's value", []string{"Content-Length"}, nil},
		{"PUT with another Content-Type, as signed", explain.Input{Texts: []string{put, wrongType}, Method: "PUT",
			Header: signedType, Now: now}, explain.Changed, "", []string{"(given \"text/plain\", received " +
			"\"application/octet-stream\")", "the SecretKey would prove"}, nil},

		// With the SecretKey, the precise cause.
		{"GET URL used as PUT, with the key", explain.Input{Texts: []string{get, wrongMethod}, Method: "PUT",
			SecretKey: rootKey, Now: later}, explain.Changed, "", []string{"for GET, not PUT"}, nil},
		{"PUT with another Content-Type, with the key", explain.Input{Texts: []string{put, wrongType}, Method: "PUT",
			Header: signedType, SecretKey: rootKey, Now: now}, explain.Changed, "",
			[]string{"another request than the one signed", "first difference (header content-type)"}, nil},
		{"PUT with a bigger body, with the key", explain.Input{Texts: []string{put3, bigger}, Method: "PUT",
			Header: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"3"}}, SecretKey: rootKey, Now: now},
			explain.Changed, "", []string{"first difference (header content-length)", `signed "3", received "5"`}, nil},
		{"PUT with another Content-Type, with the key, headers not given", explain.Input{
			Texts: []string{put, wrongType}, Method: "PUT", SecretKey: rootKey, Now: now}, explain.Mismatch,
			"A signed header's value", []string{"Another SecretKey"}, []string{"The method:"}},
	} {
		rep := run(t, c.in)
		check(t, c.name, rep, c.want, c.says...)
		if c.first != "" && (len(rep.Candidates) == 0 || !strings.HasPrefix(rep.Candidates[0], c.first)) {
			t.Errorf("%s: the first cause is not %q: %q", c.name, c.first, rep.Candidates)
		}
		for _, s := range c.absent {
			if strings.Contains(rep.Text(), s) {
				t.Errorf("%s: the report says %q\n%s", c.name, s, rep.Text())
			}
		}
	}

	// An expired URL is judged by COS's ServerTime, whatever this machine's
	// clock says (here it is behind).
	old := cossign.PresignURL(root, e, cossign.Presign{Method: "GET", Key: "a.txt",
		Window: cossign.Window{Start: now.Add(-20 * time.Minute).Unix(), End: now.Add(-time.Minute).Unix()}})
	x := send(t, "GET", old, nil)
	check(t, "expired by COS's clock", run(t, explain.Input{Texts: []string{old, x}, Now: now.Add(-10 * time.Minute)}),
		explain.Expired, "expired 1m0s before COS answered")
	check(t, "expired at the request time", run(t, explain.Input{Texts: []string{old}, At: now,
		Now: now.Add(-10 * time.Minute)}), explain.Expired, "expired 1m0s before the request")
	check(t, "server time beside the request time", run(t, explain.Input{Texts: []string{old, x},
		At: now.Add(-30 * time.Second), Now: later}), explain.Expired, "the request time given is behind by 30s")
}

// xmlText escapes s for an XML element.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// TestCompareMint: what a function minted against what COS received, in
// plain words; a difference makes the verdict request-changed, never
// wrong-key, though no SecretKey is given.
func TestCompareMint(t *testing.T) {
	now := time.Unix(1800000000, 0)
	e := cossign.DefaultEndpoint(bucket, region)
	tmp := cossign.Credentials{SecretID: "AKIDtemporaryKEY000000000", SecretKey: rootKey, SessionToken: "session-token-value"}
	minted := explain.Minted{Function: "presign", Method: "PUT",
		URL: cossign.PresignURL(tmp, e, cossign.Presign{Method: "PUT", Key: "uploads/alice/a.txt",
			Window: cossign.NewWindow(now, time.Minute, 10*time.Minute),
			Headers: []cossign.Pair{{Name: "Content-Type", Value: "text/plain"}, {Name: "Content-Length", Value: "14"},
				{Name: "x-cos-acl", Value: "private"}}}),
		Header: http.Header{"Content-Type": {"text/plain"}, "Content-Length": {"14"}, "X-Cos-Acl": {"private"}}}
	// received is COS's FormatString (the token masked, as the emulator
	// records it) for the minted request with some parts changed.
	received := func(method, ctype, length string) string {
		return trace.MaskTokens(cossign.FormatString(cossign.Request{Method: method, Path: "/uploads/alice/a.txt",
			Params: []cossign.Pair{{Name: cossign.TokenParam, Value: tmp.SessionToken}},
			Headers: []cossign.Pair{{Name: "content-type", Value: ctype}, {Name: "content-length", Value: length},
				{Name: "host", Value: bucket + ".cos." + region + ".myqcloud.com"}, {Name: "x-cos-acl", Value: "private"}}}))
	}
	for _, c := range []struct{ name, received, words string }{
		{"same", received("PUT", "text/plain", "14"), ""},
		{"content-type", received("PUT", "application/octet-stream", "14"),
			"signed for Content-Type text/plain, sent as application/octet-stream"},
		{"content-length", received("PUT", "text/plain", "20"), "signed for a body of 14 bytes (Content-Length), sent 20 bytes"},
		{"method", received("GET", "text/plain", "14"), "signed for PUT, sent as GET"},
	} {
		d := explain.CompareMint(minted, c.received)
		switch {
		case c.words == "" && d != nil:
			t.Errorf("%s: a difference where there is none: %+v", c.name, d)
		case c.words != "" && (d == nil || d.Words != c.words):
			t.Errorf("%s: %+v, want %q", c.name, d, c.words)
		}
		if c.words == "" {
			continue
		}
		x := "<Error><Code>SignatureDoesNotMatch</Code><Message>The Signature you specified is invalid.</Message>" +
			"<ServerTime>" + now.UTC().Format(time.RFC3339) + "</ServerTime><FormatString>" + xmlText(c.received) +
			"</FormatString></Error>"
		rep := run(t, explain.Input{Texts: []string{x}, Minted: &minted, Now: now.Add(time.Hour)})
		check(t, c.name+", explained with the mint", rep, explain.Changed, c.words, "than the function minted")
	}
	if d := explain.CompareMint(explain.Minted{Method: "POST", URL: e.BucketURL()}, received("POST", "", "")); d != nil {
		t.Errorf("a POST form (its policy signed, not a request) compared: %+v", d)
	}
}

// TestDenialAdvice: each CAM refusal gets the fix for its action and for
// the part of the grant that refused it, from the policy cosgate builds.
func TestDenialAdvice(t *testing.T) {
	b := campolicy.Bucket{Region: region, Name: bucket, AppID: "1250000000"}
	grants := []campolicy.Grant{{Action: "name/cos:PutObject", Pattern: "uploads/alice/*"},
		{Action: "name/cos:GetObject", Pattern: "uploads/alice/*"}}
	doc, err := campolicy.Build(b, grants, campolicy.Conditions{})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := cam.Parse(doc.JSON())
	if err != nil {
		t.Fatal(err)
	}
	deny := func(action, key string, h map[string]string) *trace.Reason {
		req := cam.Request{Action: "name/cos:" + action, Resource: b.Resource(key),
			Value: func(k string) (string, bool) { v, ok := h[k]; return v, ok }}
		d := pol.Decide(req)
		if d.Allowed {
			t.Fatalf("%s %s %v was allowed", action, key, h)
		}
		den := &trace.Denial{Action: req.Action, Resource: req.Resource, Key: key, Deny: d.Deny, Misses: d.Misses}
		for _, g := range grants {
			if g.Action == req.Action {
				den.Prefixes = append(den.Prefixes, g.Pattern)
			}
		}
		return &trace.Reason{Kind: trace.KindDenied, Denial: den}
	}
	const prefixFix = "Upload under the prefix"
	for _, c := range []struct {
		name   string
		r      *trace.Reason
		says   []string
		absent []string
	}{
		{"public-read upload", deny("PutObject", "uploads/alice/a.jpg", map[string]string{"cos:x-cos-acl": "public-read"}),
			[]string{"x-cos-acl: private", "public-read"}, []string{prefixFix, "STS_ALLOW_ACTIONS"}},
		{"grant header", deny("PutObject", "uploads/alice/a.jpg", map[string]string{"cos:x-cos-grant-read": "id=\"1\""}),
			[]string{"x-cos-grant-*"}, []string{prefixFix}},
		{"read outside the prefix", deny("GetObject", "uploads/bob/a.jpg", nil),
			[]string{"DOWNLOAD_ALLOW_PREFIXES", "/download", "uploads/bob/a.jpg"}, []string{prefixFix, "STS_ALLOW_PREFIX"}},
		{"write outside the prefix", deny("PutObject", "uploads/bob/a.jpg", nil),
			[]string{prefixFix, "STS_ALLOW_PREFIX", "/presign", "uploads/alice/*"}, []string{"DOWNLOAD_ALLOW_PREFIXES"}},
		{"action missing", deny("DeleteObject", "uploads/alice/a.jpg", nil),
			[]string{"STS_ALLOW_ACTIONS", "DeleteObject"}, []string{prefixFix}},
		{"read not granted", deny("HeadObject", "uploads/alice/a.jpg", nil),
			[]string{"STS_ALLOW_ACTIONS", "/download"}, []string{prefixFix}},
	} {
		a, ok := explain.ForReason("AccessDenied", c.r)
		text := a.Cause + "\n" + a.Fix
		if !ok || a.Kind != trace.KindDenied {
			t.Errorf("%s: %+v", c.name, a)
		}
		for _, s := range c.says {
			if !strings.Contains(text, s) {
				t.Errorf("%s: the advice does not say %q:\n%s", c.name, s, text)
			}
		}
		for _, s := range c.absent {
			if strings.Contains(text, s) {
				t.Errorf("%s: the advice says %q:\n%s", c.name, s, text)
			}
		}
	}

	// From COS's bare "Access Denied." and the request it answered.
	now := time.Unix(1800000000, 0)
	creds := cossign.Credentials{SecretID: rootID, SecretKey: rootKey}
	e := cossign.DefaultEndpoint(bucket, region)
	w := cossign.NewWindow(now, time.Minute, 10*time.Minute)
	x := "<Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>"
	pub := cossign.PresignURL(creds, e, cossign.Presign{Method: "PUT", Key: "uploads/alice/a.jpg", Window: w,
		Headers: []cossign.Pair{{Name: "x-cos-acl", Value: "public-read"}}})
	rep := run(t, explain.Input{Texts: []string{pub, x}, Method: "PUT",
		Header: http.Header{"X-Cos-Acl": {"public-read"}}, Now: now})
	check(t, "public-read from COS's answer", rep, explain.Refused, "x-cos-acl: private")
	getURL := cossign.PresignURL(creds, e, cossign.Presign{Method: "GET", Key: "private/a.jpg", Window: w})
	check(t, "read from COS's answer", run(t, explain.Input{Texts: []string{getURL, x}, Now: now}), explain.Refused,
		"DOWNLOAD_ALLOW_PREFIXES")
}
