package e2e_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/stack"
	"cosgate/shared/cossign"
)

// The attack suite: each finding of the COS-boundary review as an attack
// on the running stack, and controls proving that the emulator would have
// let each one through if cosgate had not closed it (it publishes objects
// by ACL, keeps unsigned headers and fields, applies unsigned response-*
// parameters, follows success_action_redirect).

const allUsers = `uri="http://cam.qcloud.com/groups/global/AllUsers"`

// attack is one attempt; it reports what the attacker got.
type attack struct {
	name string
	run  func(t *testing.T, e *env) (refused bool, detail string)
}

// putGrant adds a header to a presigned PUT made exactly as told.
func putWith(extra map[string]string, drop ...string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		p := presignPUT(t, e, "png", []byte("an image"))
		status, code := p.put(t, []byte("an image"), extra, drop...)
		return status >= 400 && !e.anonymousReadable(t, p.Key), fmt.Sprintf("%d %s", status, code)
	}
}

func postWith(extra map[string]string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		f := presignPOST(t, e)
		resp := f.post(t, []byte("a photo"), extra)
		loc := resp.Header.Get("Location")
		return resp.StatusCode >= 400 && !strings.Contains(loc, "evil.example") && !e.anonymousReadable(t, f.Key),
			fmt.Sprintf("%d %s", resp.StatusCode, loc)
	}
}

