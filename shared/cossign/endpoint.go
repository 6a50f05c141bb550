package cossign

import (
	"fmt"
	"net/url"
	"strings"
)

// Endpoint is where a bucket's objects are addressed: a scheme and host
// (with a port when it is not the default), and, for path-style addressing,
// the bucket as the first path segment. The host is what gets signed.
type Endpoint struct {
	Scheme string // "https" or "http"
	Host   string // "<bucket>.cos.<region>.myqcloud.com", a custom domain, "127.0.0.1:9000"
	// Bucket is set for path-style addressing ("/<bucket>/<key>"). The bucket
	// then becomes part of the signed path.
	Bucket string
}

// DefaultEndpoint is the virtual-hosted HTTPS endpoint COS gives every bucket.
func DefaultEndpoint(bucket, region string) Endpoint {
	return Endpoint{Scheme: "https", Host: bucket + ".cos." + region + ".myqcloud.com"}
}

// BucketEndpoint is where a bucket's objects are addressed: raw, a base URL
// (see ParseEndpoint), when it is set; otherwise COS's own host for the
// region, virtual-hosted or, with pathStyle, the region host with the
// bucket in the path.
func BucketEndpoint(raw, bucket, region string, pathStyle bool) (Endpoint, error) {
	switch {
	case raw != "":
		return ParseEndpoint(raw, bucket, pathStyle)
	case pathStyle:
		return Endpoint{Scheme: "https", Host: "cos." + region + ".myqcloud.com", Bucket: bucket}, nil
	}
	return DefaultEndpoint(bucket, region), nil
}

// ParseEndpoint reads a base URL such as "https://img.example.com" or
// "http://127.0.0.1:9000". With pathStyle, bucket becomes the first path
// segment of every object path. The URL may not carry a path, query or user.
func ParseEndpoint(raw, bucket string, pathStyle bool) (Endpoint, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Endpoint{}, fmt.Errorf("endpoint %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Endpoint{}, fmt.Errorf("endpoint %q: scheme must be http or https", raw)
	}
	if u.Host == "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return Endpoint{}, fmt.Errorf("endpoint %q: want scheme://host[:port] and nothing else", raw)
	}
	e := Endpoint{Scheme: u.Scheme, Host: strings.ToLower(u.Host)}
	if pathStyle {
		e.Bucket = bucket
	}
	return e, nil
}

// ObjectPath is the decoded path of key: what the signature covers.
func (e Endpoint) ObjectPath(key string) string {
	if e.Bucket != "" {
		return "/" + e.Bucket + "/" + key
	}
	return "/" + key
}

// BucketURL is the URL POST Object forms are sent to.
func (e Endpoint) BucketURL() string {
	if e.Bucket != "" {
		return e.Scheme + "://" + e.Host + "/" + e.Bucket + "/"
	}
	return e.Scheme + "://" + e.Host + "/"
}

// BucketPath is the decoded path of BucketURL: what a POST Object signature
// in header form covers.
func (e Endpoint) BucketPath() string {
	if e.Bucket != "" {
		return "/" + e.Bucket + "/"
	}
	return "/"
}

// writeObjectURL writes the unsigned URL of key.
func (e Endpoint) writeObjectURL(b *strings.Builder, key string) {
	b.WriteString(e.Scheme)
	b.WriteString("://")
	b.WriteString(e.Host)
	b.WriteByte('/')
	if e.Bucket != "" {
		writeEscape(b, e.Bucket, false)
		b.WriteByte('/')
	}
	writeEscape(b, key, true)
}

// ObjectURL is the unsigned URL of key. Every byte outside A-Z a-z 0-9 - _ . ~ /
// is percent-encoded, so '+' is always %2B and never read as a space.
func (e Endpoint) ObjectURL(key string) string {
	var b strings.Builder
	e.writeObjectURL(&b, key)
	return b.String()
}
