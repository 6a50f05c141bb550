package cosemu_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cam"
	"cosgate/devstack/cosemu"
	"cosgate/devstack/tempkeys"
	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// TestDifferentialVerdicts: 1,200 generated requests, signed by
// cos-go-sdk-v5 (Authorization header or pre-signed URL, root or temporary
// key) and then left alone or tampered with in one way. For each, three
// verdicts must agree: the one the tampering implies, cosverify.Verify's on
// the request as the server received it, and the emulator's answer.
func TestDifferentialVerdicts(t *testing.T) {
	const n = 1200
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))

	keys := tempkeys.New()
	all, _ := cam.Parse([]byte(policy([]string{"name/cos:*"}, []string{"*"}, "")))
	temp := tempkeys.Key{SecretID: "AKIDdifferentialTEMPORARY0000", SecretKey: "differentialTempSecret000000", Token: "tok-differential_0123", Policy: all, Expires: time.Now().Add(time.Hour)}
	keys.Add(temp)
	emuSrv, err := cosemu.New(cosemu.Config{Bucket: bucket, Region: region, RootID: rootID, RootKey: rootKey, Keys: keys, Store: cosemu.NewMemoryStore()})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(id string) (string, bool) {
		if id == rootID {
			return rootKey, true
		}
		k, ok := keys.Get(id)
		return k.SecretKey, ok
	}
	// The verifier's verdict on what the server received, by case number.
	var mu sync.Mutex
	verifierSaid := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := cosverify.IncomingFromHTTP(r)
		if err == nil {
			_, err = cosverify.Verify(in, lookup, time.Now())
		}
		mu.Lock()
		verifierSaid[r.Header.Get("X-Case")] = verdictOf(err)
		mu.Unlock()
		emuSrv.ServeHTTP(w, r)
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL)
	client := cos.NewClient(&cos.BaseURL{BucketURL: base}, nil)

	counts := map[string]int{}
	for i := range n {
		c := generate(t, rng, srv.URL, client, temp)
		c.req.Header.Set("X-Case", strconv.Itoa(i)) // never signed: not in the SDK's list
		resp, err := http.DefaultClient.Do(c.req)
		if err != nil {
			t.Fatalf("case %d (%s): %v", i, c.desc, err)
		}
		resp.Body.Close()
		emu := resp.Header.Get("x-cos-error-code")
		switch emu {
		case "NoSuchKey", "FileAlreadyExists":
			emu = "" // past authentication
		}
		mu.Lock()
		ver := verifierSaid[strconv.Itoa(i)]
		mu.Unlock()
		if emu != c.want || ver != c.want {
			t.Errorf("case %d %s %s (%s): want %q, emulator %q (HTTP %d), verifier %q", i, c.req.Method, c.req.URL, c.desc, c.want, emu, resp.StatusCode, ver)
		}
		counts[c.want]++
	}
	t.Logf("verdicts: %v", counts)
	if counts[""] < n/4 || counts["SignatureDoesNotMatch"] < n/4 {
		t.Fatalf("the generator is lopsided: %v", counts)
	}
}

func verdictOf(err error) string {
	var v *cosverify.VerifyError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &v) && v.Reason == cosverify.ReasonMismatch:
		return "SignatureDoesNotMatch"
	}
	return "other: " + err.Error()
}

type genCase struct {
	req  *http.Request
	want string // "" accepted, or the COS error code
	desc string
}

const keyRunes = "abcXYZ019-_.~ !*'()+&=;,$@:报告ü"

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func randString(rng *rand.Rand, alphabet string, min, max int) string {
	rs := []rune(alphabet)
	var b strings.Builder
	for range min + rng.IntN(max-min+1) {
		b.WriteRune(rs[rng.IntN(len(rs))])
	}
	return b.String()
}

func randKey(rng *rand.Rand) string {
	var segs []string
	for range 1 + rng.IntN(3) {
		s := randString(rng, keyRunes, 1, 8)
		if s == "." || s == ".." {
			s = "d"
		}
		segs = append(segs, s)
	}
	return strings.Join(segs, "/")
}

