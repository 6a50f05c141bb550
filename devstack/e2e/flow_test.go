package e2e_test

import (
	"bytes"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tencentyun/cos-go-sdk-v5"
)

// TestTempKeyWithGoSDK: a key from /sts lets cos-go-sdk-v5 upload under
// the caller's prefix and nowhere else.
func TestTempKeyWithGoSDK(t *testing.T) {
	e := startStack(t, nil)
	k := e.tempKey(t, e.token)
	c := e.cosClient(k.Credentials.TmpSecretID, k.Credentials.TmpSecretKey, k.Credentials.SessionToken)
	resp, err := c.Object.Put(t.Context(), "uploads/u1/photo.jpg", strings.NewReader("jpeg bytes"), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload under the prefix: %v", err)
	}
	for _, key := range []string{"uploads/u2/photo.jpg", "uploads/u1x/photo.jpg", "photo.jpg"} {
		_, err := c.Object.Put(t.Context(), key, strings.NewReader("x"), nil)
		var ce *cos.ErrorResponse
		if !errors.As(err, &ce) || ce.Response.StatusCode != 403 || ce.Code != "AccessDenied" || ce.Message != "Access Denied." {
			t.Errorf("upload to %s: %v", key, err)
		}
	}
	// The key grants uploads only.
	if _, err := c.Object.Get(t.Context(), "uploads/u1/photo.jpg", nil); err == nil {
		t.Error("a PutObject key could read")
	}
	e.noSecrets(t, k.Credentials.TmpSecretKey, k.Credentials.SessionToken)
}

// TestPresignPUT: the returned URL and headers upload exactly the declared
// file, once.
func TestPresignPUT(t *testing.T) {
	e := startStack(t, nil)
	var p struct {
		URL, Key string
		Headers  map[string]string
	}
	body := []byte("twelve bytes")
	if s := e.call(t, "POST", "/presign", e.token, map[string]any{"ext": "png", "size": len(body)}, &p); s != 200 {
		t.Fatalf("/presign: %d", s)
	}
	put := func(b []byte, override map[string]string) (int, cosError) {
		req, _ := http.NewRequest("PUT", p.URL, bytes.NewReader(b))
		for k, v := range p.Headers {
			if k != "Content-Length" { // net/http sets it from the body
				req.Header.Set(k, v)
			}
		}
		for k, v := range override {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, readCOSError(t, resp)
	}
	if s, ce := put(body, map[string]string{"Content-Type": "text/html"}); s != 403 || ce.Code != "SignatureDoesNotMatch" {
		t.Errorf("another Content-Type: %d %+v", s, ce)
	}
	if s, ce := put(append(body, "and more"...), nil); s != 403 || ce.Code != "SignatureDoesNotMatch" {
		t.Errorf("a larger body: %d %+v", s, ce)
	}
	if s, ce := put(body, nil); s != 200 {
		t.Fatalf("upload: %d %+v", s, ce)
	}
	if s, ce := put(body, nil); s != 409 || ce.Code != "FileAlreadyExists" {
		t.Errorf("again: %d %+v", s, ce)
	}
	resp, err := e.root().Object.Get(t.Context(), p.Key, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, body) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("stored %q as %s", got, resp.Header.Get("Content-Type"))
	}
	e.noSecrets(t)
}

// TestPresignPOST: the returned form, posted as multipart/form-data with
// the file last, uploads; a larger file is refused by the policy.
func TestPresignPOST(t *testing.T) {
	e := startStack(t, nil)
	type form struct {
		URL, Key, FileField string
		FormData            orderedFields
	}
	presign := func(size int) form {
		var f form
		body := map[string]any{"method": "POST", "ext": "jpg", "size": size}
		if s := e.call(t, "POST", "/presign", e.token, body, &f); s != 200 {
			t.Fatalf("/presign POST: %d", s)
		}
		return f
	}
	post := func(f form, file []byte) (*http.Response, cosError) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for _, kv := range f.FormData {
			mw.WriteField(kv[0], kv[1])
		}
		fw, _ := mw.CreateFormFile(f.FileField, "photo.jpg")
		fw.Write(file)
		mw.Close()
		req, _ := http.NewRequest("POST", f.URL, &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp, readCOSError(t, resp)
	}
	f := presign(8)
	resp, ce := post(f, []byte("8 bytes!"))
	if resp.StatusCode != 204 && resp.StatusCode != 200 {
		t.Fatalf("form upload: %d %+v", resp.StatusCode, ce)
	}
	if ok, err := e.root().Object.IsExist(t.Context(), f.Key); !ok || err != nil {
		t.Fatalf("%s was not stored", f.Key)
	}
	if resp, ce := post(presign(8), []byte("nine byte")); resp.StatusCode != 400 || ce.Code != "EntityTooLarge" {
		t.Errorf("oversize: %d %+v", resp.StatusCode, ce)
	}
	e.noSecrets(t)
}

// TestDownload: the 302 leads to the same bytes; a key outside the
// caller's prefixes is refused before any URL is signed.
func TestDownload(t *testing.T) {
	e := startStack(t, nil)
	body := []byte("the bytes that were uploaded")
	key := "uploads/u1/2026/report 1.txt"
	if _, err := e.root().Object.Put(t.Context(), key, bytes.NewReader(body), nil); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/download?key=" + url.QueryEscape(key), "/download/uploads/u1/2026/report%201.txt"} {
		req, _ := http.NewRequest("GET", e.FunctionsURL+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 302 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		got, err := http.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(got.Body)
		got.Body.Close()
		if got.StatusCode != 200 || !bytes.Equal(b, body) {
			t.Fatalf("%s: following the redirect gave %d %q", path, got.StatusCode, b)
		}
	}
	var out map[string]any
	if s := e.call(t, "GET", "/download?key=uploads/u2/x.txt", e.token, nil, &out); s != 403 {
		t.Errorf("another caller's key: %d %v", s, out)
	}
	e.noSecrets(t)
}