func TestAttackSuite(t *testing.T) {
	attacks := []attack{
		// 1. A presigned PUT with headers nothing signed.
		{"PUT + x-cos-acl: public-read", putWith(map[string]string{"x-cos-acl": "public-read"})},
		{"PUT + a second x-cos-acl", putWith(map[string]string{"+x-cos-acl": "public-read"})},
		{"PUT + x-cos-grant-read: AllUsers", putWith(map[string]string{"x-cos-grant-read": allUsers})},
		{"PUT + x-cos-grant-full-control: AllUsers", putWith(map[string]string{"x-cos-grant-full-control": allUsers})},
		{"PUT + x-cos-grant-read-acp", putWith(map[string]string{"x-cos-grant-read-acp": `id="100000000001"`})},
		{"PUT + x-cos-grant-write-acp", putWith(map[string]string{"x-cos-grant-write-acp": `id="100000000001"`})},
		{"PUT + Cache-Control: public", putWith(map[string]string{"Cache-Control": "public, max-age=31536000"})},
		{"PUT + Content-Disposition: inline", putWith(map[string]string{"Content-Disposition": "inline"})},
		{"PUT without x-cos-acl", putWith(nil, "x-cos-acl")},
		// 2. A POST form with fields nothing pinned.
		{"POST + acl=public-read", postWith(map[string]string{"acl": "public-read"})},
		{"POST + x-cos-grant-read=AllUsers", postWith(map[string]string{"x-cos-grant-read": allUsers})},
		{"POST + x-cos-grant-full-control=AllUsers", postWith(map[string]string{"x-cos-grant-full-control": allUsers})},
		{"POST + success_action_redirect", postWith(map[string]string{"success_action_redirect": "https://evil.example/"})},
		{"POST + Cache-Control: public", postWith(map[string]string{"Cache-Control": "public, max-age=31536000"})},
		{"POST + Content-Disposition: inline", postWith(map[string]string{"Content-Disposition": "inline"})},
		// 3. A download URL with response-* parameters added.
		{"GET + response-content-type=text/html", downloadWith("&response-content-type=text%2Fhtml")},
		{"GET + response-content-type=image/svg+xml", downloadWith("&response-content-type=image%2Fsvg%2Bxml")},
		{"GET + response-content-disposition=inline", downloadWith("&response-content-disposition=inline")},
		{"GET with the signed response-content-type changed", downloadEdited("response-content-type=image%2Fjpeg",
			"response-content-type=text%2Fhtml")},
		// 3b. A download URL with a sub-resource or processing added: the
		// URL's key may only GetObject and HeadObject.
		{"GET + &acl (the owner's uin)", downloadSub("&acl")},
		{"GET + &ci-process=AISuperResolution", downloadSub("&ci-process=AISuperResolution")},
		{"GET + &ci-process=doc-preview", downloadSub("&ci-process=doc-preview")},
		{"GET with the signed imageMogr2 changed", downloadEdited("thumbnail%2F200x%2F", "thumbnail%2F4000x%2F")},
		{"/download?process= not in DOWNLOAD_IMAGE_PROCESS", processNotOffered},
		// 4. A temporary key from /sts used with a grant header.
		{"/sts key + x-cos-grant-read: AllUsers", stsKeyWith("x-cos-grant-read", allUsers)},
		{"/sts key + x-cos-grant-full-control: AllUsers", stsKeyWith("x-cos-grant-full-control", allUsers)},
		{"/sts key + x-cos-acl: public-read", stsKeyWith("x-cos-acl", "public-read")},
		// 5. One token draining STS with distinct scopes.
		{"/sts with 40 distinct scopes", scopeFlood},
		// 6. A client-named key holding a COS form variable.
		{"client key with ${filename}", clientKey("uploads/u1/${filename}.jpg")},
		// 7. JWT claims golang-jwt accepts.
		{"JWT nbf 1e300", jwtWith(map[string]any{"nbf": 1e300}, nil)},
		{"JWT exp as a string", jwtWith(map[string]any{"exp": fmt.Sprint(time.Now().Add(time.Hour).Unix())}, nil)},
		{"JWT crit header", jwtWith(nil, map[string]any{"crit": []string{"exp"}})},
		// 8. wxcloud with a second X-WX-OPENID.
		{"wxcloud with two X-WX-OPENID", wxcloudTwice},
		// 9. Dot segments behind backslashes.
		{`client key with ..\`, clientKey(`uploads/u1/..\u2\a.jpg`)},
		{`download of ..\..\u2`, downloadKey(`uploads/u1/..\..\u2/a.jpg`)},
		// 10. net/http's own 400.
		{"a malformed request line", malformedRequest},
		// 11. A /sts key (granted read too) copying another caller's object
		// into its own prefix, or its object into theirs: COS authorises
		// the source as GetObject, which /sts keys hold only on their own
		// prefix, whatever form names it.
		{"/sts PUT Object - Copy of another caller's object", copyWith(http.Header{"X-Cos-Copy-Source": {"{cos}/uploads/u2/secret.jpg"}})},
		{"/sts copy with the source key URL-encoded", copyWith(http.Header{"X-Cos-Copy-Source": {"{cos}/uploads%2Fu2%2Fsecret.jpg"}})},
		{"/sts copy with every source byte encoded", copyWith(http.Header{"X-Cos-Copy-Source": {"{cos}/" + encodeAll("uploads/u2/secret.jpg")}})},
		{"/sts copy of uploads/u1/../u2/secret.jpg", copyWith(http.Header{"X-Cos-Copy-Source": {"{cos}/uploads/u1/../u2/secret.jpg"}})},
		{"/sts copy of uploads/u1/..%2Fu2%2Fsecret.jpg", copyWith(http.Header{"X-Cos-Copy-Source": {"{cos}/uploads/u1/..%2Fu2%2Fsecret.jpg"}})},
		{`/sts copy of uploads/u1/..\u2\secret.jpg`, copyWith(http.Header{"X-Cos-Copy-Source": {`{cos}/uploads/u1/..\u2\secret.jpg`}})},
		{"/sts copy naming the emulator's own host", copyWith(http.Header{"X-Cos-Copy-Source": {"{host}/uploads/u2/secret.jpg"}})},
		{"/sts copy naming the bucket path-style", copyWith(http.Header{"X-Cos-Copy-Source": {"{host}/{bucket}/uploads/u2/secret.jpg"}})},
		{"/sts copy naming another host", copyWith(http.Header{"X-Cos-Copy-Source": {"evil.example/uploads/u2/secret.jpg"}})},
		{"/sts copy naming an http:// URL", copyWith(http.Header{"X-Cos-Copy-Source": {"http://{cos}/uploads/u2/secret.jpg"}})},
		{"/sts copy with two x-cos-copy-source headers", copyWith(http.Header{"X-Cos-Copy-Source": {
			"{cos}/uploads/u1/mine.jpg", "{cos}/uploads/u2/secret.jpg"}})},
		{"/sts copy onto another caller's object", copyOnto("uploads/u2/secret.jpg", nil)},
		{"/sts copy of its own object with x-cos-acl: public-read", copyOnto("uploads/u1/published.jpg",
			http.Header{"X-Cos-Acl": {"public-read"}})},
		{"/sts copy of its own object granting AllUsers", copyOnto("uploads/u1/granted.jpg",
			http.Header{"X-Cos-Grant-Read": {allUsers}})},
		{"/sts Upload Part - Copy of another caller's object", partCopyOf("{cos}/uploads/u2/secret.jpg", "")},
		{"/sts Upload Part - Copy of a range of another caller's object", partCopyOf("{cos}/uploads/u2/secret.jpg", "bytes=0-3")},
		{"/sts Upload Part - Copy naming the emulator's own host", partCopyOf("{host}/uploads/u2/secret.jpg", "")},
	}
	e := startStack(t, map[string]string{"UPLOAD_CLIENT_KEYS": "true", "DOWNLOAD_IMAGE_PROCESS": thumbnail})
	refused := 0
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			ok, detail := a.run(t, e)
			if !ok {
				t.Errorf("the attack worked: %s", detail)
				return
			}
			refused++
			t.Logf("refused: %s", detail)
		})
	}
	t.Logf("%d of %d attacks refused", refused, len(attacks))
	e.noSecrets(t)
}

// The controls: the emulator publishes objects and applies what a request
// carries, so the refusals above are cosgate's doing, not the emulator's.
func TestAttackControls(t *testing.T) {
	e := startStack(t, map[string]string{"DOWNLOAD_IMAGE_PROCESS": thumbnail})
	root := e.root()
	put := func(key string, header http.Header) {
		t.Helper()
		_, err := root.Object.Put(t.Context(), key, strings.NewReader("<h1>hi</h1>"),
			&cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XOptionHeader: &header}})
		if err != nil {
			t.Fatal(err)
		}
	}
	controls := 0
	check := func(name string, ok bool, detail ...any) {
		t.Helper()
		if !ok {
			t.Errorf("control %q: %v", name, detail)
		}
		controls++
	}
	put("uploads/u1/public.html", http.Header{"X-Cos-Acl": {"public-read"}})
	check("a root-key PUT with x-cos-acl: public-read is anonymously readable", e.anonymousReadable(t, "uploads/u1/public.html"))
	put("uploads/u1/granted.html", http.Header{"X-Cos-Grant-Read": {allUsers}})
	check("a root-key PUT granting AllUsers READ is anonymously readable", e.anonymousReadable(t, "uploads/u1/granted.html"))
	put("uploads/u1/private.html", http.Header{"X-Cos-Acl": {"private"}})
	check("a private object is not", !e.anonymousReadable(t, "uploads/u1/private.html"))
	put("uploads/u1/default.html", nil)
	check("an object with the default ACL in a private bucket is not", !e.anonymousReadable(t, "uploads/u1/default.html"))

	// A URL signed the way cosgate signed before (the permanent key, type,
	// length and no-overwrite only) lets an added header publish the object.
	now := time.Now()
	endpoint, _ := cossign.ParseEndpoint(e.COSURL, e.Env["COS_BUCKET"], false)
	creds := cossign.Credentials{SecretID: e.Env["COS_SECRET_ID"], SecretKey: e.Env["COS_SECRET_KEY"]}
	oldURL := cossign.PresignURL(creds, endpoint, cossign.Presign{
		Method: "PUT",
		Key:    "uploads/u1/old-style.html",
		Headers: []cossign.Pair{
			{Name: "content-type", Value: "text/html"},
			{Name: "content-length", Value: "4"},
			{Name: "x-cos-forbid-overwrite", Value: "true"},
		},
		Window: cossign.NewWindow(now, time.Minute, 10*time.Minute),
	})
	req, _ := http.NewRequest("PUT", oldURL, strings.NewReader("<b/>"))
	req.Header.Set("Content-Type", "text/html")
	req.Header.Set("x-cos-forbid-overwrite", "true")
	req.Header.Set("x-cos-grant-read", allUsers)
	req.Header.Set("Cache-Control", "public, max-age=31536000")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	check("an old-style URL plus a grant header is stored", resp.StatusCode == 200, resp.Status)
	check("and published", e.anonymousReadable(t, "uploads/u1/old-style.html"))
	got, _ := http.Get(e.COSURL + "/uploads/u1/old-style.html")
	got.Body.Close()
	check("with the uploader's Cache-Control", got.Header.Get("Cache-Control") == "public, max-age=31536000", got.Header)

	// An unsigned response-content-type is applied by the emulator, as COS does.
	signed, _ := root.Object.GetPresignedURL(t.Context(), http.MethodGet, "uploads/u1/private.html",
		e.Env["COS_SECRET_ID"], e.Env["COS_SECRET_KEY"], time.Minute, nil)
	got, err = http.Get(signed.String() + "&response-content-type=text%2Fhtml")
	if err != nil {
		t.Fatal(err)
	}
	got.Body.Close()
	check("an unsigned response-content-type is served", got.StatusCode == 200 && got.Header.Get("Content-Type") == "text/html",
		got.Status, got.Header)
	check("with nosniff", got.Header.Get("X-Content-Type-Options") == "nosniff", got.Header)

	// A GET signed with the permanent key, as downloads were signed before,
	// reads the ACL (the owner's uin) and runs ci-process operations when
	// they are appended: that key may do anything.
	status, body := fetch(t, signed.String()+"&acl")
	check("a permanent-key GET + &acl answers the ACL", status == 200 && strings.Contains(body, "AccessControlPolicy"),
		status, body)
	status, body = fetch(t, signed.String()+"&ci-process=AISuperResolution")
	check("a permanent-key GET + &ci-process runs it", status == 200, status, body)

	// What a download URL cannot prevent (README, Downloads): COS authorises
	// image processing on download as GetObject alone, so an appended
	// imageMogr2 operation is served (billed to the owner); the emulator
	// serves the original bytes.
	key := "uploads/u1/photo.jpg"
	if _, err := root.Object.Put(t.Context(), key, strings.NewReader("jpeg"), nil); err != nil {
		t.Fatal(err)
	}
	plain := signedDownload(t, e, key, "")
	status, _ = fetch(t, plain+"&imageMogr2%2Fthumbnail%2F4000x%2F")
	check("an appended imageMogr2 on a download URL is served (residual)", status == 200, status)
	// The offered operation works, signed.
	status, body = fetch(t, signedDownload(t, e, key, thumbnail))
	check("an offered image operation is served", status == 200 && body == "jpeg", status, body)
	status, _ = fetch(t, plain)
	check("and a plain download", status == 200, status)

	// A POST form policy that pins nothing but the key lets a redirect through.
	form := cossign.SignPostUpload(creds, cossign.PostUpload{
		Bucket:     e.Env["COS_BUCKET"],
		Key:        "uploads/u1/redirected.jpg",
		MaxSize:    100,
		Expiration: now.Add(10 * time.Minute),
		Window:     cossign.NewWindow(now, time.Minute, 10*time.Minute),
	})
	fields := append(fieldPairs(form.Fields), [2]string{"success_action_redirect", "https://evil.example/"},
		[2]string{"acl", "public-read"})
	pr := postForm(t, e.COSURL+"/", fields, []byte("jpeg"))
	check("an unpinned form follows success_action_redirect", pr.StatusCode == 303 &&
		strings.HasPrefix(pr.Header.Get("Location"), "https://evil.example/"), pr.Status, pr.Header)
	check("and takes the form's acl", e.anonymousReadable(t, "uploads/u1/redirected.jpg"))

	// The legitimate flows still work, and leave private objects.
	p := presignPUT(t, e, "png", []byte("an image"))
	if status, code := p.put(t, []byte("an image"), nil); status != 200 {
		t.Fatalf("the legitimate PUT: %d %s", status, code)
	}
	check("a presigned PUT made as told is private", !e.anonymousReadable(t, p.Key))
	f := presignPOST(t, e)
	r := f.post(t, []byte("a photo"), nil)
	check("a presigned POST made as told is stored, without a redirect", r.StatusCode == 200, r.Status, r.Header)
	check("and private", !e.anonymousReadable(t, f.Key))
	acl := getACL(t, e, p.Key)
	check("GET Object acl (read by cos-go-sdk-v5) shows the owner alone",
		len(acl.AccessControlList) == 1 && acl.AccessControlList[0].Permission == "FULL_CONTROL", acl)
	pub := getACL(t, e, "uploads/u1/granted.html")
	check("and shows a grant to AllUsers", len(pub.AccessControlList) == 2 &&
		pub.AccessControlList[1].Grantee.URI == "http://cam.qcloud.com/groups/global/AllUsers" &&
		pub.AccessControlList[1].Permission == "READ", pub)
	t.Logf("%d controls hold", controls)
}

// presigned is a /presign PUT answer.
type presigned struct {
	URL, Key string
	Headers  map[string]string
}

func presignPUT(t *testing.T, e *env, ext string, body []byte) presigned {
	t.Helper()
	var p presigned
	if s := e.call(t, "POST", "/presign", e.token, map[string]any{"ext": ext, "size": len(body)}, &p); s != 200 {
		t.Fatalf("/presign: %d", s)
	}
	return p
}

// put sends body with the headers the function returned, then extra ("+name"
// adds a second value), without drop.
func (p presigned) put(t *testing.T, body []byte, extra map[string]string, drop ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", p.URL, bytes.NewReader(body))
	for k, v := range p.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	for k, v := range extra {
		if name, ok := strings.CutPrefix(k, "+"); ok {
			req.Header.Add(name, v)
		} else {
			req.Header.Set(k, v)
		}
	}
	for _, k := range drop {
		req.Header.Del(k)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readCOSError(t, resp).Code
}

// form is a /presign POST answer.
type form struct {
	URL, Key, FileField string
	FormData            orderedFields
}

func presignPOST(t *testing.T, e *env) form {
	t.Helper()
	var f form
	if s := e.call(t, "POST", "/presign", e.token, map[string]any{"method": "POST", "ext": "jpg", "size": 7}, &f); s != 200 {
		t.Fatalf("/presign POST: %d", s)
	}
	return f
}

// post sends the form with extra fields set (replacing or adding).
func (f form) post(t *testing.T, file []byte, extra map[string]string) *http.Response {
	t.Helper()
	fields := map[string]string{}
	var order []string
	for _, kv := range f.FormData {
		fields[kv[0]] = kv[1]
		order = append(order, kv[0])
	}
	for k, v := range extra {
		if _, ok := fields[k]; !ok {
			order = append(order, k)
		}
		fields[k] = v
	}
	var pairs [][2]string
	for _, k := range order {
		pairs = append(pairs, [2]string{k, fields[k]})
	}
	return postForm(t, f.URL, pairs, file)
}

// postForm posts fields, in order, then file, as multipart/form-data.
func postForm(t *testing.T, target string, fields [][2]string, file []byte) *http.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, kv := range fields {
		mw.WriteField(kv[0], kv[1])
	}
	fw, _ := mw.CreateFormFile("file", "photo.jpg")
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequest("POST", target, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func fieldPairs(f cossign.FormFields) [][2]string {
	var out [][2]string
	for _, p := range f {
		out = append(out, [2]string{p.Name, p.Value})
	}
	return out
}

// anonymousReadable reports whether an unsigned GET reads key.
func (e *env) anonymousReadable(t *testing.T, key string) bool {
	t.Helper()
	resp, err := http.Get(e.COSURL + "/" + cossign.EscapePath(key))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == 200
}

// getACL reads an object's ACL with cos-go-sdk-v5 (GET Object acl).
func getACL(t *testing.T, e *env, key string) *cos.ObjectGetACLResult {
	t.Helper()
	r, _, err := e.root().Object.GetACL(t.Context(), key)
	if err != nil {
		t.Fatalf("GET Object acl: %v", err)
	}
	return r
}

func downloadWith(extra string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		key := "uploads/u1/page.jpg"
		if _, err := e.root().Object.Put(t.Context(), key, strings.NewReader("<script>alert(1)</script>"), nil); err != nil {
			t.Fatal(err)
		}
		var out struct{ URL string }
		if s := e.call(t, "GET", "/download?format=json&key="+url.QueryEscape(key), e.token, nil, &out); s != 200 {
			t.Fatalf("/download: %d", s)
		}
		resp, err := http.Get(out.URL + extra)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		ct := resp.Header.Get("Content-Type")
		return resp.StatusCode == 403 && !strings.Contains(ct, "html") && !strings.Contains(ct, "svg"),
			fmt.Sprintf("%d %s %s", resp.StatusCode, ct, resp.Header.Get("Content-Disposition"))
	}
}

func stsKeyWith(header, value string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		k := e.tempKey(t, e.token)
		c := e.cosClient(k.Credentials.TmpSecretID, k.Credentials.TmpSecretKey, k.Credentials.SessionToken)
		key := "uploads/u1/sts-" + strings.ReplaceAll(header, "-", "") + ".jpg"
		h := http.Header{http.CanonicalHeaderKey(header): {value}}
		_, err := c.Object.Put(t.Context(), key, strings.NewReader("jpeg"),
			&cos.ObjectPutOptions{ObjectPutHeaderOptions: &cos.ObjectPutHeaderOptions{XOptionHeader: &h}})
		var ce *cos.ErrorResponse
		return errors.As(err, &ce) && ce.Response.StatusCode == 403 && !e.anonymousReadable(t, key), fmt.Sprint(err)
	}
}

func scopeFlood(t *testing.T, e *env) (bool, string) {
	tok, err := e.Token("flood", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	granted, limited := 0, 0
	var retry string
	for i := range 40 {
		body := map[string]any{"scope": []map[string]string{{"action": "name/cos:PutObject", "prefix": fmt.Sprintf("uploads/flood/%d.jpg", i)}}}
		req, _ := http.NewRequest("POST", e.FunctionsURL+"/sts", strings.NewReader(mustJSON(body)))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		switch resp.StatusCode {
		case 200:
			granted++
		case 429:
			limited++
			retry = resp.Header.Get("Retry-After")
		}
	}
	return granted == 20 && limited == 20 && retry != "", fmt.Sprintf("%d granted, %d limited, Retry-After %s", granted, limited, retry)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func clientKey(key string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		var out map[string]any
		s := e.call(t, "POST", "/presign", e.token, map[string]any{"key": key, "size": 4, "method": "POST"}, &out)
		return s == 400, fmt.Sprintf("%d %v", s, out)
	}
}

func downloadKey(key string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		var out map[string]any
		s := e.call(t, "GET", "/download?format=json&key="+url.QueryEscape(key), e.token, nil, &out)
		return s == 400, fmt.Sprintf("%d %v", s, out)
	}
}

func jwtWith(claims map[string]any, header map[string]any) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		c := jwt.MapClaims{"sub": "u1", "exp": time.Now().Add(time.Hour).Unix()}
		for k, v := range claims {
			c[k] = v
		}
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		for k, v := range header {
			tok.Header[k] = v
		}
		s, err := tok.SignedString([]byte(e.Env["AUTH_JWT_SECRET"]))
		if err != nil {
			t.Fatal(err)
		}
		status := e.call(t, "POST", "/sts", s, nil, nil)
		return status == 401, fmt.Sprint(status)
	}
}

func wxcloudTwice(t *testing.T, _ *env) (bool, string) {
	wx, err := stack.Start(stack.Options{Env: map[string]string{"AUTH_MODE": "wxcloud"}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer wx.Close()
	req, _ := http.NewRequest("POST", wx.FunctionsURL+"/sts", nil)
	req.Header.Set("X-WX-SOURCE", "wx_client")
	req.Header.Add("X-WX-OPENID", "attacker")
	req.Header.Add("X-WX-OPENID", "victim")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == 401, resp.Status
}

func malformedRequest(t *testing.T, e *env) (bool, string) {
	c, err := net.Dial("tcp", strings.TrimPrefix(e.FunctionsURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET /download/%zz HTTP/1.1\r\nHost: x\r\n\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	var body struct {
		Error     struct{ Code string } `json:"error"`
		RequestID string                `json:"requestId"`
	}
	ok := resp.StatusCode == 400 && json.Unmarshal(b, &body) == nil && body.Error.Code == "InvalidRequest" &&
		body.RequestID != "" && body.RequestID == resp.Header.Get("X-Request-Id")
	return ok, fmt.Sprintf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
}

// thumbnail is the one operation the stacks above offer.
const thumbnail = "imageMogr2/thumbnail/200x/"

// signedDownload asks /download (as u1) for key's signed URL, with process
// when not empty.
func signedDownload(t *testing.T, e *env, key, process string) string {
	t.Helper()
	target := "/download?format=json&key=" + url.QueryEscape(key)
	if process != "" {
		target += "&process=" + url.QueryEscape(process)
	}
	var out struct{ URL string }
	if s := e.call(t, "GET", target, e.token, nil, &out); s != 200 {
		t.Fatalf("%s: %d", target, s)
	}
	return out.URL
}

func fetch(t *testing.T, target string) (int, string) {
	t.Helper()
	resp, err := http.Get(target)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, string(b)
}

// putPhoto stores an object for the download attacks.
func putPhoto(t *testing.T, e *env) string {
	t.Helper()
	key := "uploads/u1/sub.jpg"
	if _, err := e.root().Object.Put(t.Context(), key, strings.NewReader("jpeg"), nil); err != nil {
		t.Fatal(err)
	}
	return key
}

// downloadSub appends a sub-resource or processing parameter to a download
// URL: refused (403 AccessDenied) and nothing of the ACL shown.
func downloadSub(extra string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		status, body := fetch(t, signedDownload(t, e, putPhoto(t, e), "")+extra)
		return status == 403 && strings.Contains(body, "AccessDenied") && !strings.Contains(body, "uin"),
			fmt.Sprintf("%d %.200s", status, body)
	}
}

// downloadEdited changes a signed parameter of a download URL (one signing
// thumbnail): refused as a signature mismatch.
func downloadEdited(from, to string) func(t *testing.T, e *env) (bool, string) {
	return func(t *testing.T, e *env) (bool, string) {
		u := signedDownload(t, e, putPhoto(t, e), thumbnail)
		if !strings.Contains(u, from) {
			t.Fatalf("%s not in %s", from, u)
		}
		status, body := fetch(t, strings.Replace(u, from, to, 1))
		return status == 403 && strings.Contains(body, "SignatureDoesNotMatch"), fmt.Sprintf("%d %.200s", status, body)
	}
}

// processNotOffered asks /download for an operation outside the allow-list.
func processNotOffered(t *testing.T, e *env) (bool, string) {
	target := "/download?format=json&key=" + url.QueryEscape(putPhoto(t, e)) + "&process=" +
		url.QueryEscape("imageMogr2/thumbnail/4000x/")
	s := e.call(t, "GET", target, e.token, nil, nil)
	return s == 400, fmt.Sprint(s)
}

// copyStack is a stack whose /sts keys read too (STS_ALLOW_ACTIONS
// upload,multipart,read: a copy needs a read of its source, which the
// default grant lacks altogether), holding u2's object and u1's, with u1's
// /sts key. It fails the test unless that key copies
// its own object within its prefix: a refusal below is then the source's
// or the destination's, not a copy that never works.
type copyStack struct {
	*env
	key     stsAnswer
	secret  []byte // u2's uploads/u2/secret.jpg
	cosHost string // <bucket>.cos.<region>.myqcloud.com, as COS names sources
}

func startCopyStack(t *testing.T) copyStack {
	t.Helper()
	e := startStack(t, map[string]string{"STS_ALLOW_ACTIONS": "upload,multipart,read"})
	cs := copyStack{env: e, key: e.tempKey(t, e.token), secret: []byte("u2's secret"),
		cosHost: e.Env["COS_BUCKET"] + ".cos." + e.Env["COS_REGION"] + ".myqcloud.com"}
	for key, body := range map[string][]byte{"uploads/u2/secret.jpg": cs.secret, "uploads/u1/mine.jpg": []byte("u1's")} {
		if _, err := e.root().Object.Put(t.Context(), key, bytes.NewReader(body), nil); err != nil {
			t.Fatal(err)
		}
	}
	own := http.Header{"X-Cos-Copy-Source": {"{cos}/uploads/u1/mine.jpg"}}
	if status, code := cs.copy(t, "uploads/u1/mine-copy.jpg", own); status != 200 {
		t.Fatalf("a /sts key's copy within its own prefix: %d %s", status, code)
	}
	return cs
}

// expand fills in {cos} (COS's host for the bucket), {host} (the
// emulator's address) and {bucket}.
func (cs copyStack) expand(v string) string {
	return strings.NewReplacer("{cos}", cs.cosHost, "{host}", strings.TrimPrefix(cs.COSURL, "http://"),
		"{bucket}", cs.Env["COS_BUCKET"]).Replace(v)
}

// copy sends PUT Object - Copy to dst, signed by u1's /sts key, with
// header as it is (values expanded): the status and COS's error code.
func (cs copyStack) copy(t *testing.T, dst string, header http.Header) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", cs.COSURL+"/"+cossign.EscapePath(dst), nil)
	for name, vs := range header {
		for _, v := range vs {
			req.Header.Add(name, cs.expand(v))
		}
	}
	signer := &http.Client{Transport: &cos.AuthorizationTransport{SecretID: cs.key.Credentials.TmpSecretID,
		SecretKey: cs.key.Credentials.TmpSecretKey, SessionToken: cs.key.Credentials.SessionToken}}
	resp, err := signer.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, readCOSError(t, resp).Code
}

// untouched reports whether u2's object is still its own.
func (cs copyStack) untouched(t *testing.T) bool {
	t.Helper()
	resp, err := cs.root().Object.Get(t.Context(), "uploads/u2/secret.jpg", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return bytes.Equal(b, cs.secret)
}

// copyWith copies into u1's prefix with header: refused, and nothing
// written there.
func copyWith(header http.Header) func(t *testing.T, _ *env) (bool, string) {
	return func(t *testing.T, _ *env) (bool, string) {
		cs := startCopyStack(t)
		status, code := cs.copy(t, "uploads/u1/stolen.jpg", header)
		return status >= 400 && !cs.Store.Exists("uploads/u1/stolen.jpg"), fmt.Sprintf("%d %s", status, code)
	}
}

// copyOnto copies u1's own object to dst with extra headers: refused, dst
// not written (u2's object unchanged), nothing anonymously readable.
func copyOnto(dst string, extra http.Header) func(t *testing.T, _ *env) (bool, string) {
	return func(t *testing.T, _ *env) (bool, string) {
		cs := startCopyStack(t)
		h := http.Header{"X-Cos-Copy-Source": {"{cos}/uploads/u1/mine.jpg"}}
		for k, v := range extra {
			h[k] = v
		}
		status, code := cs.copy(t, dst, h)
		written := cs.Store.Exists(dst) && !strings.HasPrefix(dst, "uploads/u2/")
		return status >= 400 && !written && cs.untouched(t) && !cs.anonymousReadable(t, dst),
			fmt.Sprintf("%d %s", status, code)
	}
}

// partCopyOf copies a part of source (range rng, whole if empty) into an
// upload in u1's own prefix: refused, no part kept.
func partCopyOf(source, rng string) func(t *testing.T, _ *env) (bool, string) {
	return func(t *testing.T, _ *env) (bool, string) {
		cs := startCopyStack(t)
		c := cs.cosClient(cs.key.Credentials.TmpSecretID, cs.key.Credentials.TmpSecretKey, cs.key.Credentials.SessionToken)
		up, _, err := c.Object.InitiateMultipartUpload(t.Context(), "uploads/u1/stolen.jpg", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Object.CopyPart(t.Context(), "uploads/u1/stolen.jpg", up.UploadID, 1, cs.expand(source),
			&cos.ObjectCopyPartOptions{XCosCopySourceRange: rng})
		parts, _, lerr := c.Object.ListParts(t.Context(), "uploads/u1/stolen.jpg", up.UploadID, nil)
		var ce *cos.ErrorResponse
		if !errors.As(err, &ce) {
			return false, fmt.Sprint(err)
		}
		return ce.Response.StatusCode >= 400 && lerr == nil && len(parts.Parts) == 0,
			fmt.Sprintf("%d %s", ce.Response.StatusCode, ce.Code)
	}
}

// encodeAll percent-encodes every byte of s.
func encodeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, "%%%02X", s[i])
	}
	return b.String()
}
