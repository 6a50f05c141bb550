package cosemu_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"hash/crc64"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cosemu"
)

// TestGoSDKObjectLifecycle: put, head, get (whole, range, presigned,
// response-* overrides), delete, all through cos-go-sdk-v5.
func TestGoSDKObjectLifecycle(t *testing.T) {
	for name, store := range map[string]func(t *testing.T) cosemu.Store{
		"memory": func(*testing.T) cosemu.Store { return cosemu.NewMemoryStore() },
		"disk": func(t *testing.T) cosemu.Store {
			s, err := cosemu.NewDiskStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := start(t, store(t))
			c := e.root()
			key := "docs/报告 2024 (final)!*'~+&=.txt"
			body := []byte("hello, emulated COS")
			_, err := c.Object.Put(t.Context(), key, bytes.NewReader(body), &cos.ObjectPutOptions{
				ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{ContentType: "text/plain", XCosMetaXXX: &http.Header{"x-cos-meta-owner": {"u 1"}}, CacheControl: "no-cache"},
			})
			if err != nil {
				t.Fatal(err)
			}
			resp, err := c.Object.Head(t.Context(), key, nil)
			if err != nil {
				t.Fatal(err)
			}
			sum := md5.Sum(body)
			crc := crc64.Checksum(body, crc64.MakeTable(crc64.ECMA))
			h := resp.Header
			if h.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` || h.Get("Content-Length") != strconv.Itoa(len(body)) || h.Get("Content-Type") != "text/plain" ||
				h.Get("x-cos-meta-owner") != "u 1" || h.Get("Cache-Control") != "no-cache" || h.Get("x-cos-hash-crc64ecma") != strconv.FormatUint(crc, 10) {
				t.Fatalf("head headers: %v", h)
			}
			resp, err = c.Object.Get(t.Context(), key, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, body) {
				t.Fatalf("get = %q", got)
			}
			resp, err = c.Object.Get(t.Context(), key, &cos.ObjectGetOptions{Range: "bytes=7-12"})
			if err != nil {
				t.Fatal(err)
			}
			got, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 206 || string(got) != "emulat" {
				t.Fatalf("range: %d %q", resp.StatusCode, got)
			}
			// A pre-signed GET with a signed response-content-disposition.
			u, err := c.Object.GetPresignedURL(t.Context(), http.MethodGet, key, rootID, rootKey, time.Minute, &cos.PresignedURLOptions{
				Query: &url.Values{"response-content-disposition": {`attachment; filename="a b.txt"`}},
			})
			if err != nil {
				t.Fatal(err)
			}
			a := do(t, mustRequest(t, "GET", u.String()))
			if a.status != 200 || !bytes.Equal(a.body, body) || a.header.Get("Content-Disposition") != `attachment; filename="a b.txt"` {
				t.Fatalf("presigned: %d %s %v", a.status, a.body, a.header)
			}
			if _, err := c.Object.Delete(t.Context(), key); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Object.Head(t.Context(), key, nil); !cos.IsNotFoundError(err) {
				t.Fatalf("after delete: %v", err)
			}
		})
	}
}

// TestUploadPinning: the signed Content-Length and Content-MD5 bind the
// body, forbid-overwrite holds, key rules apply, and a missing length is
// refused.
func TestUploadPinning(t *testing.T) {
	e := start(t, nil)
	body := []byte("0123456789")
	sum := md5.Sum(body)
	goodMD5 := base64.StdEncoding.EncodeToString(sum[:])
	other := md5.Sum([]byte("something else"))
	put := func(key string, b []byte, h http.Header) answer {
		return do(t, e.signed(t, "PUT", key, b, h, rootID, rootKey, "", nil))
	}
	if a := put("p/md5", body, http.Header{"Content-Md5": {goodMD5}}); a.status != 200 {
		t.Fatalf("good MD5: %d %s", a.status, a.body)
	}
	if a := put("p/md5bad", body, http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(other[:])}}); a.status != 400 || a.err.Code != "BadDigest" {
		t.Fatalf("wrong MD5: %d %s", a.status, a.body)
	}
	if a := put("p/md5bad", body, http.Header{"Content-Md5": {"not base64!"}}); a.status != 400 || a.err.Code != "InvalidDigest" {
		t.Fatalf("malformed MD5: %d %s", a.status, a.body)
	}
	if e.store.Exists("p/md5bad") {
		t.Fatal("a refused upload became visible")
	}
	ow := http.Header{"X-Cos-Forbid-Overwrite": {"true"}}
	if a := put("p/once", body, ow); a.status != 200 {
		t.Fatalf("first: %d", a.status)
	}
	if a := put("p/once", []byte("overwrite"), ow); a.status != 409 || a.err.Code != "FileAlreadyExists" {
		t.Fatalf("second: %d %s", a.status, a.body)
	}
	if a := put(strings.Repeat("k", 851), body, nil); a.status != 400 || a.err.Code != "KeyTooLong" {
		t.Fatalf("long key: %d %s", a.status, a.body)
	}
	if a := put("p/meta", body, http.Header{"X-Cos-Meta-Big": {strings.Repeat("m", 2100)}}); a.status != 400 || a.err.Code != "MetadataTooLarge" {
		t.Fatalf("2 KB of metadata: %d %s", a.status, a.body)
	}
	if a := put("p/esc\x1bape", body, nil); a.status != 400 || a.err.Code != "InvalidObjectName" {
		t.Fatalf("ESC in key: %d %s", a.status, a.body)
	}
	// A chunked body has no Content-Length; COS stores it all the same.
	req := e.signed(t, "PUT", "p/chunked", nil, nil, rootID, rootKey, "", nil)
	req.Body, req.ContentLength = io.NopCloser(strings.NewReader("abc")), -1
	if a := do(t, req); a.status != 200 {
		t.Fatalf("chunked: %d %s", a.status, a.body)
	}
	// The signature pins Content-Length: a body of another length with the
	// same URL is refused before anything is stored.
	u, err := e.root().Object.GetPresignedURL(t.Context(), http.MethodPut, "p/pinned", rootID, rootKey, time.Minute, &cos.PresignedURLOptions{
		Header: &http.Header{"Content-Length": {"10"}, "Content-Type": {"text/plain"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body        string
		contentType string
		status      int
	}{{"0123456789", "text/plain", 200}, {"0123456789ab", "text/plain", 403}, {"0123456789", "image/png", 403}} {
		r, _ := http.NewRequest("PUT", u.String(), strings.NewReader(c.body))
		r.Header.Set("Content-Type", c.contentType)
		if a := do(t, r); a.status != c.status {
			t.Errorf("%q as %s: %d %s", c.body, c.contentType, a.status, a.body)
		}
	}
}

// TestIncompleteBodyIsNeverVisible: a PUT whose body stops short of its
// Content-Length is refused and leaves nothing behind, on disk too.
func TestIncompleteBodyIsNeverVisible(t *testing.T) {
	dir := t.TempDir()
	store, err := cosemu.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, store)
	req := e.signed(t, "PUT", "p/partial", nil, http.Header{"Content-Length": {"100"}}, rootID, rootKey, "", nil)
	conn, err := net.Dial("tcp", e.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	head.WriteString("PUT /p/partial HTTP/1.1\r\nHost: " + req.Host + "\r\nContent-Length: 100\r\nAuthorization: " + req.Header.Get("Authorization") + "\r\n\r\n")
	head.WriteString(strings.Repeat("x", 40))
	conn.Write(head.Bytes())
	// While the body is half sent, the key does not exist.
	time.Sleep(50 * time.Millisecond)
	if _, err := e.root().Object.Head(t.Context(), "p/partial", nil); !cos.IsNotFoundError(err) {
		t.Fatalf("half-written object is visible: %v", err)
	}
	conn.(*net.TCPConn).CloseWrite()
	reply, _ := io.ReadAll(conn)
	if !bytes.Contains(reply, []byte("400 Bad Request")) || !bytes.Contains(reply, []byte("<Code>IncompleteBody</Code>")) {
		t.Fatalf("reply: %s", reply)
	}
	if _, err := e.root().Object.Head(t.Context(), "p/partial", nil); !cos.IsNotFoundError(err) {
		t.Fatalf("incomplete object is visible: %v", err)
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
	// Objects outlive the emulator; unfinished writes do not.
	if _, err := e.root().Object.Put(t.Context(), "p/kept", strings.NewReader("kept"), nil); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tmp", "put-leftover"), []byte("junk"), 0o600)
	again, err := cosemu.NewDiskStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Exists("p/kept") {
		t.Fatal("object lost across a restart")
	}
	if left, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(left) != 0 {
		t.Fatalf("leftovers not cleaned: %v", left)
	}
}

// TestTempKeyConditions: a temporary key's policy conditions bind the
// upload whatever the client signs.
func TestTempKeyConditions(t *testing.T) {
	e := start(t, nil)
	k := e.tempKey(t, policy([]string{"name/cos:PutObject"}, []string{"uploads/u1/*"},
		`{"numeric_less_than_equal":{"cos:content-length":10},"string_equal":{"cos:content-type":"image/png","cos:x-cos-forbid-overwrite":"true"}}`), time.Hour)
	good := http.Header{"Content-Type": {"image/png"}, "X-Cos-Forbid-Overwrite": {"true"}}
	cases := []struct {
		name   string
		key    string
		body   string
		h      http.Header
		status int
	}{
		{"within every condition", "uploads/u1/ok.png", "0123456789", good, 200},
		{"too large", "uploads/u1/big.png", "0123456789a", good, 403},
		{"wrong type", "uploads/u1/t.png", "x", http.Header{"Content-Type": {"text/plain"}, "X-Cos-Forbid-Overwrite": {"true"}}, 403},
		{"without forbid-overwrite", "uploads/u1/o.png", "x", http.Header{"Content-Type": {"image/png"}}, 403},
		{"outside the prefix", "uploads/u2/ok.png", "x", good, 403},
	}
	for _, c := range cases {
		a := do(t, e.signed(t, "PUT", c.key, []byte(c.body), c.h.Clone(), k.SecretID, k.SecretKey, k.Token, nil))
		if a.status != c.status || (c.status == 403 && a.err.Message != "Access Denied.") {
			t.Errorf("%s: %d %s", c.name, a.status, a.body)
		}
	}
}

// TestCORS: preflights are answered and exposed headers let browser SDKs
// read ETag.
func TestCORS(t *testing.T) {
	e := start(t, nil)
	r := mustRequest(t, "OPTIONS", e.URL+"/uploads/u1/a.png")
	r.Header.Set("Origin", "https://app.example")
	r.Header.Set("Access-Control-Request-Method", "PUT")
	r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-cos-security-token")
	a := do(t, r)
	if a.status != 200 || a.header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		!strings.Contains(a.header.Get("Access-Control-Allow-Methods"), "PUT") ||
		a.header.Get("Access-Control-Allow-Headers") != "authorization,content-type,x-cos-security-token" {
		t.Fatalf("preflight: %d %v", a.status, a.header)
	}
	req := e.signed(t, "PUT", "uploads/u1/a.png", []byte("x"), http.Header{"Origin": {"https://app.example"}}, rootID, rootKey, "", nil)
	a = do(t, req)
	if a.status != 200 || !strings.Contains(a.header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Fatalf("CORS on PUT: %v", a.header)
	}
}
