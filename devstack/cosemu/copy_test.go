package cosemu_test

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cosemu"
)

// source is how cos-go-sdk-v5 callers name a copy source in this bucket:
// <Bucket-APPID>.cos.<Region>.myqcloud.com/<key>, the SDK encoding the key.
func source(key string) string { return bucket + ".cos." + region + ".myqcloud.com/" + key }

// bothStores runs f against a memory store and a disk store.
func bothStores(t *testing.T, f func(t *testing.T, e *emu)) {
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
		t.Run(name, func(t *testing.T) { f(t, start(t, store(t))) })
	}
}

// read GETs key with the root key.
func (e *emu) read(t *testing.T, key string) ([]byte, http.Header) {
	t.Helper()
	resp, err := e.root().Object.Get(t.Context(), key, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return b, resp.Header
}

func (e *emu) put(t *testing.T, key string, body []byte, h http.Header) {
	t.Helper()
	_, err := e.root().Object.Put(t.Context(), key, bytes.NewReader(body),
		&cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XOptionHeader: &h}})
	if err != nil {
		t.Fatalf("PUT %s: %v", key, err)
	}
}

func copyHeaders(h cos.ObjectCopyHeaderOptions) *cos.ObjectCopyOptions {
	return &cos.ObjectCopyOptions{ObjectCopyHeaderOptions: &h}
}

