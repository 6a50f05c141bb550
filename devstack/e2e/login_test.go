package e2e_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tencentyun/cos-go-sdk-v5"
)

type loginAnswer struct {
	Token     string `json:"token"`
	ExpiresAt int64  `json:"expiresAt"`
	UID       string `json:"uid"`
	Error     struct{ Code string }
}

// The mini-program flow on the local stack, with the token /login gives:
// sign in with a wx.login code, take a temporary key from /sts, upload with
// cos-go-sdk-v5, read it back through /download. The code cannot be used
// twice, and the token reaches no other user's prefix. Run with one HS256
// secret, and with the asymmetric split: login holds the ES256 private key
// and sts, presign and download only the public key.
func TestLoginToDownload(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	priv, _ := x509.MarshalPKCS8PrivateKey(key)
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	for name, overrides := range map[string]map[string]string{
		"hs256": nil,
		"es256 split": {
			"AUTH_JWT_SECRET":       "",
			"LOGIN_JWT_PRIVATE_KEY": base64.StdEncoding.EncodeToString(priv),
			"AUTH_JWT_PUBLIC_KEY":   base64.StdEncoding.EncodeToString(pub),
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := startStack(t, overrides)
			var alice, again, bob loginAnswer
			if s := e.call(t, "POST", "/login", "", map[string]string{"code": "dev-alice"}, &alice); s != 200 ||
				len(alice.UID) != 32 {
				t.Fatalf("/login: %d %+v", s, alice)
			}
			if s := e.call(t, "POST", "/login", "", map[string]string{"code": "dev-alice"}, &again); s != 400 ||
				again.Error.Code != "LoginCodeUsed" {
				t.Errorf("a reused code: %d %+v", s, again)
			}
			e.call(t, "POST", "/login", "", map[string]string{"code": "dev-bob"}, &bob)

			k := e.tempKey(t, alice.Token)
			c := e.cosClient(k.Credentials.TmpSecretID, k.Credentials.TmpSecretKey, k.Credentials.SessionToken)
			photo := []byte("alice's photo")
			mine := "uploads/" + alice.UID + "/photo.jpg"
			if _, err := c.Object.Put(t.Context(), mine, bytes.NewReader(photo), nil); err != nil {
				t.Fatalf("upload with the login token's key: %v", err)
			}
			// Another user's prefix stays closed, to the key and to /download.
			theirs := "uploads/" + bob.UID + "/photo.jpg"
			_, err := c.Object.Put(t.Context(), theirs, strings.NewReader("x"), nil)
			var ce *cos.ErrorResponse
			if !errors.As(err, &ce) || ce.Code != "AccessDenied" {
				t.Errorf("upload into bob's prefix: %v", err)
			}
			if s := e.call(t, "GET", "/download?key="+url.QueryEscape(theirs), alice.Token, nil, nil); s != 403 {
				t.Errorf("download from bob's prefix: %d", s)
			}

			req, _ := http.NewRequest("GET", e.FunctionsURL+"/download?key="+url.QueryEscape(mine), nil)
			req.Header.Set("Authorization", "Bearer "+alice.Token)
			resp, err := noRedirect.Do(req)
			if err != nil || resp.StatusCode != 302 {
				t.Fatalf("/download: %v %v", err, resp)
			}
			resp, err = http.Get(resp.Header.Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !bytes.Equal(got, photo) {
				t.Errorf("download: %d %q", resp.StatusCode, got)
			}
			var p struct{ Key string }
			if s := e.call(t, "POST", "/presign", alice.Token, map[string]any{"ext": "jpg", "size": 3}, &p); s != 200 ||
				!strings.HasPrefix(p.Key, "uploads/"+alice.UID+"/") {
				t.Errorf("/presign: %d %+v", s, p)
			}
			// Nothing secret reached the logs: not the AppSecret, not a
			// session_key, not the tokens, not the raw openids.
			e.noSecrets(t, append(e.WeChat.SessionKeys(), e.Env["WX_APPSECRET"], e.Env["LOGIN_UID_SECRET"],
				alice.Token, bob.Token, `"alice"`, `"bob"`)...)
		})
	}
}
