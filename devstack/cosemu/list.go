package cosemu

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// GET Bucket (List Objects), as COS documents it:
// https://cloud.tencent.com/document/product/436/7734 (English:
// https://www.tencentcloud.com/document/product/436/30614).

// maxListKeys is max-keys' default and its ceiling ("默认值为1000，最大为1000").
const maxListKeys = 1000

// listParams are the query parameters GET Bucket reads; the signature's own
// parameters may come beside them.
var listParams = map[string]bool{
	"prefix": true, "delimiter": true, "encoding-type": true, "marker": true, "max-keys": true,
}

// listQuery is a parsed GET Bucket request.
type listQuery struct {
	prefix, delimiter, marker string
	max                       int
	url                       bool // encoding-type=url
}

// parseListQuery reads the list parameters. Empty values count as absent,
// as the SDKs send prefix= when none is set.
func parseListQuery(q url.Values) (listQuery, *apiError) {
	l := listQuery{prefix: q.Get("prefix"), delimiter: q.Get("delimiter"), marker: q.Get("marker"), max: maxListKeys}
	switch enc := q.Get("encoding-type"); enc {
	case "":
	case "url":
		l.url = true
	default:
		// The documentation names url as the only value; COS's answer to
		// another is not documented (the emulator's choice).
		return l, errInvalidArgument.with("encoding-type must be url.")
	}
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return l, errInvalidArgument.with("max-keys must be a non-negative integer.")
		}
		// Over the documented maximum a page holds the maximum; COS's
		// answer to more is not documented (the emulator's choice, S3's).
		l.max = min(n, maxListKeys)
	}
	return l, nil
}

// listing is one page: object entries and common prefixes, each counted
// toward max-keys ("即 CommonPrefixes 和 Contents 的总和").
type listing struct {
	contents  []Object
	prefixes  []string
	truncated bool
	next      string // the page's last entry, key or common prefix
}

// listPage pages through st in key order. Every entry of a page sorts after
// the marker: a common prefix at or before it was listed already, so
// NextMarker may be a common prefix and the next page resumes after all of
// its keys (cases 7 and 8 of the documentation).
func listPage(st Store, l listQuery) (listing, error) {
	var out listing
	if l.max == 0 {
		return out, nil // nothing asked for, nothing cut off (S3's answer)
	}
	var (
		n     int // entries taken, one more than a page to see truncation
		after = l.marker
		group string // the common prefix whose keys are being passed over
	)
	add := func(entry string, o *Object) bool {
		n++
		if n > l.max {
			out.truncated = true
			return false
		}
		if o != nil {
			out.contents = append(out.contents, *o)
		} else {
			out.prefixes = append(out.prefixes, entry)
		}
		out.next = entry
		return true
	}
	for {
		want := l.max + 1 - n
		batch, err := st.Keys(l.prefix, after, want)
		if err != nil {
			return listing{}, err
		}
		for i := range batch {
			o := &batch[i]
			after = o.Key
			if group != "" && strings.HasPrefix(o.Key, group) {
				continue
			}
			if l.delimiter != "" {
				if j := strings.Index(o.Key[len(l.prefix):], l.delimiter); j >= 0 {
					group = o.Key[:len(l.prefix)+j+len(l.delimiter)]
					if group <= l.marker {
						continue
					}
					if !add(group, nil) {
						return out.page(), nil
					}
					continue
				}
			}
			if !add(o.Key, o) {
				return out.page(), nil
			}
		}
		if len(batch) < want {
			return out.page(), nil
		}
		if group != "" && strings.HasPrefix(after, group) {
			// Skip the rest of the group at once. Keys are valid UTF-8
			// (checkKey), which never holds 0xFF, so every key in the group
			// sorts before group+"\xff".
			after = group + "\xff"
		}
	}
}

// page drops next when the listing is complete: COS sends NextMarker only
// when IsTruncated is true.
func (l listing) page() listing {
	if !l.truncated {
		l.next = ""
	}
	return l
}

