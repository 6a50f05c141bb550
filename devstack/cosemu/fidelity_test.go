package cosemu_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"
)

// hostClient is a cos-go-sdk-v5 client for the bucket at baseURL (a COS
// domain, virtual-hosted or path-style) whose connections all reach the
// emulator, as DNS pointing COS's names at it would.
func (e *emu) hostClient(baseURL string) *cos.Client {
	u, _ := url.Parse(baseURL)
	addr := strings.TrimPrefix(e.URL, "http://")
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{Transport: &cos.AuthorizationTransport{
		SecretID: rootID, SecretKey: rootKey, Transport: &http.Transport{DialContext: dial},
	}})
}

// TestChunkedPut: cos-go-sdk-v5 sends a reader of unknown length chunked
// (Transfer-Encoding: chunked, no Content-Length), for a PUT and for a
// part; COS stores both.
func TestChunkedPut(t *testing.T) {
	e := start(t, nil)
	c := e.root()
	ctx := t.Context()
	body := strings.Repeat("chunked body ", 10000)
	// io.MultiReader hides the length, so net/http sends the body chunked.
	_, err := c.Object.Put(ctx, "chunked/object.txt", io.MultiReader(strings.NewReader(body)), nil)
	if err != nil {
		t.Fatalf("chunked PUT: %v", err)
	}
	resp, err := c.Object.Get(ctx, "chunked/object.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != body {
		t.Fatalf("read back %d bytes, want %d", len(got), len(body))
	}

	init, _, err := c.Object.InitiateMultipartUpload(ctx, "chunked/parts.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	part := strings.Repeat("p", 1<<20)
	pr, err := c.Object.UploadPart(ctx, "chunked/parts.bin", init.UploadID, 1, io.MultiReader(strings.NewReader(part)), nil)
	if err != nil {
		t.Fatalf("chunked UploadPart: %v", err)
	}
	opt := &cos.CompleteMultipartUploadOptions{Parts: []cos.Object{{PartNumber: 1, ETag: pr.Header.Get("ETag")}}}
	if _, _, err := c.Object.CompleteMultipartUpload(ctx, "chunked/parts.bin", init.UploadID, opt); err != nil {
		t.Fatal(err)
	}
	head, err := c.Object.Head(ctx, "chunked/parts.bin", nil)
	if err != nil || head.ContentLength != int64(len(part)) {
		t.Fatalf("multipart object: %v, %d bytes", err, head.ContentLength)
	}

	// A size condition cannot be dodged by leaving the length out: a
	// chunked body has no cos:content-length for the condition to match.
	k := e.tempKey(t, policy([]string{"name/cos:PutObject"}, []string{"chunked/*"},
		`{"numeric_less_than_equal":{"cos:content-length":100}}`), time.Hour)
	_, err = e.client(k.SecretID, k.SecretKey, k.Token).Object.Put(ctx, "chunked/capped", io.MultiReader(strings.NewReader(body)), nil)
	if se := sdkError(t, err); se.Response.StatusCode != 403 || se.Code != "AccessDenied" {
		t.Fatalf("chunked PUT past a size condition: %v", err)
	}
	if _, err := c.Object.Head(ctx, "chunked/capped", nil); err == nil {
		t.Fatal("the capped object was stored")
	}
}

// TestDefaultContentType: an upload without Content-Type gets the type of
// its extension from one fixed table (no charset, the same on every
// machine), else application/octet-stream.
func TestDefaultContentType(t *testing.T) {
	e := start(t, nil)
	for key, want := range map[string]string{
		"t/a.txt": "text/plain", "t/b.JPG": "image/jpeg", "t/c.json": "application/json", "t/d.html": "text/html",
		"t/e.png": "image/png", "t/f.mp4": "video/mp4", "t/g.unknownext": "application/octet-stream",
		"t/noext": "application/octet-stream", "t/h.js": "text/javascript", "t/i.webp": "image/webp",
	} {
		// A raw request: the SDKs may fill in a type themselves.
		req := e.signed(t, "PUT", key, []byte("x"), nil, rootID, rootKey, "", nil)
		req.Header.Del("Content-Type")
		if a := do(t, req); a.status != 200 {
			t.Fatalf("PUT %s: %d %s", key, a.status, a.body)
		}
		a := do(t, e.signed(t, "HEAD", key, nil, nil, rootID, rootKey, "", nil))
		if got := a.header.Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type %q, want %q", key, got, want)
		}
	}
}