// TestGoSDKCopy: cos-go-sdk-v5's Object.Copy with each metadata directive,
// the destination's own ACL, and COS's refusals (missing source, a
// self-copy without Replaced, forbid-overwrite, x-cos-copy-source-If-*).
func TestGoSDKCopy(t *testing.T) {
	bothStores(t, func(t *testing.T, e *emu) {
		c := e.root()
		ctx := t.Context()
		src := "docs/报告 2024 (final)!*'~+&=.txt"
		body := []byte("the source's bytes")
		e.put(t, src, body, http.Header{"Content-Type": {"text/plain"}, "Cache-Control": {"no-cache"},
			"X-Cos-Meta-Owner": {"u 1"}, "X-Cos-Acl": {"public-read"}})

		// Copy (the default): the source's metadata, whatever the request
		// says; the bucket's ACL, not the source's.
		res, _, err := c.Object.Copy(ctx, "docs/copy.bin", source(src), copyHeaders(cos.ObjectCopyHeaderOptions{
			ContentType: "image/png", XCosMetaXXX: &http.Header{"X-Cos-Meta-Owner": {"someone else"}},
		}))
		if err != nil {
			t.Fatal(err)
		}
		sum := md5.Sum(body)
		crc := crc64.Checksum(body, crc64.MakeTable(crc64.ECMA))
		if res.ETag != `"`+hex.EncodeToString(sum[:])+`"` || res.CRC64 != strconv.FormatUint(crc, 10) {
			t.Fatalf("CopyObjectResult %+v", res)
		}
		if _, err := time.Parse("2006-01-02T15:04:05Z", res.LastModified); err != nil {
			t.Fatalf("LastModified %q is not ISO 8601: %v", res.LastModified, err)
		}
		got, h := e.read(t, "docs/copy.bin")
		if !bytes.Equal(got, body) || h.Get("Content-Type") != "text/plain" || h.Get("Cache-Control") != "no-cache" ||
			h.Get("X-Cos-Meta-Owner") != "u 1" {
			t.Fatalf("copied object: %q %v", got, h)
		}
		if resp, err := http.Get(e.URL + "/docs/copy.bin"); err != nil || resp.StatusCode != 403 {
			t.Fatalf("the copy of a public-read object is readable anonymously: %v %v", resp, err)
		}

		// Replaced: this request's metadata, and nothing of the source's.
		_, _, err = c.Object.Copy(ctx, "docs/replaced.txt", source(src), copyHeaders(cos.ObjectCopyHeaderOptions{
			XCosMetadataDirective: "Replaced", ContentType: "text/markdown",
			XCosMetaXXX: &http.Header{"X-Cos-Meta-Owner": {"u 2"}},
		}))
		if err != nil {
			t.Fatal(err)
		}
		got, h = e.read(t, "docs/replaced.txt")
		if !bytes.Equal(got, body) || h.Get("Content-Type") != "text/markdown" || h.Get("X-Cos-Meta-Owner") != "u 2" ||
			h.Get("Cache-Control") != "" {
			t.Fatalf("replaced object: %q %v", got, h)
		}

		// A missing source is 404 and leaves the destination as it was.
		e.put(t, "docs/keep.txt", []byte("kept"), nil)
		_, _, err = c.Object.Copy(ctx, "docs/keep.txt", source("docs/absent.txt"), nil)
		if se := sdkError(t, err); se.Response.StatusCode != 404 || se.Code != "NoSuchKey" {
			t.Fatalf("missing source: %v", err)
		}
		if got, _ := e.read(t, "docs/keep.txt"); string(got) != "kept" {
			t.Fatalf("the destination became %q", got)
		}

		// Onto itself: Replaced only.
		_, _, err = c.Object.Copy(ctx, "docs/keep.txt", source("docs/keep.txt"), nil)
		if se := sdkError(t, err); se.Response.StatusCode != 400 || se.Code != "InvalidRequest" {
			t.Fatalf("self-copy with Copy: %v", err)
		}
		_, _, err = c.Object.Copy(ctx, "docs/keep.txt", source("docs/keep.txt"), copyHeaders(cos.ObjectCopyHeaderOptions{
			XCosMetadataDirective: "Replaced", ContentType: "text/csv",
		}))
		if got, h := e.read(t, "docs/keep.txt"); err != nil || string(got) != "kept" || h.Get("Content-Type") != "text/csv" {
			t.Fatalf("self-copy with Replaced: %v %q %v", err, got, h)
		}

		// x-cos-forbid-overwrite on an existing destination.
		_, _, err = c.Object.Copy(ctx, "docs/keep.txt", source(src), copyHeaders(cos.ObjectCopyHeaderOptions{
			XOptionHeader: &http.Header{"X-Cos-Forbid-Overwrite": {"true"}},
		}))
		if se := sdkError(t, err); se.Response.StatusCode != 409 || se.Code != "FileAlreadyExists" {
			t.Fatalf("forbid-overwrite: %v", err)
		}

		// The source conditions.
		etag := res.ETag
		past, future := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
		for _, tc := range []struct {
			name string
			opt  cos.ObjectCopyHeaderOptions
			ok   bool
		}{
			{"If-Match another ETag", cos.ObjectCopyHeaderOptions{XCosCopySourceIfMatch: `"0123"`}, false},
			{"If-Match its ETag", cos.ObjectCopyHeaderOptions{XCosCopySourceIfMatch: etag}, true},
			{"If-None-Match its ETag", cos.ObjectCopyHeaderOptions{XCosCopySourceIfNoneMatch: etag}, false},
			{"If-None-Match another ETag", cos.ObjectCopyHeaderOptions{XCosCopySourceIfNoneMatch: `"0123"`}, true},
			{"If-Modified-Since the future", cos.ObjectCopyHeaderOptions{XCosCopySourceIfModifiedSince: future}, false},
			{"If-Modified-Since the past", cos.ObjectCopyHeaderOptions{XCosCopySourceIfModifiedSince: past}, true},
			{"If-Unmodified-Since the past", cos.ObjectCopyHeaderOptions{XCosCopySourceIfUnmodifiedSince: past}, false},
			{"If-Unmodified-Since the future", cos.ObjectCopyHeaderOptions{XCosCopySourceIfUnmodifiedSince: future}, true},
		} {
			_, _, err := c.Object.Copy(ctx, "docs/conditional.txt", source(src), copyHeaders(tc.opt))
			if tc.ok && err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			if !tc.ok {
				if se := sdkError(t, err); se.Response.StatusCode != 412 || se.Code != "PreconditionFailed" {
					t.Errorf("%s: %v", tc.name, err)
				}
			}
		}
	})
}

