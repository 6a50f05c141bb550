package presignapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cosgate/devstack/cam"
	"cosgate/devstack/cosemu"
	"cosgate/devstack/tempkeys"
	"cosgate/shared/cossign"
	"cosgate/shared/stsclient"
)

// emulatedSTS issues keys the COS emulator knows, each bound to the policy
// UploadKeys asked for, as STS binds it.
type emulatedSTS struct{ keys *tempkeys.Registry }

func (s emulatedSTS) Issue(_ context.Context, r stsclient.Request) (stsclient.Credentials, error) {
	p, err := cam.Parse(r.Policy)
	if err != nil {
		return stsclient.Credentials{}, err
	}
	k := tempkeys.Key{SecretID: "AKIDemulated" + r.SessionName, SecretKey: "emulatedSecretKey0123456789abcdef",
		Token: "emulated-token-" + r.SessionName, Policy: p, Expires: now.Add(r.Duration)}
	s.keys.Add(k)
	return stsclient.Credentials{TmpSecretID: k.SecretID, TmpSecretKey: k.SecretKey, Token: k.Token, ExpiredTime: k.Expires.Unix()}, nil
}

// A POST form posted to the COS emulator: as handed out, it uploads a
// private object; with x-cos-acl=public-read next to the pinned
// acl=private (COS does not say which of the two it applies), it is
// refused with 403 and nothing is stored.
func TestPostFormOnEmulator(t *testing.T) {
	keys := tempkeys.New()
	store := cosemu.NewMemoryStore()
	emu, err := cosemu.New(cosemu.Config{Bucket: bucket, Region: "ap-guangzhou", RootID: "AKIDroot", RootKey: "rootKey",
		Keys: keys, Store: store, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu)
	defer srv.Close()
	endpoint, err := cossign.ParseEndpoint(srv.URL, bucket, true)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := handler(t, func(h *Handler) { h.Endpoint, h.Keys.STS = endpoint, emulatedSTS{keys} })

	form := func() PostResponse {
		w := post(t, h, `{"ext":"jpg","method":"POST","size":5}`, token(t, "u1"))
		var resp PostResponse
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &resp) != nil {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		return resp
	}
	upload := func(resp PostResponse, extra ...cossign.Pair) int {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		for name, v := range resp.FormData {
			mw.WriteField(name, v)
		}
		for _, p := range extra {
			mw.WriteField(p.Name, p.Value)
		}
		fw, _ := mw.CreateFormFile(resp.FileField, "a.jpg")
		fw.Write([]byte("12345"))
		mw.Close()
		r, _ := http.NewRequest("POST", resp.URL, &b)
		r.Header.Set("Content-Type", mw.FormDataContentType())
		a, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, a.Body)
		a.Body.Close()
		return a.StatusCode
	}
	anonymous := func(key string) int {
		a, err := http.Get(srv.URL + "/" + bucket + "/" + key)
		if err != nil {
			t.Fatal(err)
		}
		a.Body.Close()
		return a.StatusCode
	}

	both := form()
	if both.FormData["acl"] != "private" || both.FormData["x-cos-acl"] != "private" {
		t.Fatalf("the form pins the ACL under both names: %v", both.FormData)
	}
	both.FormData["x-cos-acl"] = "public-read"
	if s := upload(both); s != 403 || store.Exists(both.Key) {
		t.Errorf("acl=private with x-cos-acl=public-read: %d, stored %v", s, store.Exists(both.Key))
	}
	// The same field twice, the public one last: the form fails its policy.
	twice := form()
	if s := upload(twice, cossign.Pair{Name: "x-cos-acl", Value: "public-read"}); s != 403 || store.Exists(twice.Key) {
		t.Errorf("a second x-cos-acl=public-read: %d, stored %v", s, store.Exists(twice.Key))
	}

	pinned := form()
	if s := upload(pinned); s != 200 || !store.Exists(pinned.Key) {
		t.Fatalf("the form as handed out: %d", s)
	}
	if s := anonymous(pinned.Key); s != 403 {
		t.Errorf("the uploaded object is readable by anyone: %d", s)
	}
}
