package cosemu_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tencentyun/cos-go-sdk-v5"

	"cosgate/devstack/cosemu"
)

// listKeys are the objects TestGoSDKListObjects lists, in UTF-8 byte order.
var listKeys = []string{
	"a.txt",
	"docs/",
	"docs/one.txt",
	"docs/sub/deep/four.txt",
	"docs/sub/three.txt",
	"docs/two.txt",
	"enc/a b+c%d 腾讯.txt",
	"enc/x+y",
	"img/x.png",
	"img/y.png",
	"uploads/u1/a.png",
	"uploads/u1/b.png",
	"uploads/u2/c.png",
	"z/é",
	"é.txt", // 0xC3 sorts after every ASCII byte
}

// TestGoSDKListObjects: GET Bucket through cos-go-sdk-v5's Bucket.Get, on
// both stores: prefix, delimiter, paging by NextMarker, max-keys,
// encoding-type=url, errors, and a prefix-limited temporary key.
func TestGoSDKListObjects(t *testing.T) {
	for name, store := range map[string]func(t *testing.T) cosemu.Store{
		"memory": func(*testing.T) cosemu.Store { return cosemu.NewMemoryStore() },
		"disk": func(t *testing.T) cosemu.Store {
			s, err := cosemu.NewDiskStore(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := start(t, store(t))
			c := e.root()

			// An empty bucket lists nothing, untruncated.
			v, _, err := c.Bucket.Get(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.Name != bucket || len(v.Contents) != 0 || len(v.CommonPrefixes) != 0 || v.IsTruncated || v.MaxKeys != 1000 {
				t.Fatalf("empty bucket: %+v", v)
			}

			// Written in reverse so that write order cannot pass for key order.
			for i := len(listKeys) - 1; i >= 0; i-- {
				if _, err := c.Object.Put(t.Context(), listKeys[i], strings.NewReader(listKeys[i]), nil); err != nil {
					t.Fatal(err)
				}
			}

			t.Run("all", func(t *testing.T) {
				v, _, err := c.Bucket.Get(t.Context(), nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := contentKeys(v); !slices.Equal(got, listKeys) || v.IsTruncated || v.NextMarker != "" {
					t.Fatalf("keys %q (truncated %v, next %q), want %q", got, v.IsTruncated, v.NextMarker, listKeys)
				}
				o := v.Contents[0]
				sum := md5.Sum([]byte(o.Key))
				mod, err := time.Parse("2006-01-02T15:04:05.000Z", o.LastModified)
				if o.ETag != `"`+hex.EncodeToString(sum[:])+`"` || o.Size != int64(len(o.Key)) || err != nil ||
					time.Since(mod).Abs() > time.Minute || o.StorageClass != "STANDARD" ||
					o.Owner == nil || o.Owner.ID != "1250000000" || o.Owner.DisplayName != "1250000000" {
					t.Fatalf("entry %+v (owner %+v, time %v)", o, o.Owner, err)
				}
			})

			t.Run("prefix", func(t *testing.T) {
				v, _, err := c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "docs/"})
				if err != nil {
					t.Fatal(err)
				}
				want := []string{"docs/", "docs/one.txt", "docs/sub/deep/four.txt", "docs/sub/three.txt", "docs/two.txt"}
				if got := contentKeys(v); !slices.Equal(got, want) || v.Prefix != "docs/" || len(v.CommonPrefixes) != 0 {
					t.Fatalf("prefix docs/: %q %q %q", v.Prefix, got, v.CommonPrefixes)
				}
			})

			t.Run("delimiter", func(t *testing.T) {
				v, _, err := c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Delimiter: "/"})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := contentKeys(v), []string{"a.txt", "é.txt"}; !slices.Equal(got, want) || v.Delimiter != "/" ||
					!slices.Equal(v.CommonPrefixes, []string{"docs/", "enc/", "img/", "uploads/", "z/"}) {
					t.Fatalf("root: %q %q", got, v.CommonPrefixes)
				}
				// Under a prefix the delimiter is looked for after it; the
				// key equal to the prefix is an object of its own.
				v, _, err = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "docs/", Delimiter: "/"})
				if err != nil {
					t.Fatal(err)
				}
				if got, want := contentKeys(v), []string{"docs/", "docs/one.txt", "docs/two.txt"}; !slices.Equal(got, want) ||
					!slices.Equal(v.CommonPrefixes, []string{"docs/sub/"}) {
					t.Fatalf("docs/: %q %q", got, v.CommonPrefixes)
				}
				// A marker inside a group: entries sort after the marker, so
				// the group it falls in is not listed again.
				v, _, err = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Delimiter: "/", Marker: "docs/one.txt"})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(v.CommonPrefixes, []string{"enc/", "img/", "uploads/", "z/"}) || v.Marker != "docs/one.txt" {
					t.Fatalf("marker in a group: %q %q", contentKeys(v), v.CommonPrefixes)
				}
			})

			t.Run("paging", func(t *testing.T) {
				for _, max := range []int{1, 2, 4, len(listKeys) - 1, len(listKeys)} {
					got := pageAll(t, c, &cos.BucketGetOptions{MaxKeys: max})
					if !slices.Equal(got, listKeys) {
						t.Errorf("max-keys %d pages %q", max, got)
					}
				}
				// With a delimiter a common prefix is one entry, may be the
				// NextMarker, and the next page starts after all its keys.
				got := pageAll(t, c, &cos.BucketGetOptions{Delimiter: "/", MaxKeys: 1})
				if want := []string{"a.txt", "docs/", "enc/", "img/", "uploads/", "z/", "é.txt"}; !slices.Equal(got, want) {
					t.Errorf("delimiter pages %q, want %q", got, want)
				}
				got = pageAll(t, c, &cos.BucketGetOptions{Prefix: "docs/", Delimiter: "/", MaxKeys: 2})
				if want := []string{"docs/", "docs/one.txt", "docs/sub/", "docs/two.txt"}; !slices.Equal(got, want) {
					t.Errorf("docs/ pages %q, want %q", got, want)
				}
				v, _, err := c.Bucket.Get(t.Context(), &cos.BucketGetOptions{MaxKeys: 5000})
				if err != nil || v.MaxKeys != 1000 || len(v.Contents) != len(listKeys) {
					t.Errorf("max-keys 5000: %v %+v", err, v)
				}
			})

			t.Run("encoding-type=url", func(t *testing.T) {
				v, _, err := c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "enc/a b", EncodingType: "url", MaxKeys: 1})
				if err != nil {
					t.Fatal(err)
				}
				want := "enc/a%20b%2Bc%25d%20%E8%85%BE%E8%AE%AF.txt"
				if v.EncodingType != "url" || v.Prefix != "enc/a%20b" || len(v.Contents) != 1 || v.Contents[0].Key != want ||
					v.IsTruncated || v.NextMarker != "" {
					t.Fatalf("encoded: %+v", v)
				}
				if k, _ := cos.DecodeURIComponent(v.Contents[0].Key); k != "enc/a b+c%d 腾讯.txt" {
					t.Fatalf("decoded key %q", k)
				}
				v, _, err = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "enc/", EncodingType: "url", MaxKeys: 1})
				if err != nil {
					t.Fatal(err)
				}
				if !v.IsTruncated || v.NextMarker != want {
					t.Fatalf("NextMarker %q (truncated %v)", v.NextMarker, v.IsTruncated)
				}
				next, _ := cos.DecodeURIComponent(v.NextMarker)
				v, _, err = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "enc/", EncodingType: "url", Marker: next})
				if err != nil {
					t.Fatal(err)
				}
				if v.Marker != want || len(v.Contents) != 1 || v.Contents[0].Key != "enc/x%2By" {
					t.Fatalf("second page: %+v", v)
				}
				v, _, err = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "enc/", Delimiter: "+", EncodingType: "url"})
				if err != nil {
					t.Fatal(err)
				}
				if v.Delimiter != "%2B" || !slices.Equal(v.CommonPrefixes, []string{"enc/a%20b%2B", "enc/x%2B"}) {
					t.Fatalf("encoded delimiter and prefixes: %q %q", v.Delimiter, v.CommonPrefixes)
				}
				// Without encoding-type the answer has no EncodingType.
				v, _, _ = c.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "enc/x"})
				if v.EncodingType != "" || len(v.Contents) != 1 || v.Contents[0].Key != "enc/x+y" {
					t.Fatalf("unencoded: %+v", v)
				}
			})

			t.Run("xml", func(t *testing.T) {
				a := do(t, e.signed(t, http.MethodGet, "?prefix=img/&max-keys=1", nil, nil, rootID, rootKey, "", nil))
				if a.status != 200 || a.header.Get("x-cos-bucket-region") != region || a.header.Get("Content-Type") != "application/xml" {
					t.Fatalf("%d %v", a.status, a.header)
				}
				for _, want := range []string{"<Name>" + bucket + "</Name>", "<Prefix>img/</Prefix>", "<Marker></Marker>",
					"<MaxKeys>1</MaxKeys>", "<IsTruncated>true</IsTruncated>", "<NextMarker>img/x.png</NextMarker>",
					"<Key>img/x.png</Key>", "<StorageClass>STANDARD</StorageClass>"} {
					if !bytes.Contains(a.body, []byte(want)) {
						t.Errorf("no %s in\n%s", want, a.body)
					}
				}
				for _, absent := range []string{"<EncodingType>", "<Delimiter>", "<CommonPrefixes>"} {
					if bytes.Contains(a.body, []byte(absent)) {
						t.Errorf("%s present unasked:\n%s", absent, a.body)
					}
				}
				a = do(t, e.signed(t, http.MethodGet, "?prefix=img/", nil, nil, rootID, rootKey, "", nil))
				if bytes.Contains(a.body, []byte("<NextMarker>")) {
					t.Errorf("NextMarker in an untruncated answer:\n%s", a.body)
				}
			})

			t.Run("invalid", func(t *testing.T) {
				if _, _, err := c.Bucket.Get(t.Context(), &cos.BucketGetOptions{MaxKeys: -1}); sdkError(t, err).Code != "InvalidArgument" ||
					sdkError(t, err).Response.StatusCode != 400 {
					t.Errorf("max-keys -1: %v", err)
				}
				for query, code := range map[string]string{
					"?max-keys=ten":      "InvalidArgument",
					"?max-keys=1.5":      "InvalidArgument",
					"?encoding-type=b64": "InvalidArgument",
					"?list-type=2":       "NotImplemented",
					"?acl":               "NotImplemented",
					"?location":          "NotImplemented",
				} {
					a := do(t, e.signed(t, http.MethodGet, query, nil, nil, rootID, rootKey, "", nil))
					if a.err.Code != code || (code == "InvalidArgument") != (a.status == 400) {
						t.Errorf("%s: %d %s", query, a.status, a.err.Code)
					}
				}
				// max-keys=0 asks for nothing and is told nothing was cut off
				// (S3's answer; COS does not document it).
				a := do(t, e.signed(t, http.MethodGet, "?max-keys=0", nil, nil, rootID, rootKey, "", nil))
				if a.status != 200 || bytes.Contains(a.body, []byte("<Contents>")) || !bytes.Contains(a.body, []byte("<IsTruncated>false<")) {
					t.Errorf("max-keys=0: %d\n%s", a.status, a.body)
				}
			})

			t.Run("temporary key", func(t *testing.T) {
				k := e.tempKey(t, policy([]string{"name/cos:GetBucket"}, []string{"uploads/u1/*"}, ""), time.Hour)
				tc := e.client(k.SecretID, k.SecretKey, k.Token)
				v, _, err := tc.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "uploads/u1/"})
				if err != nil {
					t.Fatal(err)
				}
				if got := contentKeys(v); !slices.Equal(got, []string{"uploads/u1/a.png", "uploads/u1/b.png"}) {
					t.Fatalf("own prefix: %q", got)
				}
				for _, prefix := range []string{"uploads/", "uploads/u2/", ""} {
					_, _, err := tc.Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: prefix})
					if e := sdkError(t, err); e.Code != "AccessDenied" || e.Response.StatusCode != 403 {
						t.Errorf("prefix %q: %v", prefix, err)
					}
				}
				// GetObject on the prefix does not grant listing it.
				k = e.tempKey(t, policy([]string{"name/cos:GetObject"}, []string{"uploads/u1/*"}, ""), time.Hour)
				_, _, err = e.client(k.SecretID, k.SecretKey, k.Token).Bucket.Get(t.Context(), &cos.BucketGetOptions{Prefix: "uploads/u1/"})
				if sdkError(t, err).Code != "AccessDenied" {
					t.Errorf("GetObject-only key listed: %v", err)
				}
			})
		})
	}
}