// TestCopySourceForms: the forms of x-cos-copy-source, sent as they are.
// COS's own (key URL-encoded), the emulator's own address (what
// cos-go-sdk-v5's MultiCopy HEADs), and what is not this bucket.
func TestCopySourceForms(t *testing.T) {
	e := start(t, nil)
	e.put(t, "forms/a b+c.txt", []byte("abc"), nil)
	host := strings.TrimPrefix(e.URL, "http://")
	for _, tc := range []struct {
		source string
		status int
		code   string
	}{
		{bucket + ".cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt", 200, ""},
		{bucket + ".cos." + region + ".myqcloud.com/forms%2Fa%20b%2Bc.txt", 200, ""},
		{strings.ToUpper(bucket) + ".COS." + region + ".MYQCLOUD.COM/forms/a%20b%2Bc.txt", 200, ""},
		{host + "/forms/a%20b%2Bc.txt", 200, ""},
		{host + "/" + bucket + "/forms/a%20b%2Bc.txt", 200, ""},
		{host + "/otherbucket-1250000000/forms/a%20b%2Bc.txt", 404, "NoSuchBucket"},
		{"otherbucket-1250000000.cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt", 404, "NoSuchBucket"},
		{bucket + ".cos.ap-beijing.myqcloud.com/forms/a%20b%2Bc.txt", 404, "NoSuchBucket"},
		{bucket + ".cos." + region + ".myqcloud.com/forms/absent", 404, "NoSuchKey"},
		{bucket + ".cos." + region + ".myqcloud.com/forms/a b+c.txt", 200, ""}, // a raw key decodes to itself
		{bucket + ".cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt?versionId=MTg0", 501, "NotImplemented"},
		{bucket + ".cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt?acl", 400, "InvalidArgument"},
		{bucket + ".cos." + region + ".myqcloud.com/forms/%zz", 400, "InvalidArgument"},
		{bucket + ".cos." + region + ".myqcloud.com/", 400, "InvalidArgument"},
		{bucket + ".cos." + region + ".myqcloud.com", 400, "InvalidArgument"},
		{"https://" + bucket + ".cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt", 400, "InvalidArgument"},
		{"cos." + region + ".myqcloud.com/forms/a%20b%2Bc.txt", 400, "InvalidArgument"},
		{bucket + ".cos." + region + ".myqcloud.com.evil.example/forms/a%20b%2Bc.txt", 400, "InvalidArgument"},
		{"evil.example/forms/a%20b%2Bc.txt", 400, "InvalidArgument"},
		{"/forms/a%20b%2Bc.txt", 400, "InvalidArgument"},
	} {
		req := e.signed(t, "PUT", "forms/dest", nil, http.Header{"X-Cos-Copy-Source": {tc.source}}, rootID, rootKey, "", nil)
		a := do(t, req)
		if a.status != tc.status || a.err.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.source, a.status, a.err.Code, tc.status, tc.code)
		}
	}
	// Two sources are one too many.
	two := e.signed(t, "PUT", "forms/dest", nil, http.Header{"X-Cos-Copy-Source": {
		source("forms/a%20b%2Bc.txt"), source("forms/absent"),
	}}, rootID, rootKey, "", nil)
	if a := do(t, two); a.status != 400 || a.err.Code != "InvalidArgument" {
		t.Errorf("two sources: %d %s", a.status, a.body)
	}
	// The API has no body: one sent is not stored.
	withBody := e.signed(t, "PUT", "forms/bodied", []byte("not the source"),
		http.Header{"X-Cos-Copy-Source": {source("forms/a%20b%2Bc.txt")}}, rootID, rootKey, "", nil)
	if a := do(t, withBody); a.status != 200 {
		t.Fatalf("copy with a body: %d %s", a.status, a.body)
	}
	if got, _ := e.read(t, "forms/bodied"); string(got) != "abc" {
		t.Fatalf("copy with a body stored %q", got)
	}
	// The XML answer, as the documentation shows it.
	req := e.signed(t, "PUT", "forms/xml", nil, http.Header{"X-Cos-Copy-Source": {source("forms/a%20b%2Bc.txt")}},
		rootID, rootKey, "", nil)
	a := do(t, req)
	var r struct {
		XMLName                   xml.Name `xml:"CopyObjectResult"`
		ETag, CRC64, LastModified string
	}
	if err := xml.Unmarshal(a.body, &r); err != nil || r.ETag == "" || r.CRC64 == "" || r.LastModified == "" {
		t.Fatalf("CopyObjectResult: %v %s", err, a.body)
	}
}