// urlEncode percent-encodes s for encoding-type=url. The documented
// examples keep '/' and encode a space as %20 and UTF-8 bytes as %XX; the
// emulator keeps RFC 3986's unreserved characters too and encodes the rest,
// '+' and '%' included, so a decoder that reads '+' as a space
// (cos-go-sdk-v5's DecodeURIComponent) still gets the key back.
func urlEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

type listBucketResult struct {
	XMLName        xml.Name `xml:"ListBucketResult"`
	Name           string
	EncodingType   string `xml:",omitempty"`
	Prefix         string
	Marker         string
	MaxKeys        int
	Delimiter      string `xml:",omitempty"`
	IsTruncated    bool
	NextMarker     string         `xml:",omitempty"`
	CommonPrefixes []commonPrefix `xml:"CommonPrefixes"`
	Contents       []listEntry    `xml:"Contents"`
}

type commonPrefix struct {
	Prefix string
}

type listEntry struct {
	Key          string
	LastModified string
	ETag         string
	Size         int64
	Owner        owner
	StorageClass string
}

// listObjects is GET Bucket (List Objects). The policy is asked about the
// bucket resource joined with ?prefix=, as for listUploads: a key limited
// to a prefix may list under it (the README's choice; cos:prefix and
// cos:delimiter conditions read the query).
func (s *Server) listObjects(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	// A bucket sub-resource the emulator does not model (?acl, ?location,
	// ?inventory, …) or ListObjects v2 (list-type=2, which none of the
	// official SDKs sends) is refused, not answered with a v1 listing.
	for name, vs := range rc.query {
		if name == "list-type" || !listParams[name] && !isSignatureParam(name) && (len(vs) == 0 || vs[0] == "") {
			writeError(w, r, rc, errNotImplemented.with("The local COS emulator does not implement GET Bucket ?"+
				clip(name)+"."))
			return
		}
	}
	if e := s.authorize(p, "GetBucket", rc.query.Get("prefix"), values(r, rc, nil)); e != nil {
		writeError(w, r, rc, e)
		return
	}
	l, e := parseListQuery(rc.query)
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	page, err := listPage(s.cfg.Store, l)
	if err != nil {
		writeError(w, r, rc, errInternal)
		return
	}
	enc := func(v string) string { return v }
	out := listBucketResult{Name: s.cfg.Bucket, MaxKeys: l.max, IsTruncated: page.truncated}
	if l.url {
		// Every key-like field is encoded (cos-python-sdk-v5 decodes
		// Prefix, Marker, NextMarker, Key and CommonPrefixes; Delimiter too
		// is the emulator's choice, as S3 does).
		enc, out.EncodingType = urlEncode, "url"
	}
	out.Prefix, out.Marker, out.Delimiter, out.NextMarker = enc(l.prefix), enc(l.marker), enc(l.delimiter), enc(page.next)
	for _, cp := range page.prefixes {
		out.CommonPrefixes = append(out.CommonPrefixes, commonPrefix{enc(cp)})
	}
	// The documented Owner of a listed object is the account's APPID, both
	// ID and DisplayName.
	own := owner{ID: s.appID, DisplayName: s.appID}
	for _, o := range page.contents {
		out.Contents = append(out.Contents, listEntry{
			Key: enc(o.Key), LastModified: isoTime(o.Modified), ETag: o.ETag, Size: o.Size,
			Owner: own, StorageClass: "STANDARD",
		})
	}
	w.Header().Set("x-cos-bucket-region", s.cfg.Region) // documented response header
	writeXML(w, http.StatusOK, out)
}

// isSignatureParam reports whether a query parameter belongs to a request's
// signature or session token rather than to the operation.
func isSignatureParam(name string) bool {
	return strings.HasPrefix(name, "q-") || name == "sign" || name == "x-cos-security-token"
}
