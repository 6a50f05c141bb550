package explain_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cosemu"
	"cosgate/devstack/explain"
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
		explain.Expired, "Request has expired", "expired 1h0m0s ago")

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
	check(t, "wrong key, with COS's answer", run(t, explain.Input{Texts: []string{wrong, xml}, Now: now}),
		explain.WrongKey, "another SecretKey")
	check(t, "wrong key, COS's answer and the real key", run(t, explain.Input{Texts: []string{wrong, xml},
		SecretKey: rootKey, Now: now}), explain.WrongKey, "another SecretKey than the one given")
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
