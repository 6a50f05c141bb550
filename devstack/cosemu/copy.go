package cosemu

import (
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"cosgate/devstack/cam"
)

// PUT Object - Copy (https://cloud.tencent.com/document/product/436/10881)
// and Upload Part - Copy (https://cloud.tencent.com/document/product/436/8287),
// as those pages document them:
//
//   - x-cos-copy-source is <Bucket-APPID>.cos.<Region>.myqcloud.com/<key>,
//     the key URL-encoded, optionally ?versionId=. The emulator also takes
//     its own address as the host (<Host>/<key>, or path-style
//     <Host>/<bucket>/<key>), located as a request to it would be: that is
//     the host cos-go-sdk-v5's MultiCopy HEADs the source at, so it must
//     name the bucket too. Another bucket or region is 404 NoSuchBucket; a
//     source of any other form is 400 InvalidArgument (the emulator's
//     choice: COS documents no answer for one).
//   - Authorization ("授权说明"): the source needs cos:GetObject, unless it
//     is public-read ("或者被复制对象向所有人开放了读取权限"). The
//     destination's action is named two ways: the API page's revision of
//     2026-02-06 says cos:PutObjectCopy, its revision of 2026-05-29
//     cos:PutObject, as do the SDK guides
//     (https://cloud.tencent.com/document/product/436/65826, …/109472).
//     Upload Part - Copy says cos:UploadPartCopy, and in its note
//     PutObject on the destination path. The emulator lets either name
//     through (copyActions, partCopyActions) and refuses when a deny
//     matches either: a grant of PutObject alone, as cosgate's /sts grants
//     are, copies into its prefix, and whether it can copy another's
//     object is decided by the read of the source, as on COS whichever
//     name COS checks. Destination conditions (cos:x-cos-acl, …) are read
//     from the request as for PutObject; the source key is literal, as
//     every key is (uploads/u1/../u2/x is a name under uploads/u1/).
//   - x-cos-metadata-directive: Copy (the default) keeps the source's
//     Content-Type, Cache-Control, … and x-cos-meta-*; Replaced takes them
//     from the request. Copying an object onto itself must say Replaced.
//   - The destination's ACL comes from the request's x-cos-acl and grant
//     headers, else default (the bucket's: private), never the source's.
//   - x-cos-copy-source-If-Match, -If-None-Match, -If-Modified-Since and
//     -If-Unmodified-Since answer 412 when they fail.
//   - x-cos-forbid-overwrite: true on an existing destination is 409, as
//     for PutObject.
//   - The answer is CopyObjectResult{ETag, CRC64, LastModified} (VersionId
//     only in a versioned bucket, which the emulator has not), or
//     CopyPartResult{ETag, LastModified}. x-cos-copy-source-range is
//     bytes=first-last, zero-based, inclusive.
//   - "此接口无请求体": a body is read and dropped.
//
// Not modelled: versions (?versionId= answers 501), storage classes,
// tagging, SSE, cross-bucket and cross-region copies, and the documented
// 200 answer carrying an error when a copy fails midway (a copy here is
// done before the status is written). Guessed (COS documents no code):
// 400 InvalidRequest for a self-copy without Replaced, 400 InvalidArgument
// for a bad range or directive, 400 EntityTooLarge for a single copy of
// over 5 GiB, 412's code PreconditionFailed.

// The destination actions that allow a copy; a deny on any refuses it.
var (
	copyActions     = []string{"PutObjectCopy", "PutObject"}
	partCopyActions = []string{"UploadPartCopy", "PutObject"}
)

var (
	// errCopyToItself: the documentation requires Replaced when source and
	// destination are one object; the code is S3's for the same refusal.
	errCopyToItself = &apiError{
		Status:  400,
		Code:    "InvalidRequest",
		Message: "This copy request is illegal: it copies an object onto itself without x-cos-metadata-directive: Replaced.",
	}
	// errPreconditionFailed: 412 is documented for each
	// x-cos-copy-source-If-* header; the code is S3's for it.
	errPreconditionFailed = &apiError{
		Status:  412,
		Code:    "PreconditionFailed",
		Message: "At least one of the pre-conditions you specified did not hold.",
	}
	errCopySource = errInvalidArgument.with(
		"x-cos-copy-source must be <Bucket-APPID>.cos.<Region>.myqcloud.com/<URL-encoded key>.")
	errCopyVersion = errNotImplemented.with(
		"The local COS emulator keeps no versions: x-cos-copy-source takes no versionId.")
)