func contentKeys(v *cos.BucketGetResult) []string {
	var keys []string
	for _, o := range v.Contents {
		keys = append(keys, o.Key)
	}
	return keys
}

// pageAll lists page by page, marker = NextMarker, until IsTruncated is
// false, and returns every entry (keys and common prefixes) in order.
func pageAll(t *testing.T, c *cos.Client, opt *cos.BucketGetOptions) []string {
	t.Helper()
	var all []string
	for range 100 {
		v, _, err := c.Bucket.Get(t.Context(), opt)
		if err != nil {
			t.Fatal(err)
		}
		page := slices.Concat(contentKeys(v), v.CommonPrefixes)
		slices.Sort(page)
		if len(page) > opt.MaxKeys || len(page) == 0 {
			t.Fatalf("page of %d entries for max-keys %d", len(page), opt.MaxKeys)
		}
		all = append(all, page...)
		if !v.IsTruncated {
			if v.NextMarker != "" {
				t.Fatalf("NextMarker %q on the last page", v.NextMarker)
			}
			return all
		}
		if v.NextMarker != page[len(page)-1] {
			t.Fatalf("NextMarker %q is not the page's last entry %q", v.NextMarker, page[len(page)-1])
		}
		opt.Marker = v.NextMarker
	}
	t.Fatal("listing never ended")
	return nil
}
