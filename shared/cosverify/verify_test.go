package cosverify

import (
	"cosgate/shared/cossign"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func vecLookup(id string) (string, bool) { return vecKey, id == vecID }

// signedGET returns a header-signed GET of /exampleobject (V1) as received.
func signedGET(w cossign.Window) Incoming {
	a := cossign.Sign(vecID, vecKey, cossign.Request{Method: "GET", Path: "/exampleobject", Headers: []cossign.Pair{{Name: "host", Value: vecHost}}}, w)
	return Incoming{Method: "GET", Path: "/exampleobject", Query: url.Values{}, Header: http.Header{"Authorization": {a.String()}}, Host: vecHost}
}

func reasonOf(err error) Reason {
	var ve *VerifyError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return ""
}

func TestVerifyReasons(t *testing.T) {
	w := cossign.Window{Start: 1700000000, End: 1700003600}
	inside := time.Unix(1700000100, 0)

	if v, err := Verify(signedGET(w), vecLookup, inside); err != nil || v.Source != SourceHeader {
		t.Fatalf("valid V1 request: %v %v", v, err)
	}

	cases := []struct {
		name string
		in   func() Incoming
		now  time.Time
		want Reason
	}{
		{"no signature", func() Incoming { in := signedGET(w); in.Header.Del("Authorization"); return in }, inside, ReasonMissing},
		{"garbage", func() Incoming { in := signedGET(w); in.Header.Set("Authorization", "Bearer x"); return in }, inside, ReasonMalformed},
		{"md5 algorithm", func() Incoming {
			in := signedGET(w)
			in.Header.Set("Authorization", strings.Replace(in.Header.Get("Authorization"), "sha1", "md5", 1))
			return in
		}, inside, ReasonMalformed},
		{"field twice", func() Incoming {
			in := signedGET(w)
			in.Header.Set("Authorization", in.Header.Get("Authorization")+"&q-ak=x")
			return in
		}, inside, ReasonMalformed},
		{"bad window", func() Incoming {
			in := signedGET(w)
			in.Header.Set("Authorization", strings.Replace(in.Header.Get("Authorization"), "q-key-time=1700000000;", "q-key-time=1700000000,", 1))
			return in
		}, inside, ReasonMalformed},
		{"unknown SecretId", func() Incoming {
			in := signedGET(w)
			in.Header.Set("Authorization", strings.Replace(in.Header.Get("Authorization"), vecID, "AKIDnobody", 1))
			return in
		}, inside, ReasonUnknownKey},
		{"expired", func() Incoming { return signedGET(w) }, time.Unix(1700003601, 0), ReasonExpired},
		{"starts > 15 min ahead", func() Incoming { return signedGET(w) }, time.Unix(1700000000-901, 0), ReasonSkewed},
		{"Date header skewed", func() Incoming {
			in := signedGET(w)
			in.Header.Set("Date", time.Unix(1700000100+16*60, 0).UTC().Format(http.TimeFormat))
			return in
		}, inside, ReasonSkewed},
		{"signed header missing", func() Incoming { in := signedGET(w); in.Host = ""; return in }, inside, ReasonMismatch},
		{"wrong host", func() Incoming { in := signedGET(w); in.Host = "evil.example.com"; return in }, inside, ReasonMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.in(), vecLookup, c.now)
			if got := reasonOf(err); got != c.want {
				t.Errorf("reason = %q (%v), want %q", got, err, c.want)
			}
		})
	}

	// A start up to 15 minutes ahead is tolerated (the client clock runs fast).
	if _, err := Verify(signedGET(w), vecLookup, time.Unix(1700000000-899, 0)); err != nil {
		t.Errorf("small skew refused: %v", err)
	}
}

// On a mismatch the error carries what COS returns: the server's
// cossign.StringToSign and cossign.FormatString.
func TestVerifyMismatchExplains(t *testing.T) {
	in := signedGET(cossign.Window{Start: 1700000000, End: 1700003600})
	in.Path = "/other"
	_, err := Verify(in, vecLookup, time.Unix(1700000100, 0))
	var ve *VerifyError
	if !errors.As(err, &ve) || ve.Reason != ReasonMismatch {
		t.Fatalf("got %v", err)
	}
	wantFS := "get\n/other\n\nhost=" + cossign.Escape(vecHost) + "\n"
	if ve.FormatString != wantFS {
		t.Errorf("FormatString = %q, want %q", ve.FormatString, wantFS)
	}
	if ve.StringToSign != cossign.StringToSign(cossign.Window{Start: 1700000000, End: 1700003600}, wantFS) || !strings.HasPrefix(ve.StringToSign, "sha1\n1700000000;1700003600\n") {
		t.Errorf("StringToSign = %q", ve.StringToSign)
	}
	if strings.Contains(err.Error(), vecKey) || strings.Contains(err.Error(), "host=") {
		t.Errorf("error string leaks request material: %s", err)
	}
}