// copySourceKey reads x-cos-copy-source: the key it names in this bucket.
func (s *Server) copySourceKey(r *http.Request) (string, *apiError) {
	vs := r.Header.Values("x-cos-copy-source")
	if len(vs) != 1 {
		// Two sources would let a signer and COS each read a different one.
		return "", errCopySource
	}
	host, rest, ok := strings.Cut(strings.TrimSpace(vs[0]), "/")
	rawKey, query, hasQuery := strings.Cut(rest, "?")
	key, err := url.PathUnescape(rawKey)
	if !ok || host == "" || key == "" || err != nil {
		return "", errCopySource
	}
	if hasQuery {
		q, err := url.ParseQuery(query)
		switch {
		case err != nil:
			return "", errCopySource
		case len(q) == 1 && has(q, "versionId"):
			return "", errCopyVersion
		case len(q) > 0:
			return "", errCopySource
		}
	}
	host = strings.ToLower(host)
	if head, ok := strings.CutSuffix(host, ".myqcloud.com"); ok {
		name, region, _ := strings.Cut(head, ".cos.")
		if name == "" || region == "" || strings.ContainsAny(name+region, ".:") {
			return "", errCopySource
		}
		if name != s.cfg.Bucket || region != s.cfg.Region {
			return "", errNoSuchBucket // the emulator has one bucket
		}
		return key, nil
	}
	if host != strings.ToLower(r.Host) {
		return "", errCopySource
	}
	// The emulator's own address: the bucket and key a request to it would
	// address.
	rc := &reqContext{}
	if !s.locate(&http.Request{Host: r.Host, URL: &url.URL{Path: "/" + key}}, rc) {
		return "", errNoSuchBucket
	}
	if rc.key == "" {
		return "", errCopySource
	}
	return rc.key, nil
}

// authorizeAny applies a temporary key's policy to a request COS documents
// under several action names: a deny on any refuses it, an allow on any
// lets it through.
func (s *Server) authorizeAny(p principal, actions []string, key string, value func(string) (string, bool)) *apiError {
	if p.root {
		return nil
	}
	allowed := false
	for _, a := range actions {
		d := p.key.Policy.Decide(cam.Request{Action: "name/cos:" + a, Resource: s.resource(key), Value: value})
		if d.Deny != nil {
			return s.authorize(p, a, key, value) // refused, with the deny as the reason
		}
		allowed = allowed || d.Allowed
	}
	if allowed {
		return nil
	}
	// Explain the refusal with an action the grant names, if it names one:
	// "outside the prefixes" says more than "not granted".
	explain := actions[0]
	for _, a := range actions {
		if slices.ContainsFunc(p.key.Policy.Statements, func(st cam.Statement) bool {
			return st.Effect == "allow" && slices.ContainsFunc(st.Actions, func(g string) bool {
				return cam.Glob(g, "name/cos:"+a)
			})
		}) {
			explain = a
			break
		}
	}
	return s.authorize(p, explain, key, value)
}

// copySource is what both copies do before their own work: authorize the
// destination (one of actions), then the source's read, open the source
// and apply the x-cos-copy-source-If-* conditions. The caller closes the
// body.
func (s *Server) copySource(r *http.Request, rc *reqContext, p principal, actions []string, key string) (Object, io.ReadSeekCloser, *apiError) {
	if e := s.authorizeAny(p, actions, rc.key, values(r, rc, nil)); e != nil {
		return Object{}, nil, e
	}
	src, body, e := s.openCopySource(r, rc, p, key)
	if e != nil {
		return Object{}, nil, e
	}
	if e := copyPreconditions(r.Header, src); e != nil {
		body.Close()
		return Object{}, nil, e
	}
	return src, body, nil
}

// openCopySource authorizes reading the source and opens it. A caller who
// may not read it learns nothing of it: absent and private answer the same
// 403.
func (s *Server) openCopySource(r *http.Request, rc *reqContext, p principal, key string) (Object, io.ReadSeekCloser, *apiError) {
	denied := s.authorize(p, "GetObject", key, values(r, rc, nil))
	o, body, err := s.cfg.Store.Open(key)
	switch {
	case err == nil && (denied == nil || o.ACL.PublicRead()):
		return o, body, nil
	case err == nil:
		body.Close()
	case denied == nil && errors.Is(err, errNotFound):
		return Object{}, nil, errNoSuchKey
	case denied == nil:
		return Object{}, nil, errInternal
	}
	if denied.reason != nil {
		denied.reason.Detail = "the copy source (x-cos-copy-source " + clip(key) + "): " + denied.reason.Detail
	}
	return Object{}, nil, denied
}

// copyPreconditions applies the x-cos-copy-source-If-* headers to the
// source. As for GET's conditions (RFC 9110 §13.2.2), a date condition is
// skipped when the ETag condition beside it is given, and an unreadable
// date is ignored.
func copyPreconditions(h http.Header, o Object) *apiError {
	etag := strings.Trim(o.ETag, `"`)
	matches := func(v string) bool {
		for t := range strings.SplitSeq(v, ",") {
			if t = strings.Trim(strings.TrimSpace(t), `"`); t == "*" || t == etag {
				return true
			}
		}
		return false
	}
	modified := o.Modified.Truncate(time.Second)
	since := func(name string) (time.Time, bool) {
		t, err := http.ParseTime(h.Get(name))
		return t, err == nil
	}
	im, inm := h.Get("x-cos-copy-source-If-Match"), h.Get("x-cos-copy-source-If-None-Match")
	switch {
	case im != "" && !matches(im):
		return errPreconditionFailed
	case inm != "" && matches(inm):
		return errPreconditionFailed
	}
	if t, ok := since("x-cos-copy-source-If-Unmodified-Since"); ok && im == "" && modified.After(t) {
		return errPreconditionFailed
	}
	if t, ok := since("x-cos-copy-source-If-Modified-Since"); ok && inm == "" && !modified.After(t) {
		return errPreconditionFailed
	}
	return nil
}

