package cossign_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/url"
	"testing"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// A typical pre-signed PUT: server-chosen key, three signed headers besides
// host (Content-Type, Content-Length, x-cos-forbid-overwrite).
var (
	benchKey     = "uploads/u_8f14e45f/2026/11/22/3f2a9c1e7b5d4a60b8e1c2d3f4a5b6c7.jpg"
	benchWindow  = cossign.Window{Start: 1795359049, End: 1795359649}
	benchHeaders = []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}, {Name: "Content-Length", Value: "1048576"}, {Name: "x-cos-forbid-overwrite", Value: "true"}}
	benchCreds   = cossign.Credentials{SecretID: diffID, SecretKey: diffKey}
	benchEnd     = cossign.DefaultEndpoint(bucket, "ap-guangzhou")
)

func BenchmarkPresignPUT(b *testing.B) {
	b.Run("cosgate", func(b *testing.B) {
		b.ReportAllocs()
		p := cossign.Presign{Method: "PUT", Key: benchKey, Headers: benchHeaders, Window: benchWindow}
		for b.Loop() {
			_ = cossign.PresignURL(benchCreds, benchEnd, p)
		}
	})

	b.Run("cos-go-sdk-v5", func(b *testing.B) {
		b.ReportAllocs()
		u, _ := url.Parse("https://" + benchEnd.Host)
		client := cos.NewClient(&cos.BaseURL{BucketURL: u}, &http.Client{})
		s, e := time.Unix(benchWindow.Start, 0), time.Unix(benchWindow.End, 0)
		h := http.Header{}
		for _, p := range benchHeaders {
			h.Set(p.Name, p.Value)
		}
		opt := &cos.PresignedURLOptions{Header: &h, AuthTime: &cos.AuthTime{SignStartTime: s, SignEndTime: e, KeyStartTime: s, KeyEndTime: e}}
		ctx := context.Background()
		for b.Loop() {
			if _, err := client.Object.GetPresignedURL(ctx, "PUT", benchKey, diffID, diffKey, time.Hour, opt); err != nil {
				b.Fatal(err)
			}
		}
	})

	// The crypto floor: only the two HMAC-SHA1 and the one SHA1 every
	// signature needs, over the same strings, with the standard library.
	b.Run("crypto-floor", func(b *testing.B) {
		b.ReportAllocs()
		keyTime := []byte(benchWindow.String())
		fs := []byte(cossign.FormatString(cossign.Request{Method: "PUT", Path: "/" + benchKey,
			Headers: append([]cossign.Pair{{Name: "host", Value: benchEnd.Host}}, benchHeaders...)}))
		secret := []byte(diffKey)
		sts := []byte(cossign.StringToSign(benchWindow, string(fs)))
		for b.Loop() {
			m := hmac.New(sha1.New, secret)
			m.Write(keyTime)
			signKey := hex.AppendEncode(nil, m.Sum(nil))
			_ = sha1.Sum(fs)
			m = hmac.New(sha1.New, signKey)
			m.Write(sts)
			_ = m.Sum(nil)
		}
	})
}

func BenchmarkSignHeader(b *testing.B) {
	b.ReportAllocs()
	r := cossign.Request{Method: "PUT", Path: "/" + benchKey, Headers: append([]cossign.Pair{{Name: "host", Value: benchEnd.Host}}, benchHeaders...)}
	for b.Loop() {
		_ = cossign.Sign(diffID, diffKey, r, benchWindow).String()
	}
}

func BenchmarkVerifyPresignedPUT(b *testing.B) {
	b.ReportAllocs()
	raw := cossign.PresignURL(benchCreds, benchEnd, cossign.Presign{Method: "PUT", Key: benchKey, Headers: benchHeaders, Window: benchWindow})
	u, _ := url.Parse(raw)
	h := http.Header{"Content-Type": {"image/jpeg"}, "Content-Length": {"1048576"}, "X-Cos-Forbid-Overwrite": {"true"}}
	in := cosverify.Incoming{Method: "PUT", Path: u.Path, Query: u.Query(), Header: h, Host: u.Host}
	now := time.Unix(benchWindow.Start+1, 0)
	for b.Loop() {
		if _, err := cosverify.Verify(in, lookup, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignPostUpload(b *testing.B) {
	b.ReportAllocs()
	u := cossign.PostUpload{Bucket: bucket, Key: benchKey, MinSize: 1, MaxSize: 1048576, Expiration: time.Unix(benchWindow.End, 0), Window: benchWindow,
		Fields: []cossign.Pair{{Name: "Content-Type", Value: "image/jpeg"}, {Name: "success_action_status", Value: "200"}, {Name: "x-cos-forbid-overwrite", Value: "true"}}}
	for b.Loop() {
		_ = cossign.SignPostUpload(benchCreds, u)
	}
}
