package cossigntest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	cos "github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// SDKPresignURL asks cos-go-sdk-v5 (GetPresignedURL with a fixed AuthTime)
// for the URL of p on e: the reference our URLs are compared with. A
// session token goes into the signed query, as the SDK's examples do;
// path-style puts the bucket into the key, the only way the SDK signs it.
func SDKPresignURL(creds cossign.Credentials, e cossign.Endpoint, p cossign.Presign) (*url.URL, error) {
	base, err := url.Parse(e.Scheme + "://" + e.Host)
	if err != nil {
		return nil, err
	}
	key := p.Key
	if e.Bucket != "" {
		key = e.Bucket + "/" + key
	}
	q := url.Values{}
	for _, kv := range p.Params {
		q.Add(kv.Name, kv.Value)
	}
	if creds.SessionToken != "" {
		q.Set("x-cos-security-token", creds.SessionToken)
	}
	h := http.Header{}
	for _, kv := range p.Headers {
		h.Add(kv.Name, kv.Value)
	}
	s, end := time.Unix(p.Window.Start, 0), time.Unix(p.Window.End, 0)
	client := cos.NewClient(&cos.BaseURL{BucketURL: base}, &http.Client{})
	return client.Object.GetPresignedURL(
		context.Background(),
		p.Method,
		key,
		creds.SecretID,
		creds.SecretKey,
		time.Hour,
		&cos.PresignedURLOptions{
			Query:      &q,
			Header:     &h,
			AuthTime:   &cos.AuthTime{SignStartTime: s, SignEndTime: end, KeyStartTime: s, KeyEndTime: end},
			SignMerged: p.Merged,
		},
		!p.UnsignedHost,
	)
}

// QueryAuth reads the signature fields of a pre-signed URL (q-* or sign=)
// and returns them with the remaining query parameters.
func QueryAuth(raw string) (cossign.Authorization, url.Values, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return cossign.Authorization{}, nil, err
	}
	q, err := cosverify.ParseQuery(u.RawQuery)
	if err != nil {
		return cossign.Authorization{}, nil, err
	}
	var a string
	if s := q.Get("sign"); s != "" {
		a = s
		q.Del("sign")
	} else {
		var parts []string
		fields := []string{
			"q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list", "q-signature",
		}
		for _, f := range fields {
			parts = append(parts, f+"="+q.Get(f))
			q.Del(f)
		}
		a = strings.Join(parts, "&")
	}
	auth, err := cosverify.ParseAuthorization(a)
	if err != nil {
		return cossign.Authorization{}, nil, fmt.Errorf("%s: %w", raw, err)
	}
	return auth, q, nil
}