// copyTime is the documentation's LastModified form, 2019-05-24T10:56:40Z.
func copyTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (s *Server) copyObject(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	drain(r) // the API has no body
	fail := func(e *apiError) { writeError(w, r, rc, e) }
	if e := checkKey(rc.key); e != nil {
		fail(e)
		return
	}
	srcKey, e := s.copySourceKey(r)
	if e != nil {
		fail(e)
		return
	}
	replace := false
	switch d := r.Header.Get("x-cos-metadata-directive"); {
	case d == "" || strings.EqualFold(d, "Copy"):
	case strings.EqualFold(d, "Replaced"):
		replace = true
	default:
		fail(errInvalidArgument.with("x-cos-metadata-directive must be Copy or Replaced."))
		return
	}
	src, body, e := s.copySource(r, rc, p, copyActions, srcKey)
	if e != nil {
		fail(e)
		return
	}
	defer body.Close()
	switch {
	case srcKey == rc.key && !replace:
		fail(errCopyToItself)
		return
	case src.Size > MaxPutBytes:
		fail(errTooLarge.with("A single copy is at most 5 GB; copy larger objects with Upload Part - Copy."))
		return
	}
	forbid := forbidOverwrite(r.Header.Get("x-cos-forbid-overwrite"))
	if forbid && s.cfg.Store.Exists(rc.key) {
		fail(errExists)
		return
	}
	var o Object
	if replace {
		o, e = objectMeta(rc.key, r.Header.Get, metaNames(r.Header))
	} else {
		o = Object{Key: rc.key, ContentType: src.ContentType, Headers: maps.Clone(src.Headers)}
		o.ACL, e = parseACL(r.Header.Get)
	}
	if e != nil {
		fail(e)
		return
	}
	if o.Headers == nil {
		o.Headers = map[string]string{}
	}
	o.Modified = rc.now
	o, err := s.cfg.Store.Put(o, body, nil, forbid)
	if err != nil {
		fail(storeError(err))
		return
	}
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CopyObjectResult"`
		ETag         string
		CRC64        string
		LastModified string
	}{ETag: o.ETag, CRC64: strconv.FormatUint(o.CRC64, 10), LastModified: copyTime(o.Modified)})
}

// copyRange reads x-cos-copy-source-range against a source of size bytes:
// the offset and length to copy, the whole object when absent.
func copyRange(v string, size int64) (int64, int64, *apiError) {
	if v == "" {
		return 0, size, nil
	}
	bad := errInvalidArgument.with("x-cos-copy-source-range must be bytes=first-last, within the source's " +
		strconv.FormatInt(size, 10) + " bytes.")
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || !ok2 || err1 != nil || err2 != nil || first < 0 || last < first || last >= size {
		return 0, 0, bad
	}
	return first, last - first + 1, nil
}

func (s *Server) uploadPartCopy(w http.ResponseWriter, r *http.Request, rc *reqContext, p principal) {
	drain(r) // the API has no body
	fail := func(e *apiError) { writeError(w, r, rc, e) }
	n, err := strconv.Atoi(rc.query.Get("partNumber"))
	if err != nil || n < 1 || n > maxParts {
		fail(errInvalidArgument.with("partNumber must be an integer from 1 to 10000."))
		return
	}
	u, e := s.findUpload(rc)
	if e != nil {
		fail(e)
		return
	}
	srcKey, e := s.copySourceKey(r)
	if e != nil {
		fail(e)
		return
	}
	src, body, e := s.copySource(r, rc, p, partCopyActions, srcKey)
	if e != nil {
		fail(e)
		return
	}
	defer body.Close()
	off, length, e := copyRange(r.Header.Get("x-cos-copy-source-range"), src.Size)
	if e != nil {
		fail(e)
		return
	}
	if length > MaxPutBytes {
		fail(errTooLarge.with("A part is at most 5 GB."))
		return
	}
	if _, err := body.Seek(off, io.SeekStart); err != nil {
		fail(errInternal)
		return
	}
	id := s.spoolID(u.id, n)
	sp, err := s.cfg.Store.Spool(id, io.LimitReader(body, length))
	if err == nil && sp.Size != length {
		err = errors.New("copy source shorter than its size")
	}
	if err != nil {
		s.cfg.Store.Drop(id)
		fail(storeError(err))
		return
	}
	pt := part{etag: `"` + hex.EncodeToString(sp.MD5) + `"`, md5: sp.MD5, size: sp.Size, modified: rc.now}
	u.mu.Lock()
	u.parts[n] = pt
	u.mu.Unlock()
	writeXML(w, http.StatusOK, struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		ETag         string
		LastModified string
	}{ETag: pt.etag, LastModified: copyTime(rc.now)})
}