// TestCopyAuthorization: a temporary key copies as COS's authorization
// section says: read on the source (or a public-read source), write on the
// destination under either documented action name, the destination's
// conditions and denies applying; a refused copy writes nothing.
func TestCopyAuthorization(t *testing.T) {
	e := start(t, nil)
	ctx := t.Context()
	e.put(t, "uploads/u1/a", []byte("u1's a"), nil)
	e.put(t, "uploads/u2/secret", []byte("u2's secret"), nil)
	e.put(t, "uploads/u2/public", []byte("u2's public"), http.Header{"X-Cos-Acl": {"public-read"}})

	// As cosgate's /sts grants with upload and read: PutObject, not
	// PutObjectCopy, and an ACL held to private.
	sts := e.tempKey(t, `{"version":"2.0","statement":[{"effect":"allow",
		"action":["name/cos:PutObject","name/cos:GetObject","name/cos:HeadObject"],
		"resource":["qcs::cos:`+region+`:uid/1250000000:`+bucket+`/uploads/u1/*"],
		"condition":{"string_equal_if_exist":{"cos:x-cos-acl":"private"}}}]}`, time.Hour)
	c := e.client(sts.SecretID, sts.SecretKey, sts.Token)
	copyAs := func(c *cos.Client, dst, src string, opt *cos.ObjectCopyOptions) error {
		_, _, err := c.Object.Copy(ctx, dst, source(src), opt)
		return err
	}
	refused := func(name string, err error, status int, code, dst string) {
		t.Helper()
		if se := sdkError(t, err); se.Response.StatusCode != status || se.Code != code {
			t.Errorf("%s: %v, want %d %s", name, err, status, code)
		}
		if e.store.Exists(dst) {
			t.Errorf("%s: %s was written", name, dst)
		}
	}

	if err := copyAs(c, "uploads/u1/b", "uploads/u1/a", nil); err != nil {
		t.Fatalf("a copy within the key's prefix: %v", err)
	}
	if got, _ := e.read(t, "uploads/u1/b"); string(got) != "u1's a" {
		t.Fatalf("uploads/u1/b = %q", got)
	}
	refused("another caller's object into the key's prefix",
		copyAs(c, "uploads/u1/stolen", "uploads/u2/secret", nil), 403, "AccessDenied", "uploads/u1/stolen")
	refused("the key's object into another prefix",
		copyAs(c, "uploads/u2/planted", "uploads/u1/a", nil), 403, "AccessDenied", "uploads/u2/planted")
	refused("an absent object of another caller: the same 403, nothing learnt",
		copyAs(c, "uploads/u1/probe", "uploads/u2/absent", nil), 403, "AccessDenied", "uploads/u1/probe")
	refused("an absent object of its own",
		copyAs(c, "uploads/u1/none", "uploads/u1/absent", nil), 404, "NoSuchKey", "uploads/u1/none")
	refused("dot segments: a literal key under the grant, which does not exist",
		copyAs(c, "uploads/u1/dots", "uploads/u1/../u2/secret", nil), 404, "NoSuchKey", "uploads/u1/dots")
	refused("x-cos-acl: public-read on the destination",
		copyAs(c, "uploads/u1/published", "uploads/u1/a", &cos.ObjectCopyOptions{
			ACLHeaderOptions: &cos.ACLHeaderOptions{XCosACL: "public-read"},
		}), 403, "AccessDenied", "uploads/u1/published")
	// The source key encoded whole, slashes and all, is the same key.
	req := e.signed(t, "PUT", "uploads/u1/encoded", nil, http.Header{
		"X-Cos-Copy-Source": {bucket + ".cos." + region + ".myqcloud.com/uploads%2Fu2%2Fsecret"},
	}, sts.SecretID, sts.SecretKey, sts.Token, nil)
	if a := do(t, req); a.status != 403 || e.store.Exists("uploads/u1/encoded") {
		t.Errorf("an encoded source key: %d %s", a.status, a.body)
	}
	// A public-read source needs no read grant ("或者被复制对象向所有人开放了读取权限").
	if err := copyAs(c, "uploads/u1/pub", "uploads/u2/public", nil); err != nil {
		t.Fatalf("a public-read source: %v", err)
	}

	// The documented name alone allows it; a deny on either name refuses.
	copyOnly := e.tempKey(t, policy([]string{"name/cos:PutObjectCopy", "name/cos:GetObject"}, []string{"uploads/u1/*"}, ""),
		time.Hour)
	oc := e.client(copyOnly.SecretID, copyOnly.SecretKey, copyOnly.Token)
	if err := copyAs(oc, "uploads/u1/c", "uploads/u1/a", nil); err != nil {
		t.Fatalf("PutObjectCopy alone: %v", err)
	}
	res := "qcs::cos:" + region + ":uid/1250000000:" + bucket + "/"
	denied := e.tempKey(t, `{"version":"2.0","statement":[
		{"effect":"allow","action":["name/cos:PutObject","name/cos:GetObject"],"resource":["`+res+`uploads/u1/*"]},
		{"effect":"deny","action":["name/cos:PutObjectCopy"],"resource":["`+res+`*"]}]}`, time.Hour)
	dc := e.client(denied.SecretID, denied.SecretKey, denied.Token)
	refused("a deny on PutObjectCopy", copyAs(dc, "uploads/u1/d", "uploads/u1/a", nil), 403, "AccessDenied", "uploads/u1/d")
	if _, err := dc.Object.Put(ctx, "uploads/u1/d", strings.NewReader("x"), nil); err != nil {
		t.Fatalf("the same key's PUT: %v", err)
	}
}

