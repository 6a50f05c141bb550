package scfapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"cosgate/deploy/scfapi"
)

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"scf.tencentcloudapi.com": "HTTPS scf.tencentcloudapi.com", "http://127.0.0.1:9400": "HTTP 127.0.0.1:9400",
		"https://scf.internal.tencentcloudapi.com/": "HTTPS scf.internal.tencentcloudapi.com",
		"ftp://x": "error", "http://x/path": "error", "": "error",
	} {
		s, h, err := scfapi.ParseEndpoint(in)
		got := s + " " + h
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// The bodies carry the generated models' field names, and the SDK's
// headers; errors come back as the API's codes.
func TestWire(t *testing.T) {
	var body []byte
	var header http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		header = r.Header
		if r.Header.Get("X-TC-Action") == "GetFunction" {
			io.WriteString(w, `{"Response":{"Error":{"Code":"ResourceNotFound.Function","Message":"函数不存在"},"RequestId":"r1"}}`)
			return
		}
		io.WriteString(w, `{"Response":{"RequestId":"r2"}}`)
	}))
	defer srv.Close()
	c, err := scfapi.New(scfapi.Options{Region: "ap-guangzhou", Endpoint: srv.URL, Key: scfapi.Key{SecretID: "AKIDx", SecretKey: "k", Token: "tok"}})
	if err != nil {
		t.Fatal(err)
	}
	err = c.CreateFunction(context.Background(), &scfapi.CreateFunctionRequest{FunctionName: "cosgate-sts",
		Code: &scfapi.Code{ZipFile: "UEsFBg=="}, CodeSource: "ZipFile", Runtime: "Go1", Type: "HTTP", MemorySize: 128, Timeout: 10,
		Namespace: "default", Environment: &scfapi.Environment{Variables: []scfapi.Variable{{Key: "A", Value: "b"}}}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"FunctionName":"cosgate-sts","Code":{"ZipFile":"UEsFBg=="},"CodeSource":"ZipFile","MemorySize":128,"Timeout":10,` +
		`"Environment":{"Variables":[{"Key":"A","Value":"b"}]},"Runtime":"Go1","Namespace":"default","Type":"HTTP"}`
	if string(body) != want {
		t.Errorf("body\n%s\nwant\n%s", body, want)
	}
	for k, v := range map[string]string{"X-TC-Action": "CreateFunction", "X-TC-Version": "2018-04-16", "X-TC-Region": "ap-guangzhou",
		"X-TC-Token": "tok", "Content-Type": "application/json"} {
		if header.Get(k) != v {
			t.Errorf("%s: %q", k, header.Get(k))
		}
	}
	if !strings.HasPrefix(header.Get("Authorization"), "TC3-HMAC-SHA256 Credential=AKIDx/") {
		t.Errorf("Authorization: %s", header.Get("Authorization"))
	}
	_, err = c.GetFunction(context.Background(), &scfapi.GetFunctionRequest{FunctionName: "cosgate-sts"})
	if !scfapi.IsNotFound(err) || scfapi.ErrorCode(err) != "ResourceNotFound.Function" {
		t.Errorf("%v", err)
	}
	if scfapi.IsNotFound(fmt.Errorf("other")) || scfapi.ErrorCode(nil) != "" {
		t.Error("a non-API error has a code")
	}
	var trig scfapi.HTTPTriggerDesc
	if json.Unmarshal([]byte(`{"AuthType":"NONE","NetConfig":{"EnableIntranet":false,"EnableExtranet":true,"ExtranetUrl":"https://x"}}`), &trig) != nil ||
		trig.NetConfig.ExtranetURL != "https://x" {
		t.Errorf("%+v", trig)
	}
}

func TestKeyString(t *testing.T) {
	k := scfapi.Key{SecretID: "AKIDabcdefghijkl", SecretKey: "VISIBLE"}
	if s := fmt.Sprint(k); strings.Contains(s, "VISIBLE") || strings.Contains(s, "ijkl") {
		t.Errorf("%s", s)
	}
}