// TestOtherBuckets: a request for any bucket but the emulated one is 404
// NoSuchBucket, whether the host or the path names it; the emulated
// bucket answers both ways. cos-go-sdk-v5 has no path-style mode (it
// resolves "/<key>" against BucketURL, dropping a bucket in its path), so
// the path-style requests are built here and signed by the SDK over the
// path they send, /<bucket>/<key>, as the JS SDKs' ForcePathStyle signed
// it before they dropped the option.
func TestOtherBuckets(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	hosted := e.hostClient("http://" + bucket + ".cos." + region + ".myqcloud.com")
	if _, err := hosted.Object.Put(ctx, "b/hosted", strings.NewReader("hosted"), nil); err != nil {
		t.Fatalf("virtual-hosted PUT: %v", err)
	}
	if _, err := hosted.Bucket.Head(ctx); err != nil {
		t.Fatalf("virtual-hosted HEAD bucket: %v", err)
	}
	// pathReq is a request for key in bucket b, path-style, signed over
	// the path it sends.
	pathReq := func(method, b, key string, body []byte) *http.Request {
		req := e.signed(t, method, b+"/"+key, body, nil, rootID, rootKey, "", nil)
		return req
	}
	if a := do(t, pathReq("PUT", bucket, "b/path", []byte("path"))); a.status != 200 {
		t.Fatalf("path-style PUT: %d %s", a.status, a.body)
	}
	if a := do(t, pathReq("HEAD", bucket, "", nil)); a.status != 200 {
		t.Fatalf("path-style HEAD bucket: %d", a.status)
	}
	// Both reach the one bucket.
	if resp, err := hosted.Object.Get(ctx, "b/path", nil); err != nil {
		t.Fatalf("virtual-hosted GET of the path-style upload: %v", err)
	} else {
		resp.Body.Close()
	}
	// A request signed for /<key> and sent as /<bucket>/<key> does not
	// verify: the signature covers the path as sent.
	req := e.signed(t, "GET", "b/path", nil, nil, rootID, rootKey, "", nil)
	req.URL.Path = "/" + bucket + "/b/path"
	if a := do(t, req); a.status != 403 || a.err.Code != "SignatureDoesNotMatch" {
		t.Fatalf("signed for /key, sent as /bucket/key: %d %s", a.status, a.body)
	}

	otherAppID := strings.TrimSuffix(bucket, "1250000000") + "1300000000"
	for name, c := range map[string]*cos.Client{
		"host, same APPID":  e.hostClient("http://missing-1250000000.cos." + region + ".myqcloud.com"),
		"host, other APPID": e.hostClient("http://" + otherAppID + ".cos." + region + ".myqcloud.com"),
	} {
		_, err := c.Bucket.Head(ctx)
		if se := sdkError(t, err); se.Response.StatusCode != 404 {
			t.Errorf("%s: HEAD bucket answered %d, want 404", name, se.Response.StatusCode)
		}
		_, err = c.Object.Delete(ctx, "b/hosted")
		if se := sdkError(t, err); se.Response.StatusCode != 404 || se.Code != "NoSuchBucket" {
			t.Errorf("%s: DELETE answered %d %s, want 404 NoSuchBucket", name, se.Response.StatusCode, se.Code)
		}
		_, err = c.Object.Put(ctx, "b/elsewhere", strings.NewReader("x"), nil)
		if se := sdkError(t, err); se.Code != "NoSuchBucket" {
			t.Errorf("%s: PUT answered %s, want NoSuchBucket", name, se.Code)
		}
	}
	for _, b := range []string{"missing-1250000000", otherAppID} {
		if a := do(t, pathReq("DELETE", b, "b/hosted", nil)); a.status != 404 || a.err.Code != "NoSuchBucket" {
			t.Errorf("path-style DELETE in %s: %d %s", b, a.status, a.body)
		}
		if a := do(t, pathReq("PUT", b, "b/elsewhere", []byte("x"))); a.status != 404 || a.err.Code != "NoSuchBucket" {
			t.Errorf("path-style PUT in %s: %d %s", b, a.status, a.body)
		}
		if a := do(t, pathReq("HEAD", b, "", nil)); a.status != 404 {
			t.Errorf("path-style HEAD of %s: %d", b, a.status)
		}
	}
	if !e.store.Exists("b/hosted") || e.store.Exists("b/elsewhere") {
		t.Fatal("a request for another bucket reached the emulated one")
	}
}