// TestGoSDKCopyPart: Upload Part - Copy through cos-go-sdk-v5 (CopyPart
// with ranges, then Complete; MultiCopy), its refusals, and a temporary
// key held to reading its own prefix.
func TestGoSDKCopyPart(t *testing.T) {
	bothStores(t, func(t *testing.T, e *emu) {
		c := e.root()
		ctx := t.Context()
		data := make([]byte, 2<<20+4321)
		rand.Read(data)
		e.put(t, "mp/src.bin", data, nil)

		ini, _, err := c.Object.InitiateMultipartUpload(ctx, "mp/dst.bin", nil)
		if err != nil {
			t.Fatal(err)
		}
		var parts []cos.Object
		for i, r := range [][2]int{{0, 1 << 20}, {1 << 20, 2 << 20}, {2 << 20, len(data)}} {
			res, _, err := c.Object.CopyPart(ctx, "mp/dst.bin", ini.UploadID, i+1, source("mp/src.bin"),
				&cos.ObjectCopyPartOptions{XCosCopySourceRange: "bytes=" + strconv.Itoa(r[0]) + "-" + strconv.Itoa(r[1]-1)})
			if err != nil {
				t.Fatalf("part %d: %v", i+1, err)
			}
			sum := md5.Sum(data[r[0]:r[1]])
			if res.ETag != `"`+hex.EncodeToString(sum[:])+`"` || res.LastModified == "" {
				t.Fatalf("CopyPartResult %+v", res)
			}
			parts = append(parts, cos.Object{PartNumber: i + 1, ETag: res.ETag})
		}
		ls, _, err := c.Object.ListParts(ctx, "mp/dst.bin", ini.UploadID, nil)
		if err != nil || len(ls.Parts) != 3 || ls.Parts[2].Size != int64(len(data)-2<<20) {
			t.Fatalf("list parts: %+v %v", ls, err)
		}
		// Refusals, which leave the upload as it was.
		for _, tc := range []struct {
			name, upload, src, rng string
			status                 int
			code                   string
		}{
			{"a reversed range", ini.UploadID, "mp/src.bin", "bytes=5-2", 400, "InvalidArgument"},
			{"a range past the end", ini.UploadID, "mp/src.bin", "bytes=0-" + strconv.Itoa(len(data)), 400, "InvalidArgument"},
			{"another unit", ini.UploadID, "mp/src.bin", "items=0-1", 400, "InvalidArgument"},
			{"an open range", ini.UploadID, "mp/src.bin", "bytes=0-", 400, "InvalidArgument"},
			{"a missing source", ini.UploadID, "mp/absent.bin", "", 404, "NoSuchKey"},
			{"an unknown upload", "no-such-upload", "mp/src.bin", "", 404, "NoSuchUpload"},
		} {
			_, _, err := c.Object.CopyPart(ctx, "mp/dst.bin", tc.upload, 4, source(tc.src),
				&cos.ObjectCopyPartOptions{XCosCopySourceRange: tc.rng})
			if se := sdkError(t, err); se.Response.StatusCode != tc.status || se.Code != tc.code {
				t.Errorf("%s: %v, want %d %s", tc.name, err, tc.status, tc.code)
			}
		}
		if _, _, err := c.Object.CompleteMultipartUpload(ctx, "mp/dst.bin", ini.UploadID,
			&cos.CompleteMultipartUploadOptions{Parts: parts}); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.read(t, "mp/dst.bin"); !bytes.Equal(got, data) {
			t.Fatal("the completed copy differs from its source")
		}

		// MultiCopy HEADs the source at the host it names, then copies: the
		// emulator's own address works offline.
		host := strings.TrimPrefix(e.URL, "http://")
		if _, _, err := c.Object.MultiCopy(ctx, "mp/multi.bin", host+"/mp/src.bin", nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := e.read(t, "mp/multi.bin"); !bytes.Equal(got, data) {
			t.Fatal("MultiCopy's object differs from its source")
		}

		// A temporary key with the multipart actions and read on its own
		// prefix copies parts of its own objects, never of another's.
		e.put(t, "uploads/u2/secret.bin", data, nil)
		e.put(t, "uploads/u1/mine.bin", data, nil)
		k := e.tempKey(t, policy([]string{"name/cos:InitiateMultipartUpload", "name/cos:UploadPart", "name/cos:PutObject",
			"name/cos:CompleteMultipartUpload", "name/cos:ListParts", "name/cos:GetObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
		kc := e.client(k.SecretID, k.SecretKey, k.Token)
		up, _, err := kc.Object.InitiateMultipartUpload(ctx, "uploads/u1/stolen.bin", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = kc.Object.CopyPart(ctx, "uploads/u1/stolen.bin", up.UploadID, 1, source("uploads/u2/secret.bin"), nil)
		if se := sdkError(t, err); se.Response.StatusCode != 403 || se.Code != "AccessDenied" {
			t.Fatalf("a part of another caller's object: %v", err)
		}
		if ls, _, err := kc.Object.ListParts(ctx, "uploads/u1/stolen.bin", up.UploadID, nil); err != nil || len(ls.Parts) != 0 {
			t.Fatalf("a refused part was kept: %+v %v", ls, err)
		}
		if _, _, err := kc.Object.CopyPart(ctx, "uploads/u1/stolen.bin", up.UploadID, 1, source("uploads/u1/mine.bin"), nil); err != nil {
			t.Fatalf("a part of its own object: %v", err)
		}
		// UploadPartCopy without PutObject is the documented name; UploadPart
		// alone is not enough.
		for _, tc := range []struct {
			action string
			ok     bool
		}{{"name/cos:UploadPartCopy", true}, {"name/cos:UploadPart", false}} {
			k := e.tempKey(t, policy([]string{tc.action, "name/cos:GetObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
			_, _, err := e.client(k.SecretID, k.SecretKey, k.Token).Object.CopyPart(ctx, "uploads/u1/stolen.bin", up.UploadID, 2,
				source("uploads/u1/mine.bin"), nil)
			if tc.ok != (err == nil) {
				t.Errorf("Upload Part - Copy with %s: %v", tc.action, err)
			}
		}
	})
}