// Pre-signed URLs verify in both query forms, with the token signed in.
func TestVerifyPresignedForms(t *testing.T) {
	w := cossign.Window{Start: 1700000000, End: 1700000600}
	for _, merged := range []bool{false, true} {
		raw := cossign.PresignURL(cossign.Credentials{SecretID: vecID, SecretKey: vecKey, SessionToken: vecToken}, vecEndpoint, cossign.Presign{
			Method: "PUT", Key: "uploads/u1/a b+c.jpg", Window: w, Merged: merged,
			Headers: []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}, {Name: "Content-Length", Value: "5"}, {Name: "x-cos-forbid-overwrite", Value: "true"}},
		})
		u, _ := url.Parse(raw)
		h := http.Header{"Content-Type": {"image/jpeg"}, "Content-Length": {"5"}, "X-Cos-Forbid-Overwrite": {"true"}}
		in := Incoming{Method: "PUT", Path: u.Path, Query: u.Query(), Header: h, Host: u.Host}
		v, err := Verify(in, vecLookup, time.Unix(1700000001, 0))
		if err != nil {
			t.Fatalf("merged=%v: %v\n%s", merged, err, raw)
		}
		if want := map[bool]Source{false: SourceQuery, true: SourceMerged}[merged]; v.Source != want {
			t.Errorf("source = %s", v.Source)
		}
		if v.Auth.ParamList != "x-cos-security-token" || v.Auth.HeaderList != "content-length;content-type;host;x-cos-forbid-overwrite" {
			t.Errorf("lists: %+v", v.Auth)
		}
		// A larger body, another type, or dropping forbid-overwrite all fail.
		for name, val := range map[string]string{"Content-Length": "6", "Content-Type": "text/html", "X-Cos-Forbid-Overwrite": ""} {
			t2 := in
			t2.Header = h.Clone()
			if val == "" {
				t2.Header.Del(name)
			} else {
				t2.Header.Set(name, val)
			}
			if _, err := Verify(t2, vecLookup, time.Unix(1700000001, 0)); reasonOf(err) != ReasonMismatch {
				t.Errorf("merged=%v %s=%q: %v", merged, name, val, err)
			}
		}
	}
}

func TestParseQuery(t *testing.T) {
	q, err := ParseQuery("a=1;2&acl&b=x+y%2B&&c=&a=3")
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"a": {"1;2", "3"}, "acl": {""}, "b": {"x y+"}, "c": {""}}
	if q.Encode() != want.Encode() {
		t.Errorf("got %v", q)
	}
	if _, err := ParseQuery("a=%zz"); reasonOf(err) != ReasonMalformed {
		t.Errorf("bad escape: %v", err)
	}
}

// The mini-program SDK's form upload: the cossign.Authorization arrives as the
// "Signature" form field and covers "post /" with the host.
func TestVerifyExplicitAuthorization(t *testing.T) {
	w := cossign.Window{Start: 1795359049, End: 1795360849}
	a := cossign.Sign("tmpId", "tmpKey", cossign.Request{Method: "POST", Path: "/", Headers: []cossign.Pair{{Name: "host", Value: "127.0.0.1:9000"}}}, w)
	in := Incoming{Method: "POST", Path: "/", Query: url.Values{}, Header: http.Header{}, Host: "127.0.0.1:9000", Authorization: a.String()}
	look := func(id string) (string, bool) { return "tmpKey", id == "tmpId" }
	v, err := Verify(in, look, time.Unix(1795359100, 0))
	if err != nil || v.Source != SourceExplicit || v.Auth.Signature != "e0c3ee7b770d46d57762312fa40f21a4371a21e7" {
		t.Fatalf("%+v %v", v, err)
	}
}

