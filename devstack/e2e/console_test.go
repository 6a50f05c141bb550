package e2e_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	tcsts "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sts/v20180813"
	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/console"
	"cosgate/devstack/explain"
	"cosgate/devstack/stack"
	"cosgate/devstack/trace"
	"cosgate/shared/cossign"
)

// consoleRow is an exchange as the console answers it.
type consoleRow = console.Row

func consoleGet(t *testing.T, e *env, path string, out any) string {
	t.Helper()
	resp, err := http.Get(e.ConsoleURL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("console %s: %d %s", path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("console %s: %v", path, err)
		}
	}
	return string(raw)
}

// TestConsoleExplainsEveryRefusal drives the stack into each refusal the
// emulators decide (with the official SDKs where one fits) and checks the
// console: the reason recorded is the one decided, its cause and fix are
// the ones COS's own error XML leads to, the COS request links back to the
// /sts call that handed out its key, and neither the console's answers nor
// its live stream carry a secret.
func TestConsoleExplainsEveryRefusal(t *testing.T) {
	var ahead atomic.Int64 // how far the emulators' clock runs ahead
	e := start(t, stack.Options{Now: func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }})

	// The live stream, read throughout.
	var streamMu sync.Mutex
	var stream bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.ConsoleURL+"/api/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %v %v", err, resp)
	}
	streamDone := make(chan struct{})
	go func() {
		defer close(streamDone)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			streamMu.Lock()
			stream.WriteString(sc.Text() + "\n")
			streamMu.Unlock()
		}
	}()

	a := e.tempKey(t, e.token) // uid u1: uploads/u1/*
	u2, err := e.Token("u2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	other := e.tempKey(t, u2) // another caller: /sts hands one caller the same key while it lasts
	id, key, tok := a.Credentials.TmpSecretID, a.Credentials.TmpSecretKey, a.Credentials.SessionToken
	c := e.cosClient(id, key, tok)
	bg := context.Background()
	if _, err := c.Object.Put(bg, "uploads/u1/ok.txt", strings.NewReader("fine"), nil); err != nil {
		t.Fatalf("an upload inside the grant: %v", err)
	}
	cosEndpoint, _ := cossign.ParseEndpoint(e.COSURL, e.Env["COS_BUCKET"], true)
	root := cossign.Credentials{SecretID: e.Env["COS_SECRET_ID"], SecretKey: e.Env["COS_SECRET_KEY"]}
	signedGET := func(w cossign.Window) *http.Response {
		u := cossign.PresignURL(root, cosEndpoint, cossign.Presign{Method: "GET", Key: "uploads/u1/ok.txt", Window: w})
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	// The SDK reads the error body itself: its ErrorResponse is put back
	// as the body, so every case is read the same way.
	sdkErr := func(r *http.Response, err error) *http.Response {
		var ce *cos.ErrorResponse
		if !errors.As(err, &ce) {
			t.Fatalf("the request was not refused by COS: %v", err)
		}
		b, _ := xml.Marshal(struct {
			XMLName       xml.Name `xml:"Error"`
			Code, Message string
		}{Code: ce.Code, Message: ce.Message})
		r.Body = io.NopCloser(bytes.NewReader(b))
		return r
	}
	raw := func(method, path string, h http.Header) *http.Response {
		r, _ := http.NewRequest(method, e.COSURL+path, nil)
		for k, v := range h {
			r.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	bucketPath := "/" + e.Env["COS_BUCKET"] + "/"
	now := time.Now()

	cases := []struct {
		name string
		do   func() *http.Response
		kind string
		says []string
	}{
		{"upload outside the granted prefix", func() *http.Response {
			r, err := c.Object.Put(bg, "uploads/u2/x.txt", strings.NewReader("no"), nil)
			return sdkErr(r.Response, err)
		}, trace.KindDenied, []string{"uploads/u2/x.txt is outside the grant's prefixes", "uploads/u1/*"}},
		{"an action the grant lacks", func() *http.Response {
			r, err := c.Object.Delete(bg, "uploads/u1/ok.txt")
			return sdkErr(r.Response, err)
		}, trace.KindDenied, []string{"does not include the action name/cos:DeleteObject"}},
		{"no session token", func() *http.Response {
			r, err := e.cosClient(id, key, "").Object.Put(bg, "uploads/u1/a.txt", strings.NewReader("x"), nil)
			return sdkErr(r.Response, err)
		}, trace.KindTokenMissing, nil},
		{"another key's token", func() *http.Response {
			r, err := e.cosClient(id, key, other.Credentials.SessionToken).Object.Put(bg, "uploads/u1/a.txt", strings.NewReader("x"), nil)
			return sdkErr(r.Response, err)
		}, trace.KindTokenMismatch, nil},
		{"unknown SecretId", func() *http.Response {
			r, err := e.cosClient("AKIDnobodyHasThisKey0000000", "x", "").Object.Put(bg, "uploads/u1/a.txt", strings.NewReader("x"), nil)
			return sdkErr(r.Response, err)
		}, trace.KindUnknownKey, []string{"AKIDnobo…"}},
		{"wrong SecretKey", func() *http.Response {
			r, err := e.cosClient(id, "not-the-key", tok).Object.Put(bg, "uploads/u1/a.txt", strings.NewReader("x"), nil)
			return sdkErr(r.Response, err)
		}, trace.KindMismatch, []string{"put\n/uploads/u1/a.txt", "x-cos-security-token=…", "stringToSign"}},
		// The emulator holds every key, so it finds what the client signed.
		{"signed for PUT, sent as GET", func() *http.Response {
			u := cossign.PresignURL(root, cosEndpoint, cossign.Presign{Method: "PUT", Key: "uploads/u1/ok.txt",
				Window: cossign.NewWindow(now, time.Minute, time.Hour)})
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, trace.KindMismatch, []string{"method PUT signed, but it was sent as GET", `"clientFormatString":"put\n`}},
		{"signed without the bucket, sent path-style", func() *http.Response {
			host := strings.TrimPrefix(e.COSURL, "http://")
			a := cossign.Sign(root.SecretID, root.SecretKey, cossign.Request{Method: "GET", Path: "/uploads/u1/ok.txt",
				Headers: []cossign.Pair{{Name: "host", Value: host}}}, cossign.NewWindow(now, time.Minute, time.Hour))
			return raw("GET", bucketPath+"uploads/u1/ok.txt", http.Header{"Authorization": {a.String()}})
		}, trace.KindMismatch, []string{"the path signed without the bucket (/uploads/u1/ok.txt)"}},
		{"expired window", func() *http.Response {
			return signedGET(cossign.Window{Start: now.Add(-2 * time.Hour).Unix(), End: now.Add(-time.Hour).Unix()})
		}, trace.KindExpired, nil},
		{"window far ahead", func() *http.Response {
			return signedGET(cossign.Window{Start: now.Add(time.Hour).Unix(), End: now.Add(2 * time.Hour).Unix()})
		}, trace.KindSkewed, nil},
		{"no signature", func() *http.Response { return raw("GET", bucketPath+"uploads/u1/ok.txt", nil) },
			trace.KindMissing, nil},
		{"unreadable Authorization", func() *http.Response {
			return raw("GET", bucketPath+"uploads/u1/ok.txt", http.Header{"Authorization": {"q-sign-algorithm=sha1&q-ak=x"}})
		}, trace.KindMalformed, nil},
		{"form field outside its policy", func() *http.Response {
			f := presignPOST(t, e)
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			for _, kv := range f.FormData {
				if kv[0] == "key" {
					kv[1] = "uploads/u1/elsewhere.jpg"
				}
				mw.WriteField(kv[0], kv[1])
			}
			fw, _ := mw.CreateFormFile(f.FileField, "photo.jpg")
			fw.Write([]byte("jpegish"))
			mw.Close()
			resp, err := http.Post(f.URL, mw.FormDataContentType(), &b)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, trace.KindPolicy, nil},
		{"expired temporary key", func() *http.Response {
			ahead.Store(int64(3 * time.Hour)) // past the key's expiry; the signature's window follows the clock
			defer ahead.Store(0)
			r, _ := http.NewRequest("GET", e.COSURL+bucketPath+"uploads/u1/ok.txt", nil)
			r.Header.Set("x-cos-security-token", tok)
			cossign.AuthorizeRequest(r, cossign.Credentials{SecretID: id, SecretKey: key},
				cossign.NewWindow(time.Now().Add(3*time.Hour), time.Minute, time.Hour), cossign.DefaultSignedHeader)
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			return resp
		}, trace.KindTokenExpired, nil},
	}
	for _, tc := range cases {
		resp := tc.do()
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		rid := resp.Header.Get("x-cos-request-id")
		var ce struct{ Code, Message string }
		xml.Unmarshal(body, &ce)
		if resp.StatusCode < 400 || rid == "" {
			t.Errorf("%s: answered %d (request id %q)", tc.name, resp.StatusCode, rid)
			continue
		}
		// The XML alone leads to the same explanation the emulator decided.
		if a, ok := explain.ForCode(ce.Code, ce.Message); !ok || a.Kind != tc.kind {
			t.Errorf("%s: COS's %s %q explains as %q, want %q", tc.name, ce.Code, ce.Message, a.Kind, tc.kind)
		}
		var rows []consoleRow
		consoleGet(t, e, "/api/exchanges", &rows)
		var got *consoleRow
		for i := range rows {
			if rows[i].RequestID == rid {
				got = &rows[i]
			}
		}
		switch {
		case got == nil:
			t.Errorf("%s: request %s is not in the console", tc.name, rid)
		case got.Reason == nil || got.Reason.Kind != tc.kind || got.Advice == nil || got.Advice.Kind != tc.kind:
			t.Errorf("%s: the console shows %+v, advice %+v; want kind %s", tc.name, got.Reason, got.Advice, tc.kind)
		default:
			b, _ := json.Marshal(got)
			for _, s := range tc.says {
				if !strings.Contains(string(b), strings.ReplaceAll(s, "\n", `\n`)) {
					t.Errorf("%s: the console's row does not say %q: %s", tc.name, s, b)
				}
			}
		}
	}

	// STS's refusals too: the official SDK with the wrong SecretKey.
	cp := profile.NewClientProfile()
	cp.HttpProfile.Endpoint = strings.TrimPrefix(e.STSURL, "http://")
	cp.HttpProfile.Scheme = "HTTP"
	sc, _ := tcsts.NewClient(common.NewCredential(e.Env["COS_SECRET_ID"], "wrong"), "ap-guangzhou", cp)
	fr := tcsts.NewGetFederationTokenRequest()
	fr.Name, fr.Policy = common.StringPtr("x"), common.StringPtr("{}")
	if _, err := sc.GetFederationToken(fr); err == nil || !strings.Contains(err.Error(), "AuthFailure.SignatureFailure") {
		t.Fatalf("STS with a wrong key: %v", err)
	}

	var rows []consoleRow
	all := consoleGet(t, e, "/api/exchanges", &rows)
	bySeq := map[uint64]consoleRow{}
	for _, r := range rows {
		bySeq[r.Seq] = r
	}
	var sawSTS, sawLink bool
	for _, r := range rows {
		if r.Service == "sts-api" && r.Code == "AuthFailure.SignatureFailure" {
			sawSTS = r.Reason != nil && r.Reason.Kind == trace.KindMismatch && r.Advice != nil
		}
		// The denied upload links to the /sts call whose answer held its key,
		// and that call to the STS request it made.
		if r.Service == "cos" && r.Reason != nil && strings.Contains(r.Reason.Detail, "uploads/u2/x.txt") {
			p, ok := bySeq[r.Parent]
			sawLink = ok && p.Function && p.Service == "sts" && p.UID == "u1"
			var stsChild bool
			for _, k := range rows {
				stsChild = stsChild || k.Service == "sts-api" && k.Parent == p.Seq && k.Code == ""
			}
			if !stsChild {
				t.Errorf("the /sts call #%d has no STS request linked to it", p.Seq)
			}
		}
	}
	if !sawSTS || !sawLink {
		t.Errorf("STS refusal explained: %v; denied upload linked to its /sts call: %v", sawSTS, sawLink)
	}

	var st console.Stats
	stats := consoleGet(t, e, "/api/stats", &st)
	denied := 0
	for _, c := range st.Reasons {
		if c.Service == "cos" && c.Kind == trace.KindDenied {
			denied = c.Count
		}
	}
	if denied != 2 || len(st.Series) < 3 {
		t.Errorf("stats: %d CAM denials counted (want 2), %d series: %s", denied, len(st.Series), stats)
	}
	var objs []console.Object
	objects := consoleGet(t, e, "/api/objects", &objs)
	if len(objs) != 1 || objs[0].Key != "uploads/u1/ok.txt" || objs[0].Size != 4 || objs[0].ACL != "default" {
		t.Errorf("objects: %s", objects)
	}

	time.Sleep(100 * time.Millisecond) // the stream catches up
	cancel()
	<-streamDone
	streamMu.Lock()
	live := stream.String()
	streamMu.Unlock()
	if !strings.Contains(live, `"kind":"cam-denied"`) || !strings.Contains(live, `"service":"sts-api"`) {
		t.Errorf("the live stream misses exchanges:\n%.2000s", live)
	}
	for _, s := range []string{key, tok, id, other.Credentials.TmpSecretKey, other.Credentials.SessionToken,
		e.Env["COS_SECRET_KEY"], e.Env["COS_SECRET_ID"], e.Env["AUTH_JWT_SECRET"], e.token, "q-signature="} {
		for name, text := range map[string]string{"exchanges": all, "stats": stats, "objects": objects, "stream": live} {
			if strings.Contains(text, s) {
				t.Errorf("the console's %s carry a secret (%.10s…)", name, s)
			}
		}
	}
	e.noSecrets(t, key, tok)
}

// TestConsoleAPI: the console's own endpoints answer bad input with a 4xx
// JSON error, mint tokens the functions accept, and explain.
func TestConsoleAPI(t *testing.T) {
	e := startStack(t, nil)
	post := func(path, body string) (int, map[string]any) {
		resp, err := http.Post(e.ConsoleURL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, c := range []struct{ path, body string }{
		{"/api/token", `{"uid":""}`}, {"/api/token", `{"uid":"a/b"}`}, {"/api/token", `{"uid":"a","ttl":"9999h"}`},
		{"/api/token", `{"uid":"a","extra":1}`}, {"/api/token", `not json`}, {"/api/token", ``},
		{"/api/explain", `{"texts":[]}`}, {"/api/explain", `{"texts":["<html></html>"]}`},
	} {
		if s, out := post(c.path, c.body); s != 400 || out["error"] == nil {
			t.Errorf("%s %s: %d %v", c.path, c.body, s, out)
		}
	}
	s, out := post("/api/token", `{"uid":"carol","ttl":"10m"}`)
	tok, _ := out["token"].(string)
	if s != 200 || tok == "" {
		t.Fatalf("mint: %d %v", s, out)
	}
	if got := e.tempKey(t, tok); got.Credentials.TmpSecretID == "" {
		t.Fatal("the minted token was not accepted by /sts")
	}
	u := cossign.PresignURL(cossign.Credentials{SecretID: e.Env["COS_SECRET_ID"], SecretKey: e.Env["COS_SECRET_KEY"]},
		cossign.DefaultEndpoint(e.Env["COS_BUCKET"], e.Env["COS_REGION"]),
		cossign.Presign{Method: "GET", Key: "a.jpg", Window: cossign.Window{Start: 1700000000, End: 1700000600}})
	body, _ := json.Marshal(map[string]any{"texts": []string{u}, "secretKey": e.Env["COS_SECRET_KEY"]})
	s, out = post("/api/explain", string(body))
	if s != 200 || out["verdict"] != string(explain.Expired) {
		t.Fatalf("explain: %d %v", s, out)
	}
	if b, _ := json.Marshal(out); strings.Contains(string(b), e.Env["COS_SECRET_KEY"]) {
		t.Error("the explainer's answer repeats the SecretKey")
	}
	resp, err := http.Get(e.ConsoleURL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte("cosgate console")) {
		t.Errorf("the page: %d", resp.StatusCode)
	}
	if _, err := url.Parse(e.ConsoleURL); err != nil || !strings.HasPrefix(e.ConsoleURL, "http://127.0.0.1:") {
		t.Errorf("the console is not on loopback: %s", e.ConsoleURL)
	}
}

// presignAs asks /presign for a PUT of body as the caller with token.
func presignAs(t *testing.T, e *env, token, ext string, body []byte) presigned {
	t.Helper()
	var p presigned
	if s := e.call(t, "POST", "/presign", token, map[string]any{"ext": ext, "size": len(body)}, &p); s != 200 {
		t.Fatalf("/presign: %d", s)
	}
	return p
}

// downloadURL asks /download for a signed URL as the caller with token.
func downloadURL(t *testing.T, e *env, token, key string) string {
	t.Helper()
	var d struct{ URL string }
	if s := e.call(t, "GET", "/download?format=json&key="+url.QueryEscape(key), token, nil, &d); s != 200 {
		t.Fatalf("/download %s: %d", key, s)
	}
	return d.URL
}

// consoleRows reads the console's rows by COS request id, and the
// function calls by number.
func consoleRows(t *testing.T, e *env) (byRID map[string]consoleRow, bySeq map[uint64]consoleRow) {
	t.Helper()
	var rows []consoleRow
	consoleGet(t, e, "/api/exchanges", &rows)
	byRID, bySeq = map[string]consoleRow{}, map[uint64]consoleRow{}
	for _, r := range rows {
		bySeq[r.Seq] = r
		if r.RequestID != "" {
			byRID[r.RequestID] = r
		}
	}
	return byRID, bySeq
}

// lastCall is the number of the latest call to function in the console.
func lastCall(t *testing.T, e *env, function string) uint64 {
	t.Helper()
	_, bySeq := consoleRows(t, e)
	var last uint64
	for seq, r := range bySeq {
		if r.Function && r.Service == function && seq > last {
			last = seq
		}
	}
	return last
}

// TestConsoleLinksBySignature: /download signs every caller's URL with the
// account's key, and /presign signs one caller's uploads with one cached
// key; each COS request still links to the call that minted its own
// signature, whoever was handed the key last, and the minting call is
// named without the URL.
func TestConsoleLinksBySignature(t *testing.T) {
	e := startStack(t, nil)
	u2, err := e.Token("u2", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	type sent struct {
		name   string
		do     func() *http.Response
		caller string
		mintBy uint64
	}
	var cases []sent
	send := func(method, u string, headers map[string]string, body []byte) *http.Response {
		req, _ := http.NewRequest(method, u, bytes.NewReader(body))
		for k, v := range headers {
			if k != "Content-Length" {
				req.Header.Set(k, v)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	// Two uploads by u1 signed with her one cached key, one by u2 between.
	body := []byte("hello")
	first := presignAs(t, e, e.token, "txt", body)
	firstCall := lastCall(t, e, "presign")
	other := presignAs(t, e, u2, "txt", body)
	otherCall := lastCall(t, e, "presign")
	second := presignAs(t, e, e.token, "txt", body)
	if keyOf(first.URL) != keyOf(second.URL) {
		t.Fatalf("u1's uploads are not signed with one key: %s, %s", keyOf(first.URL), keyOf(second.URL))
	}
	cases = append(cases,
		sent{"u1's first upload", func() *http.Response { return send("PUT", first.URL, first.Headers, body) }, "u1", firstCall},
		sent{"u2's upload", func() *http.Response { return send("PUT", other.URL, other.Headers, body) }, "u2", otherCall},
	)
	var rids []string
	for _, c := range cases {
		resp := c.do()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", c.name, resp.StatusCode)
		}
		rids = append(rids, resp.Header.Get("x-cos-request-id"))
	}
	// Downloads: one temporary key per caller.
	d1 := downloadURL(t, e, e.token, first.Key)
	d1Call := lastCall(t, e, "download")
	d2 := downloadURL(t, e, u2, other.Key)
	d2Call := lastCall(t, e, "download")
	// Downloads are signed with a temporary key per caller, never the
	// account's (README, Downloads).
	if keyOf(d1) == keyOf(d2) || keyOf(d1) == e.Env["COS_SECRET_ID"] || keyOf(d2) == e.Env["COS_SECRET_ID"] {
		t.Fatalf("downloads are not signed with one temporary key per caller: %s, %s", keyOf(d1), keyOf(d2))
	}
	downloads := []sent{
		{"u1's download", func() *http.Response { return send("GET", d1, nil, nil) }, "u1", d1Call},
		{"u2's download", func() *http.Response { return send("GET", d2, nil, nil) }, "u2", d2Call},
		{"u1's download used for a PUT", func() *http.Response { return send("PUT", d1, nil, []byte("x")) }, "u1", d1Call},
	}
	for _, c := range downloads {
		resp := c.do()
		rids = append(rids, resp.Header.Get("x-cos-request-id"))
	}
	cases = append(cases, downloads...)
	byRID, bySeq := consoleRows(t, e)
	for i, c := range cases {
		r, ok := byRID[rids[i]]
		p := bySeq[r.Parent]
		switch {
		case !ok:
			t.Errorf("%s: not in the console", c.name)
		case r.Parent != c.mintBy || p.UID != c.caller:
			t.Errorf("%s: linked to #%d (%s %s), want #%d by %s", c.name, r.Parent, p.Service, p.UID, c.mintBy, c.caller)
		case r.Mint == nil || r.Mint.Seq != c.mintBy || r.Mint.Function != p.Service:
			t.Errorf("%s: minted by %+v, want #%d %s", c.name, r.Mint, c.mintBy, p.Service)
		}
	}
	if r := byRID[rids[len(rids)-1]]; r.Mint == nil || r.Mint.Diff == nil || r.Mint.Diff.Words != "signed for GET, sent as PUT" {
		t.Errorf("the download used for a PUT: %+v", r.Mint)
	}
	all := consoleGet(t, e, "/api/exchanges", nil)
	for _, s := range []string{"q-signature", first.URL, d1} {
		if strings.Contains(all, s) {
			t.Errorf("the console's rows carry a signed URL (%.30s…)", s)
		}
	}
}

// keyOf reads q-ak from a signed URL.
func keyOf(signed string) string {
	u, err := url.Parse(signed)
	if err != nil {
		return ""
	}
	return u.Query().Get("q-ak")
}

// TestConsoleComparesMint: a presigned PUT sent with another Content-Type,
// or with a bigger body than signed, is refused; the console names the
// /presign call that minted it and the first difference in plain words.
func TestConsoleComparesMint(t *testing.T) {
	e := startStack(t, nil)
	body := []byte("hello")
	for _, c := range []struct {
		name  string
		body  []byte
		extra map[string]string
		words string
	}{
		{"another Content-Type", body, map[string]string{"Content-Type": "application/octet-stream"},
			"signed for Content-Type text/plain; charset=utf-8, sent as application/octet-stream"},
		{"a bigger body", []byte("hello, and much more"), nil,
			"signed for a body of 5 bytes (Content-Length), sent 20 bytes"},
	} {
		p := presignPUT(t, e, "txt", body)
		call := lastCall(t, e, "presign")
		req, _ := http.NewRequest("PUT", p.URL, bytes.NewReader(c.body))
		for k, v := range p.Headers {
			if k != "Content-Length" {
				req.Header.Set(k, v)
			}
		}
		for k, v := range c.extra {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		ce := readCOSError(t, resp)
		resp.Body.Close()
		if resp.StatusCode != 403 || ce.Code != "SignatureDoesNotMatch" {
			t.Errorf("%s: COS answered %d %s", c.name, resp.StatusCode, ce.Code)
			continue
		}
		byRID, _ := consoleRows(t, e)
		r := byRID[resp.Header.Get("x-cos-request-id")]
		switch {
		case r.Mint == nil || r.Mint.Seq != call || r.Mint.Function != "presign" || r.Mint.Method != "PUT":
			t.Errorf("%s: minted by %+v, want #%d presign PUT", c.name, r.Mint, call)
		case r.Mint.Diff == nil || r.Mint.Diff.Words != c.words:
			t.Errorf("%s: the difference is %+v, want %q", c.name, r.Mint.Diff, c.words)
		}
	}
}
