package cosemu_test

import (
	"bytes"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cosemu"
)

// TestGoSDKMultipartUpload: cos-go-sdk-v5's Upload splits a file into
// parts (Initiate, UploadPart ×3 in parallel, Complete) and checks the
// CRC64 the emulator reports; the object reads back whole. The temporary
// key is granted the multipart actions on its prefix only.
func TestGoSDKMultipartUpload(t *testing.T) {
	store, err := cosemu.NewDiskStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	e := start(t, store)
	k := e.tempKey(t, policy([]string{"name/cos:InitiateMultipartUpload", "name/cos:UploadPart", "name/cos:CompleteMultipartUpload",
		"name/cos:ListParts", "name/cos:ListMultipartUploads", "name/cos:AbortMultipartUpload"}, []string{"big/u1/*"}, ""), time.Hour)
	data := make([]byte, 2<<20+12345)
	rand.Read(data)
	file := filepath.Join(t.TempDir(), "big.bin")
	os.WriteFile(file, data, 0o600)
	c := e.client(k.SecretID, k.SecretKey, k.Token)
	res, _, err := c.Object.Upload(t.Context(), "big/u1/file.bin", file, &cos.MultiUploadOptions{PartSize: 1, ThreadPoolSize: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.ETag, `-3"`) {
		t.Fatalf("multipart ETag %q", res.ETag)
	}
	resp, err := e.root().Object.Get(t.Context(), "big/u1/file.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, data) {
		t.Fatal("object differs from the file")
	}
	// The same key may not upload parts outside its prefix.
	if _, _, err := c.Object.InitiateMultipartUpload(t.Context(), "big/u2/file.bin", nil); sdkError(t, err).Code != "AccessDenied" {
		t.Fatalf("initiate outside the prefix: %v", err)
	}
}

// TestMultipartRules: ListParts and ListMultipartUploads see an upload in
// progress; Complete checks order, ETags and the 1 MiB minimum part;
// Abort removes it.
func TestMultipartRules(t *testing.T) {
	e := start(t, nil)
	c := e.root()
	key := "mp/a.bin"
	ini, _, err := c.Object.InitiateMultipartUpload(t.Context(), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	part := func(n int, size int) string {
		resp, err := c.Object.UploadPart(t.Context(), key, ini.UploadID, n, bytes.NewReader(bytes.Repeat([]byte{byte(n)}, size)), nil)
		if err != nil {
			t.Fatal(err)
		}
		return resp.Header.Get("ETag")
	}
	e1, e2 := part(1, 100), part(2, 100)
	parts, _, err := c.Object.ListParts(t.Context(), key, ini.UploadID, nil)
	if err != nil || len(parts.Parts) != 2 || parts.Parts[0].ETag != e1 || parts.Parts[1].Size != 100 {
		t.Fatalf("list parts: %+v %v", parts, err)
	}
	ups, _, err := c.Bucket.ListMultipartUploads(t.Context(), &cos.ListMultipartUploadsOptions{Prefix: "mp/"})
	if err != nil || len(ups.Uploads) != 1 || ups.Uploads[0].UploadID != ini.UploadID {
		t.Fatalf("list uploads: %+v %v", ups, err)
	}
	complete := func(ps ...cos.Object) error {
		_, _, err := c.Object.CompleteMultipartUpload(t.Context(), key, ini.UploadID, &cos.CompleteMultipartUploadOptions{Parts: ps})
		return err
	}
	for _, tc := range []struct {
		parts []cos.Object
		code  string
	}{
		{[]cos.Object{{PartNumber: 1, ETag: e2}}, "InvalidPart"},
		{[]cos.Object{{PartNumber: 1, ETag: e1}, {PartNumber: 2, ETag: e2}}, "EntityTooSmall"},
	} {
		if err := complete(tc.parts...); sdkError(t, err).Code != tc.code {
			t.Errorf("complete %v: %v, want %s", tc.parts, err, tc.code)
		}
	}
	// cos-go-sdk-v5 sorts the parts it is given, so the order check needs a
	// request of our own.
	xmlBody := "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>" + e2 + "</ETag></Part><Part><PartNumber>1</PartNumber><ETag>" + e1 + "</ETag></Part></CompleteMultipartUpload>"
	req := e.signed(t, "POST", key+"?uploadId="+ini.UploadID, []byte(xmlBody), nil, rootID, rootKey, "", nil)
	if a := do(t, req); a.status != 400 || a.err.Code != "InvalidPartOrder" {
		t.Errorf("parts out of order: %d %s", a.status, a.body)
	}
	// A single small part is a valid (last) part.
	if err := complete(cos.Object{PartNumber: 1, ETag: e1}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Object.UploadPart(t.Context(), key, ini.UploadID, 3, strings.NewReader("x"), nil); sdkError(t, err).Code != "NoSuchUpload" {
		t.Fatalf("part after complete: %v", err)
	}
	ini2, _, _ := c.Object.InitiateMultipartUpload(t.Context(), "mp/b.bin", nil)
	if _, err := c.Object.AbortMultipartUpload(t.Context(), "mp/b.bin", ini2.UploadID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Object.ListParts(t.Context(), "mp/b.bin", ini2.UploadID, nil); sdkError(t, err).Code != "NoSuchUpload" {
		t.Fatalf("list after abort: %v", err)
	}
}
