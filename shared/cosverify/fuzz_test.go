package cosverify

import (
	"bytes"
	"cosgate/shared/cossign"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzSignVerifyRoundTrip: whatever the key, parameter and header, a URL we
// sign verifies, in both query forms, and so does the header form.
func FuzzSignVerifyRoundTrip(f *testing.F) {
	f.Add("PUT", "docs/报告 2024 (final)!*'~+&=.txt", "response-content-disposition", `attachment; filename="a b.pdf"`, "image/jpeg", "", int64(1700000000), uint32(600), false)
	f.Add("GET", "a", "imageMogr2/thumbnail/200x/", "", "", "tok+/=&", int64(1), uint32(1), true)
	f.Add("get", "%2B%/😀", "a:b", "x y", "v\x00", "", int64(0), uint32(0), false)
	f.Fuzz(func(t *testing.T, method, key, pname, pvalue, ctype, token string, start int64, life uint32, merged bool) {
		if method == "" || start < 0 || start > 1<<40 {
			t.Skip()
		}
		creds := cossign.Credentials{SecretID: "AKIDfuzz", SecretKey: "fuzzKey", SessionToken: token}
		var params []cossign.Pair
		if n := strings.ToLower(pname); pname != "" && n != "sign" && !strings.HasPrefix(n, "q-") && n != cossign.TokenParam {
			params = append(params, cossign.Pair{Name: pname, Value: pvalue})
		}
		var headers []cossign.Pair
		if ctype != "" {
			headers = append(headers, cossign.Pair{Name: "Content-Type", Value: ctype})
		}
		w := cossign.Window{Start: start, End: start + int64(life)}
		e := cossign.Endpoint{Scheme: "https", Host: "b-1.cos.ap-guangzhou.myqcloud.com"}
		raw := cossign.PresignURL(creds, e, cossign.Presign{Method: method, Key: key, Params: params, Headers: headers, Window: w, Merged: merged})
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("our URL does not parse: %v\n%s", err, raw)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatalf("our query does not parse: %v\n%s", err, raw)
		}
		h := http.Header{}
		if ctype != "" {
			h["Content-Type"] = []string{ctype}
		}
		lookup := func(id string) (string, bool) { return "fuzzKey", id == "AKIDfuzz" }
		now := time.Unix(start, 0)
		if _, err := Verify(Incoming{Method: method, Path: u.Path, Query: q, Header: h, Host: u.Host}, lookup, now); err != nil {
			t.Fatalf("URL does not verify: %v\n%s", err, raw)
		}

		// Header form over the same request.
		r := cossign.Request{Method: method, Path: "/" + key, Params: params, Headers: append([]cossign.Pair{{Name: "host", Value: e.Host}}, headers...)}
		a := cossign.Sign(creds.SecretID, creds.SecretKey, r, w)
		h2 := h.Clone()
		h2.Set("Authorization", a.String())
		in := Incoming{Method: method, Path: "/" + key, Query: values(params), Header: h2, Host: e.Host}
		if _, err := Verify(in, lookup, now); err != nil {
			t.Fatalf("header form does not verify: %v (%s)", err, a)
		}
	})
}

func values(ps []cossign.Pair) url.Values {
	q := url.Values{}
	for _, p := range ps {
		q.Add(p.Name, p.Value)
	}
	return q
}

// FuzzVerifyParser: arbitrary cossign.Authorization headers and query strings never
// panic the verifier, and never verify without the secret.
func FuzzVerifyParser(f *testing.F) {
	good := cossign.Sign(vecID, vecKey, cossign.Request{Method: "GET", Path: "/exampleobject", Headers: []cossign.Pair{{Name: "host", Value: vecHost}}}, cossign.Window{Start: 1700000000, End: 1700003600}).String()
	f.Add(good, "")
	f.Add("", "q-sign-algorithm=sha1&q-ak=x&q-sign-time=1;2&q-key-time=1;2&q-header-list=host;;&q-url-param-list=%zz&q-signature=0")
	f.Add("q-sign-algorithm=sha1&&&===", "sign=q-ak%3D")
	f.Add("", "sign=a&sign=b")
	f.Fuzz(func(t *testing.T, authz, rawQuery string) {
		q, err := ParseQuery(rawQuery)
		if err != nil {
			return
		}
		h := http.Header{}
		if authz != "" {
			h.Set("Authorization", authz)
		}
		in := Incoming{Method: "GET", Path: "/exampleobject", Query: q, Header: h, Host: vecHost}
		_, err = Verify(in, vecLookup, time.Unix(1700000001, 0))
		if err != nil && reasonOf(err) == "" {
			t.Fatalf("error without a reason: %v", err)
		}
		if err == nil && authz != good {
			// Only the genuine signature (or the same fields reordered with
			// the genuine q-signature) may pass.
			if a, perr := ParseAuthorization(authz); perr == nil && a.Signature == "efd673390300c2bde58caa0e43089b35bfd80494" {
				return
			}
			if q.Get("q-signature") == "efd673390300c2bde58caa0e43089b35bfd80494" || strings.Contains(q.Get("sign"), "efd673390300c2bde58caa0e43089b35bfd80494") {
				return
			}
			t.Fatalf("forged signature accepted: %q %q", authz, rawQuery)
		}
	})
}

// FuzzParsePostPolicy: arbitrary policy documents never panic the parser,
// and a parsed policy survives rendering and parsing again.
func FuzzParsePostPolicy(f *testing.F) {
	f.Add([]byte(`{"expiration":"2023-11-14T22:23:20.000Z","conditions":[{"q-ak":"x"},["starts-with","$key","u/"],["content-length-range",1,10]]}`))
	f.Add([]byte(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["eq","$Content-Type",5]]}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		p, err := ParsePostPolicy(doc)
		if err != nil {
			return
		}
		again, err := ParsePostPolicy(p.JSON())
		if err != nil {
			t.Fatalf("rendered policy does not parse: %v\n%s", err, p.JSON())
		}
		if !bytes.Equal(again.JSON(), p.JSON()) {
			t.Fatalf("round trip changed the policy:\n%s\n%s", p.JSON(), again.JSON())
		}
	})
}
