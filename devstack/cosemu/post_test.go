package cosemu_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/shared/cossign"
)

// formRequest builds a POST Object request: fields in order, then the file.
func formRequest(t *testing.T, url string, fields []cossign.Pair, filename string, file []byte) *http.Request {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f.Name, f.Value)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(file)
	mw.Close()
	r, err := http.NewRequest("POST", url, &b)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return r
}

// TestPostObjectPolicy: a policy-signed form with a temporary key uploads
// within its conditions; each broken condition gets COS's answer.
func TestPostObjectPolicy(t *testing.T) {
	e := start(t, nil)
	k := e.tempKey(t, policy([]string{"name/cos:PostObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
	creds := cossign.Credentials{SecretID: k.SecretID, SecretKey: k.SecretKey, SessionToken: k.Token}
	now := time.Now()
	form := func(u cossign.PostUpload) []cossign.Pair {
		u.Bucket = bucket
		if u.Expiration.IsZero() {
			u.Expiration = now.Add(10 * time.Minute)
		}
		u.Window = cossign.NewWindow(now, time.Minute, 10*time.Minute)
		return cossign.SignPostUpload(creds, u).Fields
	}
	pinned := form(cossign.PostUpload{KeyPrefix: "uploads/u1/", MaxSize: 10,
		Fields: []cossign.Pair{{Name: "Content-Type", Value: "image/png"}, {Name: "success_action_status", Value: "201"}}})

	a := do(t, formRequest(t, e.URL+"/", pinned, "cat.png", []byte("0123456789")))
	if a.status != 201 || !strings.Contains(string(a.body), "<Key>uploads/u1/cat.png</Key>") || a.header.Get("ETag") == "" {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	obj, err := e.root().Object.Head(t.Context(), "uploads/u1/cat.png", nil)
	if err != nil || obj.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("stored object: %v %v", err, obj)
	}

	with := func(fields []cossign.Pair, name, value string) []cossign.Pair {
		out := append([]cossign.Pair(nil), fields...)
		for i := range out {
			if out[i].Name == name {
				out[i].Value = value
			}
		}
		return out
	}
	for _, c := range []struct {
		name          string
		fields        []cossign.Pair
		filename      string
		size          int
		status        int
		code, message string
	}{
		{"oversize", pinned, "big.png", 11, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size."},
		{"another type", with(pinned, "Content-Type", "text/html"), "a.png", 1, 403, "AccessDenied", "Condition key Content-Type doesn't match the value image/png"},
		{"another prefix", with(pinned, "key", "uploads/u2/${filename}"), "a.png", 1, 403, "AccessDenied", "Condition key key doesn't match the value uploads/u1/"},
		{"tampered signature", with(pinned, "q-signature", strings.Repeat("0", 40)), "a.png", 1, 403, "SignatureDoesNotMatch", "The Signature you specified is invalid."},
		{"expired policy", form(cossign.PostUpload{KeyPrefix: "uploads/u1/", Expiration: now.Add(-time.Second)}), "a.png", 1, 403, "AccessDenied", "You post object request has been expired"},
		{"allowed by the form, not by the key", form(cossign.PostUpload{KeyPrefix: "uploads/u2/"}), "a.png", 1, 403, "AccessDenied", "Access Denied."},
	} {
		a := do(t, formRequest(t, e.URL+"/", c.fields, c.filename, bytes.Repeat([]byte("x"), c.size)))
		if a.status != c.status || a.err.Code != c.code || !strings.HasPrefix(a.err.Message, c.message) {
			t.Errorf("%s: %d %s %q", c.name, a.status, a.err.Code, a.err.Message)
		}
	}
	// No file, and not form data at all.
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	mw.WriteField("key", "uploads/u1/x")
	mw.Close()
	r, _ := http.NewRequest("POST", e.URL+"/", &b)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	if a := do(t, r); a.status != 400 || a.err.Code != "IncorrectNumberOfFilesInPostRequest" {
		t.Errorf("no file: %d %s", a.status, a.body)
	}
	r, _ = http.NewRequest("POST", e.URL+"/", strings.NewReader("--nope"))
	r.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	if a := do(t, r); a.status != 400 || a.err.Code != "MalformedPOSTRequest" {
		t.Errorf("malformed: %d %s", a.status, a.body)
	}
}

// TestPostObjectSignatureField: the mini-program SDK's form carries a
// request signature (POST /, host signed) in a "Signature" field; here it
// is produced by cos-go-sdk-v5. The key's CAM policy is what limits it.
func TestPostObjectSignatureField(t *testing.T) {
	e := start(t, nil)
	k := e.tempKey(t, policy([]string{"name/cos:PostObject"}, []string{"uploads/u1/*"}, `{"numeric_less_than_equal":{"cos:content-length":5}}`), time.Hour)
	sig := func() string {
		r, _ := http.NewRequest("POST", e.URL+"/", nil)
		cos.AddAuthorizationHeader(k.SecretID, k.SecretKey, "", r, cos.NewAuthTime(10*time.Minute))
		return r.Header.Get("Authorization")
	}
	fields := func(key string) []cossign.Pair {
		return []cossign.Pair{{Name: "key", Value: key}, {Name: "success_action_status", Value: "200"}, {Name: "Signature", Value: sig()},
			{Name: "x-cos-security-token", Value: k.Token}, {Name: "Content-Type", Value: ""}}
	}
	if a := do(t, formRequest(t, e.URL+"/", fields("uploads/u1/w.jpg"), "w.jpg", []byte("abc"))); a.status != 200 {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	for _, c := range []struct {
		name   string
		key    string
		size   int
		fields []cossign.Pair
		code   string
	}{
		{"outside the prefix", "uploads/u2/w.jpg", 3, nil, "AccessDenied"},
		{"over the key's size condition", "uploads/u1/big.jpg", 6, nil, "AccessDenied"},
		{"signature of another key", "uploads/u1/x.jpg", 3, []cossign.Pair{{Name: "key", Value: "uploads/u1/x.jpg"}, {Name: "Signature", Value: strings.Replace(sig(), "q-signature=", "q-signature=f", 1)[:len(sig())]}, {Name: "x-cos-security-token", Value: k.Token}}, "SignatureDoesNotMatch"},
	} {
		f := c.fields
		if f == nil {
			f = fields(c.key)
		}
		a := do(t, formRequest(t, e.URL+"/", f, "f.jpg", bytes.Repeat([]byte("x"), c.size)))
		if a.status != 403 || a.err.Code != c.code {
			t.Errorf("%s: %d %s", c.name, a.status, a.body)
		}
		if e.store.Exists(c.key) {
			t.Errorf("%s: refused upload is visible", c.name)
		}
	}
}

// TestPostObjectACLFields: a form may carry the ACL as acl (POST Object's
// field) and as x-cos-acl (the header's name); COS says neither that it
// refuses fields no condition names nor which of the two wins, so the
// emulator accepts the extra field and applies the wider ACL while the
// key's CAM condition reads acl (the worst case). A policy pinning
// x-cos-acl too refuses the form, and its own form still uploads.
func TestPostObjectACLFields(t *testing.T) {
	e := start(t, nil)
	k := e.tempKey(t, policy([]string{"name/cos:PostObject"}, []string{"uploads/u1/*"},
		`{"string_equal":{"cos:x-cos-acl":"private"}}`), time.Hour)
	creds := cossign.Credentials{SecretID: k.SecretID, SecretKey: k.SecretKey, SessionToken: k.Token}
	now := time.Now()
	form := func(key string, pinned ...cossign.Pair) []cossign.Pair {
		return cossign.SignPostUpload(creds, cossign.PostUpload{Bucket: bucket, Key: key, MaxSize: 10,
			Fields: pinned, Expiration: now.Add(10 * time.Minute), Window: cossign.NewWindow(now, time.Minute, 10*time.Minute)}).Fields
	}
	set := func(fields []cossign.Pair, name, value string) []cossign.Pair {
		out := append([]cossign.Pair(nil), fields...)
		for i := range out {
			if out[i].Name == name {
				out[i].Value = value
				return out
			}
		}
		return append(out, cossign.Pair{Name: name, Value: value})
	}
	anonymous := func(key string) int {
		r, _ := http.NewRequest("GET", e.URL+"/"+key, nil)
		return do(t, r).status
	}
	acl := cossign.Pair{Name: "acl", Value: "private"}

	// The policy pins acl alone: the extra x-cos-acl is outside it, and wins.
	loose := set(form("uploads/u1/loose.png", acl), "x-cos-acl", "public-read")
	if a := do(t, formRequest(t, e.URL+"/", loose, "a.png", []byte("x"))); a.status != 204 {
		t.Fatalf("a field no condition names: %d %s", a.status, a.body)
	}
	if s := anonymous("uploads/u1/loose.png"); s != 200 {
		t.Errorf("acl=private with x-cos-acl=public-read: anonymous GET %d, want the wider ACL applied", s)
	}

	// Pinned under both names: the public-read form is refused, stores nothing.
	pinned := form("uploads/u1/pinned.png", acl, cossign.Pair{Name: "x-cos-acl", Value: "private"})
	a := do(t, formRequest(t, e.URL+"/", set(pinned, "x-cos-acl", "public-read"), "a.png", []byte("x")))
	if a.status != 403 || a.err.Code != "AccessDenied" || a.err.Message != "Condition key x-cos-acl doesn't match the value private" {
		t.Errorf("x-cos-acl=public-read against its pin: %d %s", a.status, a.body)
	}
	if e.store.Exists("uploads/u1/pinned.png") {
		t.Error("a refused form stored its object")
	}
	if a := do(t, formRequest(t, e.URL+"/", pinned, "a.png", []byte("x"))); a.status != 204 {
		t.Fatalf("the pinned form: %d %s", a.status, a.body)
	}
	if s := anonymous("uploads/u1/pinned.png"); s != 403 {
		t.Errorf("the pinned form's object: anonymous GET %d, want 403", s)
	}

	// Either order: the wider of two valid ACLs; an invalid one is refused.
	open := e.tempKey(t, policy([]string{"name/cos:PostObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
	creds = cossign.Credentials{SecretID: open.SecretID, SecretKey: open.SecretKey, SessionToken: open.Token}
	for i, c := range []struct {
		acl, header string
		status, get int // the upload's status, then an anonymous GET's
	}{
		{"", "", 204, 403}, {"private", "", 204, 403}, {"", "public-read", 204, 200},
		{"public-read", "private", 204, 200}, {"private", "public-read", 204, 200}, {"default", "private", 204, 403},
		{"private", "bogus", 400, 0}, {"bogus", "private", 400, 0},
	} {
		key := "uploads/u1/order" + strconv.Itoa(i) + ".png"
		fields := form(key)
		if c.acl != "" {
			fields = set(fields, "acl", c.acl)
		}
		if c.header != "" {
			fields = set(fields, "x-cos-acl", c.header)
		}
		if a := do(t, formRequest(t, e.URL+"/", fields, "a.png", []byte("x"))); a.status != c.status {
			t.Errorf("acl %q, x-cos-acl %q: %d %s", c.acl, c.header, a.status, a.body)
			continue
		}
		if c.get != 0 && anonymous(key) != c.get {
			t.Errorf("acl %q, x-cos-acl %q: anonymous GET %d, want %d", c.acl, c.header, anonymous(key), c.get)
		}
	}
}