// The JS SDKs append q-* values raw (';' unescaped, or %3b in lower case)
// and put the session token after them, unsigned. Such URLs verify; the
// token is then the caller's to check.
func TestVerifyJSStyleURL(t *testing.T) {
	w := cossign.Window{Start: 1700000000, End: 1700000900}
	a := cossign.Sign(vecID, vecKey, cossign.Request{Method: "GET", Path: "/a b.jpg", Params: []cossign.Pair{{Name: "response-content-type", Value: "image/png"}}, Headers: []cossign.Pair{{Name: "host", Value: vecHost}}}, w)
	raw := "https://" + vecHost + "/a%20b.jpg?response-content-type=image%2Fpng&q-sign-algorithm=sha1&q-ak=" + vecID +
		"&q-sign-time=1700000000;1700000900&q-key-time=1700000000%3b1700000900&q-header-list=host&q-url-param-list=response-content-type&q-signature=" +
		a.Signature + "&x-cos-security-token=raw-token"
	r, err := http.NewRequest("GET", raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.URL.Query()["q-sign-time"]) != 0 {
		t.Log("net/url now keeps raw ';' pairs; ParseQuery is still right")
	}
	in, err := IncomingFromHTTP(r)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(in, vecLookup, time.Unix(1700000001, 0)); err != nil {
		t.Fatal(err)
	}
}

// A signed form verifies and passes its own conditions; the file size is
// held to the range.
func TestPostFormRoundTrip(t *testing.T) {
	creds := cossign.Credentials{SecretID: vecID, SecretKey: vecKey, SessionToken: vecToken}
	form := cossign.SignPostUpload(creds, cossign.PostUpload{
		Bucket: "examplebucket-1250000000", Key: "uploads/u1/2026/11/22/x y+z.jpg", MinSize: 1, MaxSize: 1000,
		Fields:     []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}, {Name: "success_action_status", Value: "200"}, {Name: "x-cos-forbid-overwrite", Value: "true"}},
		Expiration: time.Unix(1700000600, 0), Window: cossign.Window{Start: 1700000000, End: 1700000600},
	})
	m := form.Fields.Map()
	field := func(n string) (string, bool) { v, ok := m[n]; return v, ok }
	v, err := VerifyPostForm(field, vecLookup, time.Unix(1700000300, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckPolicy(v.Policy, field, "examplebucket-1250000000", 1000); err != nil {
		t.Fatal(err)
	}
	if err := CheckPolicy(v.Policy, field, "examplebucket-1250000000", 1001); err == nil {
		t.Error("oversize file passed")
	}
	m["Content-Type"] = "text/html"
	if err := CheckPolicy(v.Policy, field, "examplebucket-1250000000", 10); err == nil {
		t.Error("changed Content-Type passed")
	}
	m["Content-Type"] = "image/jpeg"
	m["q-signature"] = strings.Repeat("0", 40)
	if _, err := VerifyPostForm(field, vecLookup, time.Unix(1700000300, 0)); reasonOf(err) != ReasonMismatch {
		t.Errorf("forged policy signature: %v", err)
	}
}

// Image-processing parameters are signed query parameters with a '/'-laden
// name and no value; they are written as the JS SDKs write them.
func TestImageProcessingParam(t *testing.T) {
	raw := cossign.PresignURL(cossign.Credentials{SecretID: vecID, SecretKey: vecKey}, vecEndpoint, cossign.Presign{
		Method: "GET", Key: "a.jpg", Window: cossign.Window{Start: 1700000000, End: 1700000300}, Params: []cossign.Pair{{Name: "imageMogr2/thumbnail/200x/", Value: ""}},
	})
	if !strings.Contains(raw, "/a.jpg?imageMogr2%2Fthumbnail%2F200x%2F=&q-sign-algorithm=") ||
		!strings.Contains(raw, "q-url-param-list=imagemogr2%252fthumbnail%252f200x%252f&") {
		t.Errorf("URL: %s", raw)
	}
	u, _ := url.Parse(raw)
	in := Incoming{Method: "GET", Path: u.Path, Query: u.Query(), Header: http.Header{}, Host: u.Host}
	if _, err := Verify(in, vecLookup, time.Unix(1700000001, 0)); err != nil {
		t.Fatal(err)
	}
	in.Query.Del("imageMogr2/thumbnail/200x/")
	in.Query.Set("imageMogr2/thumbnail/2000x/", "")
	if _, err := Verify(in, vecLookup, time.Unix(1700000001, 0)); reasonOf(err) != ReasonMismatch {
		t.Errorf("altered processing accepted: %v", err)
	}
}
