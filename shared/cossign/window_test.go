package cossign

import (
	"strings"
	"testing"
)

func TestParseWindow(t *testing.T) {
	for s, ok := range map[string]bool{
		"1;2": true, "1700000000;1700000600": true, "5;5": true,
		"": false, "1": false, "2;1": false, "1;2;3": false, " 1;2": false, "1; 2": false, "-1;2": false, "1;x": false,
		"1;99999999999999999999": false,
	} {
		if _, err := ParseWindow(s); (err == nil) != ok {
			t.Errorf("ParseWindow(%q) err=%v", s, err)
		}
	}
}

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	c := Credentials{SecretID: vecID, SecretKey: vecKey, SessionToken: vecToken}
	for _, s := range []string{c.String(), c.GoString()} {
		if strings.Contains(s, vecKey) || strings.Contains(s, vecToken) || strings.Contains(s, vecID) {
			t.Errorf("leak: %s", s)
		}
	}
}

func TestEndpoints(t *testing.T) {
	e := DefaultEndpoint("examplebucket-1250000000", "ap-guangzhou")
	if got := e.ObjectURL("a b/报.jpg"); got != "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b/%E6%8A%A5.jpg" {
		t.Errorf("ObjectURL = %s", got)
	}
	p, err := ParseEndpoint("http://127.0.0.1:9000", "examplebucket-1250000000", true)
	if err != nil || p.ObjectPath("k") != "/examplebucket-1250000000/k" || p.BucketURL() != "http://127.0.0.1:9000/examplebucket-1250000000/" {
		t.Errorf("path-style: %+v %v", p, err)
	}
	c, err := ParseEndpoint("https://IMG.example.com/", "b-1", false)
	if err != nil || c.Host != "img.example.com" || c.BucketURL() != "https://img.example.com/" || c.BucketPath() != "/" {
		t.Errorf("custom: %+v %v", c, err)
	}
	for _, bad := range []string{"ftp://x", "https://", "https://x/sub", "https://u:p@x", "https://x?y", "::"} {
		if _, err := ParseEndpoint(bad, "b-1", false); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func TestBucketEndpoint(t *testing.T) {
	const bucket, region = "examplebucket-1250000000", "ap-guangzhou"
	for _, c := range []struct {
		raw       string
		pathStyle bool
		want      Endpoint
	}{
		{"", false, Endpoint{Scheme: "https", Host: bucket + ".cos.ap-guangzhou.myqcloud.com"}},
		{"", true, Endpoint{Scheme: "https", Host: "cos.ap-guangzhou.myqcloud.com", Bucket: bucket}},
		{"http://127.0.0.1:9000", false, Endpoint{Scheme: "http", Host: "127.0.0.1:9000"}},
		{"http://127.0.0.1:9000", true, Endpoint{Scheme: "http", Host: "127.0.0.1:9000", Bucket: bucket}},
	} {
		if got, err := BucketEndpoint(c.raw, bucket, region, c.pathStyle); err != nil || got != c.want {
			t.Errorf("%q %v: %+v %v", c.raw, c.pathStyle, got, err)
		}
	}
	if _, err := BucketEndpoint("https://cdn.example.com/sub", bucket, region, false); err == nil {
		t.Error("an endpoint with a path was accepted")
	}
}
