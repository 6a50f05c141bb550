package cosemu

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cosgate/shared/cossign"
	"cosgate/shared/cosverify"
)

// Form limits: COS caps the fields before the file; these are generous.
const (
	maxFormFields     = 100
	maxFormFieldBytes = 64 << 10
)

// postObject is POST Object: a multipart/form-data upload to the bucket
// root, signed either by a policy (policy, q-ak, q-key-time, q-signature
// fields) or, as cos-wx-sdk-v5 sends it, by a request signature in a
// "Signature" field (or the Authorization header) over POST /.
//
// What COS documents of a policy's reach (POST Object,
// cloud.tencent.com/document/product/436/14690, "Signature protection" and
// its Policy section), and how the emulator models it:
//   - each condition checks the one form field it names (exact match
//     {"field": "value"} or ["eq", "$field", "value"], prefix match
//     ["starts-with", "$field", "prefix"]) or the file's size
//     (content-length-range), and a form failing one is refused with 403;
//   - the page does not require that every form field appear in a
//     condition (S3's POST policy does), nor say that COS refuses a field
//     none names: so the emulator reads and applies fields outside the
//     policy, the reading an attacker needs (README, "What the emulators
//     do");
//   - the ACL's form field is acl; x-cos-acl, the header's name, is not in
//     the page's list of form fields, and neither is which of the two
//     wins when a form carries both. The emulator applies x-cos-acl too,
//     and of two that differ, the one granting more (postACL), while the
//     key's CAM condition cos:x-cos-acl reads acl: the worst case, so that
//     a policy that holds here holds whichever COS picks.
func (s *Server) postObject(w http.ResponseWriter, r *http.Request, rc *reqContext) {
	fields, file, e := readForm(r)
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	field := func(name string) (string, bool) { v, ok := fields[strings.ToLower(name)]; return v, ok }
	var (
		p      principal
		policy *cossign.PostPolicy
	)
	if _, ok := fields["policy"]; ok {
		v, err := cosverify.VerifyPostForm(field, s.lookup, rc.now)
		if err != nil {
			writeError(w, r, rc, verifyError(rc, err))
			return
		}
		policy = &v.Policy
		if p, e = s.principal(rc, v.SecretID, fields["x-cos-security-token"]); e != nil {
			writeError(w, r, rc, e)
			return
		}
	} else {
		// The request signature covers HTTP headers; the mini-program SDK
		// sends some of them (x-cos-*, Content-Type) as form fields.
		h := r.Header.Clone()
		for name, v := range fields {
			if h.Get(name) == "" && name != "signature" && name != "key" {
				h.Set(name, v)
			}
		}
		in := cosverify.Incoming{
			Method:        r.Method,
			Path:          r.URL.Path,
			Query:         rc.query,
			Header:        h,
			Host:          r.Host,
			Authorization: fields["signature"],
		}
		token := fields["x-cos-security-token"]
		if token == "" {
			token = tokenOf(r.Header, rc.query)
		}
		if p, e = s.verified(rc, in, token); e != nil {
			writeError(w, r, rc, e)
			return
		}
	}
	key, ok := fields["key"]
	if !ok || key == "" {
		writeError(w, r, rc, errInvalidArgument.with("The form has no key field."))
		return
	}
	key = strings.ReplaceAll(key, "${filename}", file.FileName())
	rc.key = key
	if e := checkKey(key); e != nil {
		writeError(w, r, rc, e)
		return
	}
	want, e := contentMD5(fields["content-md5"])
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	rate, e := trafficLimit(fields["x-cos-traffic-limit"])
	if fields["x-cos-traffic-limit"] == "" {
		rate, e = requestTrafficLimit(r, rc)
	}
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	forbid := forbidOverwrite(fields["x-cos-forbid-overwrite"])
	if forbid && s.cfg.Store.Exists(key) {
		writeError(w, r, rc, errExists)
		return
	}
	// The policy and the key's CAM policy are judged once the file's size
	// is known, before the object becomes visible.
	judge := func(size int64) *apiError {
		if policy != nil {
			if err := cosverify.CheckPolicy(*policy, field, s.cfg.Bucket, size); err != nil {
				return verifyError(rc, err)
			}
		}
		extra := map[string]string{"cos:content-length": strconv.FormatInt(size, 10)}
		for name, v := range fields {
			extra["cos:"+name] = v
		}
		if v, ok := fields["acl"]; ok {
			extra["cos:x-cos-acl"] = v
		}
		return s.authorize(p, "PostObject", key, values(r, rc, extra))
	}
	var names []string
	for name := range fields {
		if strings.HasPrefix(name, "x-cos-meta-") {
			names = append(names, name)
		}
	}
	get := func(name string) string {
		if name = strings.ToLower(name); name == "x-cos-acl" {
			return postACL(fields)
		}
		return fields[name]
	}
	o, e := objectMeta(key, get, names)
	if e != nil {
		writeError(w, r, rc, e)
		return
	}
	o.Modified = rc.now
	o, err := s.cfg.Store.Put(o, paceBody(r, http.MaxBytesReader(w, file, MaxPutBytes), rate), bodyCheck(-1, want, judge), forbid)
	if err != nil {
		writeError(w, r, rc, storeError(err))
		return
	}
	location := "http://" + r.Host + rc.base + "/" + cossign.EscapePath(key)
	h := w.Header()
	h.Set("ETag", o.ETag)
	h.Set("Location", location)
	h.Set("x-cos-hash-crc64ecma", strconv.FormatUint(o.CRC64, 10))
	if redirect := fields["success_action_redirect"]; redirect != "" {
		u, err := url.Parse(redirect)
		if err == nil {
			q := u.Query()
			q.Set("bucket", s.cfg.Bucket)
			q.Set("key", key)
			q.Set("etag", o.ETag)
			u.RawQuery = q.Encode()
			h.Set("Location", u.String())
			w.WriteHeader(http.StatusSeeOther)
			return
		}
	}
	switch fields["success_action_status"] {
	case "200":
		w.WriteHeader(http.StatusOK)
	case "201":
		writeXML(w, http.StatusCreated, postResponse{Location: location, Bucket: s.cfg.Bucket, Key: key, ETag: o.ETag})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

// postACL is the canned ACL a form gives its object: the field acl (POST
// Object's name for it, 436/14690) or x-cos-acl, whichever the form
// carries; of two that differ, an invalid one (so that it is refused) or
// else the one granting more. COS does not document the precedence; this
// is the worst case of it (see postObject).
func postACL(fields map[string]string) string {
	acl, header := fields["acl"], fields["x-cos-acl"]
	switch {
	case acl == "" || acl == header:
		return header
	case header == "":
		return acl
	case !cannedACL(header):
		return header
	case !cannedACL(acl) || acl == "public-read":
		return acl
	default:
		return header
	}
}

// cannedACL reports whether v is an x-cos-acl value COS documents.
func cannedACL(v string) bool { return v == "private" || v == "public-read" || v == "default" }

type postResponse struct {
	XMLName  struct{} `xml:"PostResponse"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

// readForm reads the fields up to the file part, which must come last, and
// returns the file part unread. Field names are lower-cased: COS matches
// them without regard to case.
func readForm(r *http.Request) (map[string]string, *multipart.Part, *apiError) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, errMalformedPOST
	}
	fields := map[string]string{}
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) && n > 0 {
			return nil, nil, errNoFile
		}
		if err != nil || n >= maxFormFields {
			return nil, nil, errMalformedPOST
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			return fields, part, nil
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFormFieldBytes+1))
		if err != nil || len(v) > maxFormFieldBytes {
			return nil, nil, errMalformedPOST
		}
		fields[name] = string(v)
	}
}