// TestKeysAreLiteral: COS's only documented rules for a key are UTF-8, at
// most 850 bytes, no leading / or \ and no CAN/EM/SUB/ESC; "." and ".."
// segments and doubled slashes are part of the name
// (https://cloud.tencent.com/document/product/436/13324). The SDKs send
// them as they are (cos-go-sdk-v5 escapes every "/" in a key), and refuse
// only a GET whose key resolves to "/" on their side. The emulator stores
// such keys literally, never resolving a path, and refuses a leading "/".
func TestKeysAreLiteral(t *testing.T) {
	e := start(t, nil)
	c := e.root()
	ctx := t.Context()
	for _, key := range []string{"n/a/../b", "n/./c", "n//d", "n/e/..", "n/f/./../g//"} {
		if _, err := c.Object.Put(ctx, key, strings.NewReader(key), nil); err != nil {
			t.Fatalf("PUT %q: %v", key, err)
		}
		if !e.store.Exists(key) {
			t.Fatalf("%q was not stored under its literal name", key)
		}
		resp, err := c.Object.Get(ctx, key, nil)
		if err != nil {
			t.Fatalf("GET %q: %v", key, err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != key {
			t.Fatalf("GET %q read %q", key, got)
		}
	}
	for _, resolved := range []string{"n/b", "n/c", "n/d", "n/g", "g"} {
		if e.store.Exists(resolved) {
			t.Errorf("%q was stored: a path was resolved", resolved)
		}
	}
	// The key: the SDK sends it with its leading slashes, and COS
	// refuses a key beginning with "/".
	_, err := c.Object.Put(ctx, "//abc/.//def//../../", strings.NewReader("x"), nil)
	if se := sdkError(t, err); se.Response.StatusCode != 400 || se.Code != "InvalidObjectName" {
		t.Fatalf("a key beginning with /: %v", err)
	}
	// The SDK's own check: a GET of a key that resolves to "/" never leaves
	// it, though its PUT does, and COS keeps it by its name.
	if _, err := c.Object.Put(ctx, "n/..", strings.NewReader("x"), nil); err != nil || !e.store.Exists("n/..") {
		t.Fatalf("PUT n/..: %v", err)
	}
	if _, err := c.Object.Get(ctx, "n/..", nil); !errors.Is(err, cos.ObjectKeySimplifyCheckErr) {
		t.Fatalf("cos-go-sdk-v5 sent a GET of n/..: %v", err)
	}
}

// TestTrafficLimit: x-cos-traffic-limit (bits per second, header or query)
// paces PUT, GET and UploadPart to about the given rate; a value outside
// 819200–838860800 is 400 InvalidArgument. The checks are lower bounds on
// the time taken, which a slow machine cannot break.
func TestTrafficLimit(t *testing.T) {
	e := start(t, nil)
	c := e.root()
	ctx := t.Context()
	const limit = 819200 // 100 KiB/s, the least COS takes
	body := strings.Repeat("t", 150<<10)
	minTime := time.Duration(float64(len(body)) / (limit / 8) * 0.9 * float64(time.Second))

	begin := time.Now()
	_, err := c.Object.Put(ctx, "slow/up.bin", strings.NewReader(body), &cos.ObjectPutOptions{
		ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XCosTrafficLimit: limit},
	})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < minTime {
		t.Errorf("PUT of %d bytes at %d bit/s took %v, want at least %v", len(body), limit, took, minTime)
	}

	begin = time.Now()
	resp, err := c.Object.Get(ctx, "slow/up.bin", &cos.ObjectGetOptions{XCosTrafficLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if took := time.Since(begin); took < minTime || string(got) != body {
		t.Errorf("GET of %d bytes at %d bit/s took %v, want at least %v", len(got), limit, took, minTime)
	}

	// The query form paces as the header does.
	begin = time.Now()
	a := do(t, e.signed(t, "GET", "slow/up.bin?x-cos-traffic-limit=819200", nil, nil, rootID, rootKey, "", nil))
	if took := time.Since(begin); a.status != 200 || took < minTime {
		t.Errorf("GET with the limit in its query: %d in %v, want at least %v", a.status, took, minTime)
	}

	for _, bad := range []string{"819199", "838860801", "fast", "-1"} {
		req := e.signed(t, "GET", "slow/up.bin?x-cos-traffic-limit="+bad, nil, nil, rootID, rootKey, "", nil)
		if a := do(t, req); a.status != 400 || a.err.Code != "InvalidArgument" {
			t.Errorf("limit %s: %d %s", bad, a.status, a.body)
		}
		req = e.signed(t, "PUT", "slow/bad", []byte("x"), http.Header{"X-Cos-Traffic-Limit": {bad}}, rootID, rootKey, "", nil)
		if a := do(t, req); a.status != 400 || a.err.Code != "InvalidArgument" {
			t.Errorf("PUT limit %s: %d %s", bad, a.status, a.body)
		}
	}
	if e.store.Exists("slow/bad") {
		t.Fatal("a PUT with a bad limit was stored")
	}

	// A client that gives up mid-transfer (pause) is let go at once, and
	// the object is whole for the next try (resume with a Range).
	ctx2, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	resp, err = c.Object.Get(ctx2, "slow/up.bin", &cos.ObjectGetOptions{XCosTrafficLimit: limit})
	if err == nil {
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if n >= int64(len(body)) {
			t.Fatalf("the paused GET read all %d bytes", n)
		}
	}
	resp, err = c.Object.Get(ctx, "slow/up.bin", &cos.ObjectGetOptions{Range: "bytes=100000-", XCosTrafficLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(rest) != body[100000:] {
		t.Fatalf("resumed GET read %d bytes, want %d", len(rest), len(body)-100000)
	}
}