func generate(t *testing.T, rng *rand.Rand, base string, client *cos.Client, temp tempkeys.Key) genCase {
	t.Helper()
	id, sk, token := rootID, rootKey, ""
	if rng.IntN(2) == 0 {
		id, sk, token = temp.SecretID, temp.SecretKey, temp.Token
	}
	method := pick(rng, "GET", "HEAD", "PUT", "DELETE")
	key := randKey(rng)
	query := url.Values{}
	for range rng.IntN(3) {
		switch rng.IntN(3) {
		case 0:
			query.Set(pick(rng, "response-content-type", "response-cache-control"), pick(rng, "text/plain", "no-cache", "image/png"))
		case 1:
			query.Set("x-param-"+randString(rng, "abcdef", 1, 4), randString(rng, keyRunes, 0, 10))
		case 2:
			query.Set("flag", "")
		}
	}
	header := http.Header{}
	var body []byte
	if method == "PUT" {
		body = []byte(randString(rng, "abcdefghij", 0, 64))
		if rng.IntN(2) == 0 {
			header.Set("Content-Length", strconv.Itoa(len(body)))
		}
		header.Set("Content-Type", pick(rng, "text/plain", "image/jpeg", "application/octet-stream"))
	}
	for range rng.IntN(3) {
		// HTTP trims a header value's outer spaces, so a signer must not
		// sign them; values start and end with a letter.
		header.Set("x-cos-meta-"+randString(rng, "abcdef", 1, 5), "v"+randString(rng, "abc XYZ 012", 0, 10)+"v")
	}
	if method == "GET" && rng.IntN(4) == 0 {
		header.Set("Range", "bytes=0-3")
	}

	var req *http.Request
	presigned, merged := rng.IntN(2) == 0, rng.IntN(3) == 0
	desc := fmt.Sprintf("presigned=%v merged=%v temp=%v", presigned, presigned && merged, token != "")
	if presigned {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if token != "" {
			q.Set("x-cos-security-token", token)
		}
		h := header.Clone()
		u, err := client.Object.GetPresignedURL(t.Context(), method, key, id, sk, time.Hour, &cos.PresignedURLOptions{Query: &q, Header: &h, SignMerged: merged})
		if err != nil {
			t.Fatal(err)
		}
		req, _ = http.NewRequest(method, u.String(), bytes.NewReader(body))
	} else {
		u := base + (&url.URL{Path: "/" + key, RawQuery: query.Encode()}).String()
		req, _ = http.NewRequest(method, u, bytes.NewReader(body))
		for k, v := range header {
			req.Header[k] = v
		}
		cos.AddAuthorizationHeader(id, sk, token, req, cos.NewAuthTime(time.Hour))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}

	// Half the cases are tampered with, in one of these ways.
	if rng.IntN(2) == 0 {
		return genCase{req, "", desc + " untouched"}
	}
	mismatch := func(what string) genCase { return genCase{req, "SignatureDoesNotMatch", desc + " " + what} }
	accepted := func(what string) genCase { return genCase{req, "", desc + " " + what} }
	for {
		switch rng.IntN(8) {
		case 0:
			setAuthField(req, presigned, "q-signature", func(v string) string { return flipHex(v) })
			return mismatch("flipped signature")
		case 1:
			req.URL.Path += "x"
			req.URL.RawPath = ""
			return mismatch("other key")
		case 2:
			if len(query) == 0 {
				continue
			}
			q, _ := cosverify.ParseQuery(req.URL.RawQuery)
			for name := range query {
				q.Set(name, q.Get(name)+"x")
				break
			}
			req.URL.RawQuery = q.Encode()
			return mismatch("signed parameter changed")
		case 3:
			if req.URL.RawQuery == "" {
				req.URL.RawQuery = "x-unsigned-probe=1"
			} else {
				req.URL.RawQuery += "&x-unsigned-probe=1"
			}
			return accepted("unsigned parameter added")
		case 4:
			req.Host = strings.Replace(req.URL.Host, "127.0.0.1", "localhost", 1)
			return mismatch("other host")
		case 5:
			req.Header.Set("X-Unsigned-Probe", "1")
			return accepted("unsigned header added")
		case 6:
			var name string
			for k := range header {
				if k != "Content-Length" {
					name = k
					break
				}
			}
			if name == "" {
				continue
			}
			req.Header.Set(name, req.Header.Get(name)+"x")
			return mismatch("signed header " + name + " changed")
		case 7:
			setAuthField(req, presigned, "q-key-time", func(v string) string {
				w, _ := cossign.ParseWindow(v)
				w.End--
				return w.String()
			})
			return mismatch("key time changed")
		}
	}
}

func flipHex(v string) string {
	c := byte('0')
	if v[0] == '0' {
		c = '1'
	}
	return string(c) + v[1:]
}

// setAuthField edits one q-* field in the header, the q-* parameters or
// the merged sign= parameter.
func setAuthField(req *http.Request, presigned bool, name string, edit func(string) string) {
	inAuthorization := func(a string) string {
		parts := strings.Split(a, "&")
		for i, p := range parts {
			if v, ok := strings.CutPrefix(p, name+"="); ok {
				parts[i] = name + "=" + edit(v)
			}
		}
		return strings.Join(parts, "&")
	}
	if !presigned {
		req.Header.Set("Authorization", inAuthorization(req.Header.Get("Authorization")))
		return
	}
	q, _ := cosverify.ParseQuery(req.URL.RawQuery)
	if sign := q.Get("sign"); sign != "" {
		q.Set("sign", inAuthorization(sign))
	} else {
		q.Set(name, edit(q.Get(name)))
	}
	req.URL.RawQuery = q.Encode()
}
